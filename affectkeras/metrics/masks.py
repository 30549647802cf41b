"""Flattening of metric inputs to one sample axis (temporal [B, T, ...] outputs work too)."""

from __future__ import annotations

from keras import ops


def flatten_for_metric(y_true, y_pred, sample_weight, event_ndim_true: int, event_ndim_pred: int):
    """``(y_true [N, ...], y_pred [N, ...], sample_weight [N] or None)``.

    A sparse target ``[*S, 1]`` is squeezed to ``[*S]``; ``sample_weight`` may be [B], [B, 1]
    or match the sample axes, and is broadcast over them.
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    sample_ndim = len(y_pred.shape) - event_ndim_pred
    if len(y_true.shape) == sample_ndim + event_ndim_true + 1 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    if len(y_true.shape) != sample_ndim + event_ndim_true:
        raise ValueError(
            f"y_true of shape {tuple(y_true.shape)} does not match y_pred of shape "
            f"{tuple(y_pred.shape)}"
        )
    pred_event = tuple(y_pred.shape[sample_ndim:])
    true_event = tuple(y_true.shape[sample_ndim:])
    flat_true = ops.reshape(y_true, (-1, *true_event))
    flat_pred = ops.reshape(y_pred, (-1, *pred_event))
    if sample_weight is None:
        return flat_true, flat_pred, None
    weight = ops.cast(ops.convert_to_tensor(sample_weight), "float32")
    if len(weight.shape) == sample_ndim + 1 and weight.shape[-1] == 1:
        weight = ops.squeeze(weight, axis=-1)
    while len(weight.shape) < sample_ndim:
        weight = ops.expand_dims(weight, -1)
    weight = ops.broadcast_to(weight, ops.shape(y_pred)[:sample_ndim])
    return flat_true, flat_pred, ops.reshape(weight, (-1,))
