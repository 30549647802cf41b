"""Seed 002's valence/arousal bins: equal-width bins over [-1, 1] for each VA dimension.

The bin head (``models.layers.va_bins``), its loss (``losses.va_bins``), the VA-balanced sampler
(``data.feeding.sampling``) and the decoder all use these edges, so a value and its bin agree
everywhere (Contract 5).
"""

from __future__ import annotations

import numpy as np

VA_BINS = 20
"""Seed 002's default number of valence (and of arousal) bins (the authors' public code)."""


def va_bin_edges(bins: int = VA_BINS) -> np.ndarray:
    """The ``bins + 1`` edges of equal-width bins over [-1, 1] for valence or arousal.

    Seed 002 classifies each VA dimension into bins; the bin head, its loss and its decoder all
    use these edges so that a value and its bin agree everywhere.

    Example:
        >>> va_bin_edges(4).tolist()
        [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    if bins < 2:
        raise ValueError(f"VA needs at least 2 bins, got {bins}")
    return np.linspace(-1.0, 1.0, bins + 1, dtype=np.float32)


def va_bin_centres(bins: int = VA_BINS) -> np.ndarray:
    """[bins] bin centres; the expected VA of a bin distribution is ``probabilities @ centres``.

    Example:
        >>> va_bin_centres(4).tolist()
        [-0.75, -0.25, 0.25, 0.75]
    """
    edges = va_bin_edges(bins)
    return (edges[:-1] + edges[1:]) / 2


def va_to_bin(values: np.ndarray, bins: int = VA_BINS) -> np.ndarray:
    """Bin index of each value in [-1, 1] (1.0 falls in the last bin); int64, same shape.

    Example:
        >>> va_to_bin(np.array([-1.0, -0.6, 0.0, 1.0]), 4).tolist()
        [0, 0, 2, 3]
    """
    values = np.clip(np.asarray(values, dtype=np.float32), -1.0, 1.0)
    return np.minimum(((values + 1.0) / 2.0 * bins).astype(np.int64), bins - 1)
