"""Masked binary cross-entropy over action units, each AU MISSING (-1) on its own.

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import MaskedBinaryCrossentropy
    >>> y_true = np.array([[1, 0, -1], [-1, -1, -1]], "float32")
    >>> y_pred = np.array([[0.9, 0.2, 0.5], [0.1, 0.1, 0.1]], "float32")
    >>> loss = float(MaskedBinaryCrossentropy()(y_true, y_pred))
    >>> round(loss, 4) == round(float(-(np.log(0.9) + np.log(0.8)) / 2), 4)
    True
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras import labels
from affectkeras.losses.base import MaskedLossWrapper
from affectkeras.losses.masking import (
    flatten_sample_weight,
    flatten_targets,
    labelled_mean,
    log_sigmoid_pair,
    safe_labels,
)


def masked_binary_crossentropy(
    y_true, y_pred, from_logits: bool = False, missing=labels.MISSING_AU
):
    """Element-wise binary cross-entropy with MISSING entries set to 0.

    Args:
        y_true: float [N, K] in {0, 1, ``missing``}.
        y_pred: float [N, K] sigmoid probabilities (or logits with ``from_logits``).

    Returns:
        ``(values [N, K], labelled [N, K] bool)``; ``values`` is 0 where not labelled.
    """
    y_true = ops.cast(y_true, "float32")
    labelled = ops.not_equal(y_true, missing)
    target = safe_labels(y_true, labelled)
    log_p, log_not_p = log_sigmoid_pair(y_pred, from_logits)
    values = -(target * log_p + (1.0 - target) * log_not_p)
    return ops.where(labelled, values, 0.0), labelled


def masked_binary_crossentropy_loss(y_true, y_pred, sample_weight=None, from_logits: bool = False):
    """Binary cross-entropy averaged over the labelled AU entries (seed 000, Sec. 2.3).

    ``sum_{n,k labelled} s_n * BCE(y_nk, p_nk) / #labelled entries``, 0 for a batch without
    labelled entries.

    Args:
        y_true: float [*S, K] in {0, 1, -1}.
        y_pred: float [*S, K] sigmoid probabilities (or logits with ``from_logits``).
        sample_weight: float over the sample axes S, or None.
        from_logits: whether ``y_pred`` holds logits.

    Returns:
        A float32 scalar.
    """
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 1, 1)
    values, labelled = masked_binary_crossentropy(y_true, y_pred, from_logits)
    return labelled_mean(values, labelled, weight)


@keras.saving.register_keras_serializable(package="affectkeras")
class MaskedBinaryCrossentropy(MaskedLossWrapper):
    """Binary cross-entropy averaged over the labelled AU entries of the batch.

    ``sum_{n,k labelled} w_n * BCE(y_nk, p_nk) / #labelled entries``
    (:func:`masked_binary_crossentropy_loss`); each AU may be MISSING (-1) on its own
    (Aff-Wild2 and seed 000's AU task). 0 for a batch without labelled entries.

    Args:
        from_logits: whether ``y_pred`` holds logits instead of sigmoid probabilities.
        name: loss name.

    Shapes:
        ``y_true`` float [B, K] in {0, 1, -1}; ``y_pred`` [B, K]; ``sample_weight`` [B].
    """

    def __init__(self, from_logits: bool = False, name: str = "masked_binary_crossentropy"):
        super().__init__(masked_binary_crossentropy_loss, name=name, from_logits=bool(from_logits))
