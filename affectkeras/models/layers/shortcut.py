"""``ZeroPadShortcut``: the parameter-free "option A" shortcut of He et al. (2016) CIFAR ResNets."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="affectkeras")
class ZeroPadShortcut(keras.layers.Layer):
    """Identity shortcut that subsamples by ``stride`` and zero-pads the new channels.

    He et al., "Deep Residual Learning for Image Recognition" (CVPR 2016), section 4.2: on CIFAR-10
    "the shortcut connections are identity mappings in all cases (option A)"; where the feature
    map halves and the width doubles, the shortcut takes every other pixel and appends zero
    channels, so ResNet-32 keeps 0.46M and ResNet-110 1.7M parameters.

    Args:
        filters: channels of the output.
        stride: spatial subsampling step.

    Shapes:
        [B, H, W, C] in, [B, ceil(H / stride), ceil(W / stride), filters] out.

    Example:
        >>> import numpy as np
        >>> out = ZeroPadShortcut(filters=4, stride=2)(np.ones((1, 4, 4, 2), "float32"))
        >>> tuple(out.shape), float(keras.ops.sum(out))
        ((1, 2, 2, 4), 8.0)
    """

    def __init__(self, filters: int, stride: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.stride = int(stride)

    def call(self, inputs):
        x = inputs[:, :: self.stride, :: self.stride, :]
        extra = self.filters - inputs.shape[-1]
        if extra < 0:
            raise ValueError(
                f"ZeroPadShortcut {self.name!r}: input has {inputs.shape[-1]} channels, more than "
                f"the {self.filters} filters it pads to"
            )
        before = extra // 2
        return ops.pad(x, [[0, 0], [0, 0], [0, 0], [before, extra - before]])

    def compute_output_shape(self, input_shape):
        def reduce(size):
            return None if size is None else -(-size // self.stride)

        return (input_shape[0], reduce(input_shape[1]), reduce(input_shape[2]), self.filters)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "stride": self.stride}
