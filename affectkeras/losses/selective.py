"""Seed 003's dataset-wise selective sigmoid cross-entropy (SJMT, eq. 1).

One sigmoid output spans the union of all datasets' label spaces (``OutputSpec.joint``); a sample
from dataset k contributes only over its own label set L^k:

    E = -(1/N) sum_{j in L^k} [ y_j log p_j + (1 - y_j) log(1 - p_j) ]

The printed equation reads ``(1 - p_j) log(1 - p_j)`` in the second term, a typo: the
cross-entropy needs ``(1 - y_j)``, which we use. The paper says N is "the number of classes"; we
take N = |L^k|, the number of units labelled for the sample, so every sample weighs the same
whatever the size of its dataset's label set (with one fixed N instead, samples of large label
sets would dominate). The joint target (Contract 2) holds -1 on every unit outside L^k, so L^k is
read from the target itself. The batch loss averages E over the samples with a non-empty L^k.

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import SelectiveSigmoidCrossEntropy
    >>> y_true = np.array([[1, 0, -1, -1], [-1, -1, 1, -1]], "float32")
    >>> y_pred = np.full((2, 4), 0.5, "float32")
    >>> value = float(SelectiveSigmoidCrossEntropy()(y_true, y_pred))
    >>> round(value, 5) == round(float(np.log(2)), 5)
    True
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras import labels
from affectkeras.losses.base import MaskedLossWrapper
from affectkeras.losses.masked import masked_binary_crossentropy
from affectkeras.losses.masking import flatten_sample_weight, flatten_targets, labelled_mean


def selective_sigmoid_crossentropy(y_true, y_pred, from_logits: bool = False):
    """Per-sample E of eq. 1 (0 for a sample with an empty L^k) and the [N] mask of samples."""
    values, labelled = masked_binary_crossentropy(
        y_true, y_pred, from_logits, missing=labels.MISSING_AU
    )
    size = ops.sum(ops.cast(labelled, "float32"), axis=-1)
    per_sample = ops.sum(values, axis=-1) / ops.maximum(size, 1.0)
    return per_sample, size > 0


def selective_sigmoid_crossentropy_loss(
    y_true, y_pred, sample_weight=None, from_logits: bool = False
):
    """Seed 003 eq. 1: E per sample (N = |L^k|), averaged over the samples with a non-empty L^k.

    Args:
        y_true: float [*S, U] over the union label space, -1 outside the sample's L^k.
        y_pred: float [*S, U] sigmoid probabilities (or logits with ``from_logits``).
        sample_weight: float over the sample axes S, or None.
        from_logits: whether ``y_pred`` holds logits.

    Returns:
        A float32 scalar.
    """
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 1, 1)
    per_sample, has_labels = selective_sigmoid_crossentropy(y_true, y_pred, from_logits)
    return labelled_mean(per_sample, has_labels, weight)


@keras.saving.register_keras_serializable(package="affectkeras")
class SelectiveSigmoidCrossEntropy(MaskedLossWrapper):
    """Selective joint multi-task loss of seed 003 (eq. 1, typo corrected, N = |L^k|).

    :func:`selective_sigmoid_crossentropy_loss`.

    Args:
        from_logits: whether ``y_pred`` holds logits instead of sigmoid probabilities.
        name: loss name.

    Shapes:
        ``y_true`` float [B, U] over the union label space, -1 outside the sample's L^k;
        ``y_pred`` [B, U] sigmoid probabilities; ``sample_weight`` [B].
    """

    def __init__(self, from_logits: bool = False, name: str = "selective_sigmoid_cross_entropy"):
        super().__init__(
            selective_sigmoid_crossentropy_loss, name=name, from_logits=bool(from_logits)
        )
