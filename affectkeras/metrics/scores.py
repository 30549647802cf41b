"""NumPy scoring formulas shared by ``abaw_scores`` (no Keras): F1 from counts and whole-set CCC.

Example:
    >>> import numpy as np
    >>> from affectkeras.metrics.scores import ccc, f1_from_counts
    >>> f1_from_counts(np.array([1, 0]), np.array([2, 0]), np.array([1, 0])).tolist()
    [0.6666666666666666, 0.0]
    >>> ccc(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))
    1.0
"""

from __future__ import annotations

import numpy as np


def f1_from_counts(
    true_positives: np.ndarray, predicted: np.ndarray, actual: np.ndarray
) -> np.ndarray:
    """Per-label F1 ``2 tp / (predicted + actual)``, 0 where both counts are 0.

    This equals sklearn's ``f1_score(..., zero_division=0)``: when a label has no prediction or
    no true sample, its precision or recall is 0 by that convention, and so is F1.
    """
    true_positives = np.asarray(true_positives, np.float64)
    denominator = np.asarray(predicted, np.float64) + np.asarray(actual, np.float64)
    return np.divide(
        2.0 * true_positives,
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )


def ccc(x: np.ndarray, y: np.ndarray) -> float:
    """Whole-set concordance correlation ``2 cov / (var_x + var_y + (mean_x - mean_y)^2)``.

    Population (1/n) variances and covariance, in float64. 0 when the denominator is 0 (both
    series the same constant, or empty).
    """
    x = np.asarray(x, np.float64).reshape(-1)
    y = np.asarray(y, np.float64).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f"CCC needs series of equal length, got {x.shape} and {y.shape}")
    if x.size == 0:
        return 0.0
    mean_x, mean_y = x.mean(), y.mean()
    covariance = np.mean((x - mean_x) * (y - mean_y))
    denominator = x.var() + y.var() + (mean_x - mean_y) ** 2
    return float(2.0 * covariance / denominator) if denominator > 0 else 0.0
