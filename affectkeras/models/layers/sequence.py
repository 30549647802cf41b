"""Layers over chronological frame windows [B, s, ...] (index -1 is the current frame)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="affectkeras")
class TakeStep(keras.layers.Layer):
    """Selects one time step of a sequence: ``x[:, index]`` (default -1, the current frame).

    Shapes:
        [B, T, ...] in, [B, ...] out.

    Example:
        >>> import numpy as np
        >>> x = np.arange(6, dtype="float32").reshape(1, 3, 2)
        >>> keras.ops.convert_to_numpy(TakeStep()(x)).tolist()
        [[4.0, 5.0]]
    """

    def __init__(self, index: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.index = int(index)

    def call(self, inputs):
        return inputs[:, self.index]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *input_shape[2:])

    def get_config(self) -> dict:
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package="affectkeras")
class MaskedStatistics(keras.layers.Layer):
    """Seed 004's STAT module: mean, max and min over the valid steps of a window, concatenated.

    Steps where ``mask`` is False (padding at a video's start) are left out of all three
    statistics; a window with no valid step gives zeros.

    Shapes:
        inputs [B, T, D] and optional boolean mask [B, T]; output [B, 3 * D] as
        ``[mean, max, min]``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[9.0], [1.0], [3.0]]], "float32")
        >>> mask = np.array([[False, True, True]])
        >>> keras.ops.convert_to_numpy(MaskedStatistics()(x, mask=mask)).tolist()
        [[2.0, 3.0, 1.0]]
    """

    def call(self, inputs, mask=None):
        x = ops.cast(inputs, self.compute_dtype)
        if mask is None:
            return ops.concatenate(
                [ops.mean(x, axis=1), ops.max(x, axis=1), ops.min(x, axis=1)], axis=-1
            )
        valid = ops.expand_dims(ops.cast(mask, "bool"), -1)
        weights = ops.cast(valid, x.dtype)
        count = ops.sum(weights, axis=1)
        mean = ops.sum(x * weights, axis=1) / ops.maximum(count, 1.0)
        any_valid = count > 0
        maximum = ops.max(ops.where(valid, x, ops.full_like(x, -65000.0)), axis=1)
        minimum = ops.min(ops.where(valid, x, ops.full_like(x, 65000.0)), axis=1)
        zeros = ops.zeros_like(mean)
        maximum = ops.where(any_valid, maximum, zeros)
        minimum = ops.where(any_valid, minimum, zeros)
        return ops.concatenate([mean, maximum, minimum], axis=-1)

    def compute_output_shape(self, input_shape):
        width = None if input_shape[-1] is None else 3 * input_shape[-1]
        return (input_shape[0], width)

    def compute_mask(self, inputs, mask=None):
        return None


@keras.saving.register_keras_serializable(package="affectkeras")
class ClearMask(keras.layers.Layer):
    """Identity that drops the Keras mask, so per-frame outputs carry no implicit loss mask.

    Padded frames are marked in the targets (MISSING sentinels, contract 2), not by a mask that
    Keras would silently apply to every loss and metric.

    Example:
        >>> import numpy as np
        >>> keras.ops.convert_to_numpy(ClearMask()(np.ones((1, 2), "float32"))).tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        # A new tensor: returning ``inputs`` itself would keep the mask attached to it.
        return ops.copy(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask=None):
        return None
