"""A tiny functional model with the three canonical outputs and simple masked losses.

The real losses are affectkeras.losses (issue 6); these only prove that ``model.fit`` maps the
pipeline's ``(x, y_dict, sample_weight_dict)`` by task name and that sentinels can be masked.
"""

from __future__ import annotations

import keras
from keras import ops


def tiny_model(size: int, windows: int | None = None) -> keras.Model:
    """uint8 [B, size, size, 3] (or windows {"frames", "mask"}) -> the three task outputs."""
    if windows is None:
        inputs = keras.Input((size, size, 3), dtype="uint8", name="image")
        h = keras.layers.Rescaling(1 / 255.0)(inputs)
        h = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(4, 3)(h))
    else:
        frames = keras.Input((windows, size, size, 3), dtype="uint8", name="frames")
        mask = keras.Input((windows,), dtype="bool", name="mask")
        inputs = {"frames": frames, "mask": mask}
        h = keras.layers.Rescaling(1 / 255.0)(frames)
        h = keras.layers.TimeDistributed(keras.layers.GlobalAveragePooling2D())(h)
        h = keras.layers.GRU(4)(h, mask=mask)
    outputs = {
        "expression": keras.layers.Dense(7, activation="softmax", name="expression")(h),
        "action_units": keras.layers.Dense(12, activation="sigmoid", name="action_units")(h),
        "valence_arousal": keras.layers.Dense(2, activation="tanh", name="valence_arousal")(h),
    }
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer="adam",
        loss={
            "expression": masked_sparse_ce,
            "action_units": masked_bce,
            "valence_arousal": masked_mse,
        },
    )
    return model


def masked_sparse_ce(y_true, y_pred):
    y_true = ops.reshape(ops.cast(y_true, "int32"), (-1,))
    labelled = y_true >= 0
    safe = ops.where(labelled, y_true, 0)
    loss = keras.losses.sparse_categorical_crossentropy(safe, y_pred)
    return loss * ops.cast(labelled, loss.dtype)


def masked_bce(y_true, y_pred):
    mask = ops.cast(y_true != -1, "float32")
    safe = ops.where(y_true != -1, y_true, 0.0)
    y_pred = ops.clip(y_pred, 1e-6, 1 - 1e-6)
    bce = -(safe * ops.log(y_pred) + (1 - safe) * ops.log(1 - y_pred))
    return ops.sum(bce * mask, axis=-1) / ops.maximum(ops.sum(mask, axis=-1), 1.0)


def masked_mse(y_true, y_pred):
    mask = ops.cast(y_true != -5, "float32")
    safe = ops.where(y_true != -5, y_true, 0.0)
    return ops.sum(ops.square(safe - y_pred) * mask, axis=-1) / ops.maximum(
        ops.sum(mask, axis=-1), 1.0
    )
