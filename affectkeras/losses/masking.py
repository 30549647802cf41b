"""Shared pieces of every affectkeras loss: sample axes, MISSING masks and the labelled mean.

Targets keep their MISSING sentinels (-1 expression, -1 per AU, -5 per VA element, -1 on SJMT
units outside a sample's label set). A loss builds a boolean ``labelled`` mask from the sentinel,
replaces the sentinel by a harmless value *before* any arithmetic (so nothing is NaN or infinite),
computes per-sample or per-entry values, and hands them to :func:`labelled_mean`, which multiplies
by the mask and the sample weights and divides by the number of labelled samples or entries (0
for a batch with none). A masked entry therefore contributes exactly zero loss and exactly zero
gradient.

Leading axes: every loss treats all axes before its "event" axes as sample axes, so a temporal
model's ``[B, T, ...]`` outputs work like ``[B * T, ...]``; ``sample_weight`` may have shape
``[B]`` (broadcast over T), ``[B, T]`` or ``[B, 1]``.
"""

from __future__ import annotations

import keras
from keras import ops


def epsilon() -> float:
    """The clipping constant of probabilities (``keras.config.epsilon()``, 1e-7 by default)."""
    return keras.config.epsilon()


def flatten_samples(y_pred, event_ndim: int):
    """Reshapes ``[*S, *E]`` to ``[prod(S), *E]`` where E are the last ``event_ndim`` axes."""
    event_shape = tuple(y_pred.shape[len(y_pred.shape) - event_ndim :]) if event_ndim else ()
    if any(size is None for size in event_shape):
        raise ValueError(f"The last {event_ndim} axes of y_pred must be static, got {y_pred.shape}")
    return ops.reshape(y_pred, (-1, *event_shape))


def flatten_targets(y_true, y_pred, event_ndim_true: int, event_ndim_pred: int):
    """Flattens targets and predictions to one sample axis.

    A sparse target of shape ``[*S, 1]`` (one trailing unit axis more than expected) is squeezed
    first, as Keras does for ``SparseCategoricalCrossentropy``.

    Returns:
        ``(y_true [N, *E_true], y_pred [N, *E_pred])``.
    """
    sample_ndim = len(y_pred.shape) - event_ndim_pred
    if len(y_true.shape) == sample_ndim + event_ndim_true + 1 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    if len(y_true.shape) != sample_ndim + event_ndim_true:
        raise ValueError(
            f"y_true of shape {tuple(y_true.shape)} does not match y_pred of shape "
            f"{tuple(y_pred.shape)} (expected {sample_ndim} sample axes and "
            f"{event_ndim_true} label axes in y_true)"
        )
    return flatten_samples(y_true, event_ndim_true), flatten_samples(y_pred, event_ndim_pred)


def flatten_sample_weight(sample_weight, y_pred, event_ndim_pred: int):
    """Broadcasts ``sample_weight`` to the sample axes of ``y_pred`` and flattens it to [N]."""
    if sample_weight is None:
        return None
    sample_weight = ops.cast(sample_weight, "float32")
    sample_ndim = len(y_pred.shape) - event_ndim_pred
    if len(sample_weight.shape) == sample_ndim + 1 and sample_weight.shape[-1] == 1:
        sample_weight = ops.squeeze(sample_weight, axis=-1)
    while len(sample_weight.shape) < sample_ndim:
        sample_weight = ops.expand_dims(sample_weight, axis=-1)
    if len(sample_weight.shape) != sample_ndim:
        raise ValueError(
            f"sample_weight of shape {tuple(sample_weight.shape)} does not fit predictions of "
            f"shape {tuple(y_pred.shape)}: expected one weight per sample"
        )
    sample_shape = ops.shape(y_pred)[:sample_ndim]
    return ops.reshape(ops.broadcast_to(sample_weight, sample_shape), (-1,))


def labelled_weights(labelled, sample_weight):
    """Per-entry weights (mask x sample weight) and the 0/1 indicator of counted entries.

    Args:
        labelled: bool [N] or [N, K].
        sample_weight: float [N] or None.

    Returns:
        ``(weights, counted)``, both float32 with the shape of ``labelled``. An entry is counted
        when it is labelled and its sample weight is not 0 (a zero weight marks a sample that has
        no label for the task, Contract 2).
    """
    mask = ops.cast(labelled, "float32")
    if sample_weight is None:
        return mask, mask
    weight = sample_weight if len(labelled.shape) == 1 else ops.expand_dims(sample_weight, -1)
    return mask * weight, mask * ops.cast(ops.not_equal(weight, 0.0), "float32")


def labelled_mean(values, labelled, sample_weight=None):
    """Mean of ``values`` over the labelled entries, each multiplied by its sample weight.

    ``sum(values * mask * sample_weight) / max(count of labelled entries, 1)``: balancing weights
    rescale entries without changing the denominator (as Keras' ``sum_over_batch_size`` does), and
    a batch with no labelled entry gives exactly 0.

    Args:
        values: float [N] or [N, K], finite everywhere (sentinels already replaced).
        labelled: bool, same shape.
        sample_weight: float [N] or None.

    Returns:
        A float32 scalar.
    """
    weights, counted = labelled_weights(labelled, sample_weight)
    return ops.sum(values * weights) / ops.maximum(ops.sum(counted), 1.0)


def safe_labels(y_true, labelled, safe_value=0):
    """``y_true`` with every MISSING entry replaced by ``safe_value`` (no NaN can follow)."""
    return ops.where(labelled, y_true, ops.cast(safe_value, y_true.dtype))


def log_probabilities(y_pred, from_logits: bool, axis: int = -1):
    """Log of softmax probabilities: ``log_softmax`` of logits, or the log of clipped ``y_pred``."""
    if from_logits:
        return ops.log_softmax(y_pred, axis=axis)
    return ops.log(ops.clip(y_pred, epsilon(), 1.0 - epsilon()))


def log_sigmoid_pair(y_pred, from_logits: bool):
    """``(log p, log(1 - p))`` of sigmoid outputs, from logits or from clipped probabilities."""
    if from_logits:
        return -ops.softplus(-y_pred), -ops.softplus(y_pred)
    p = ops.clip(y_pred, epsilon(), 1.0 - epsilon())
    return ops.log(p), ops.log(1.0 - p)
