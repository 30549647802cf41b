"""CCC loss ``1 - CCC`` per VA dimension over the batch (seeds 001, 002, 004).

``CCC = 2 cov(x, y) / (var_x + var_y + (mean_x - mean_y)^2)`` with population (1/n) moments,
computed per dimension over the batch's labelled entries (-5 = MISSING, per element). Sample
weights act as frequency weights in the moments. A small epsilon in the denominator keeps a
constant batch finite (CCC = 0 there, loss 1). A dimension with fewer than two labelled entries
has no defined CCC and contributes nothing; a batch with none gives 0.

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import CCCLoss
    >>> y = np.array([[0.1, 0.5], [0.4, -0.2], [-0.3, 0.0]], "float32")
    >>> round(float(CCCLoss()(y, y)), 5)
    0.0
    >>> zero_mean = np.array([[0.1, 0.5], [-0.1, -0.5]], "float32")
    >>> round(float(CCCLoss()(zero_mean, -zero_mean)), 5)
    2.0
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from affectkeras import labels
from affectkeras.losses.base import MaskedLossWrapper, float_list
from affectkeras.losses.masking import (
    epsilon,
    flatten_sample_weight,
    flatten_targets,
    labelled_weights,
    safe_labels,
)


def weighted_ccc(y_true, y_pred, weights):
    """Per-dimension CCC with frequency weights (population moments).

    Args:
        y_true: float [N, D], finite everywhere.
        y_pred: float [N, D].
        weights: float [N, D] >= 0 (0 = not used).

    Returns:
        float [D]: the CCC of each dimension (0 where all weights are 0 or both series are equal
        constants).
    """
    total = ops.maximum(ops.sum(weights, axis=0), epsilon())
    mean_true = ops.sum(weights * y_true, axis=0) / total
    mean_pred = ops.sum(weights * y_pred, axis=0) / total
    d_true = y_true - mean_true
    d_pred = y_pred - mean_pred
    var_true = ops.sum(weights * d_true * d_true, axis=0) / total
    var_pred = ops.sum(weights * d_pred * d_pred, axis=0) / total
    covariance = ops.sum(weights * d_true * d_pred, axis=0) / total
    denominator = var_true + var_pred + ops.square(mean_true - mean_pred)
    return 2.0 * covariance / (denominator + epsilon())


def ccc_per_dimension(y_true, y_pred, sample_weight=None, missing=labels.MISSING_VA):
    """CCC per dimension over labelled entries, and which dimensions have >= 2 of them.

    Returns:
        ``(ccc [D], valid [D] float 0/1)``.
    """
    y_true = ops.cast(y_true, "float32")
    labelled = ops.not_equal(y_true, missing)
    weights, counted = labelled_weights(labelled, sample_weight)
    ccc = weighted_ccc(safe_labels(y_true, labelled), y_pred, weights)
    valid = ops.cast(ops.sum(counted, axis=0) >= 2.0, "float32")
    return ccc, valid


def ccc_loss(y_true, y_pred, sample_weight=None, dimension_weights=None):
    """``1 - CCC`` (seed 001 L_3, seed 004 eq. 2) over the dimensions with >= 2 labelled entries.

    Args:
        y_true: float [*S, D], -5 = MISSING.
        y_pred: float [*S, D].
        sample_weight: float over the sample axes S (frequency weights), or None.
        dimension_weights: None for the mean over valid dimensions, else one weight per
            dimension for a weighted sum.

    Returns:
        A float32 scalar (0 when no dimension is valid).
    """
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 1, 1)
    ccc, valid = ccc_per_dimension(y_true, y_pred, weight)
    terms = valid * (1.0 - ccc)
    if dimension_weights is None:
        return ops.sum(terms) / ops.maximum(ops.sum(valid), 1.0)
    return ops.sum(terms * np.asarray(dimension_weights, np.float32))


@keras.saving.register_keras_serializable(package="affectkeras")
class CCCLoss(MaskedLossWrapper):
    """``1 - CCC`` of each VA dimension over the batch (:func:`ccc_loss`; see the module doc).

    Args:
        dimension_weights: None (default) averages ``1 - CCC`` over the valid dimensions
            (valence, arousal); a sequence gives a weighted sum instead (seed 004 uses 0.4 and
            0.4, see ``CCCMSELoss``).
        name: loss name.

    Shapes:
        ``y_true`` float [B, 2] (-5 = MISSING); ``y_pred`` [B, 2]; ``sample_weight`` [B].
    """

    def __init__(self, dimension_weights: Sequence[float] | None = None, name: str = "ccc_loss"):
        super().__init__(ccc_loss, name=name, dimension_weights=float_list(dimension_weights))
