"""``PixelNormalization``: RGB pixels in 0..255 -> the input statistics a backbone's weights expect.

Models take RGB pixels in 0..255 (uint8 or float) and normalise inside (contract 4 of the build
brief), so the data pipeline never has to know which weights a backbone carries.

==========  ================================================================  ==================
mode        operation (input RGB, 0..255)                                     used by
==========  ================================================================  ==================
unit        ``x / 255``                                                       tiny, CIFAR ResNets
symmetric   ``x / 127.5 - 1``                                                 (option)
caffe       RGB -> BGR, minus the ImageNet BGR mean (103.939, 116.779,         keras.applications
            123.68), no scaling                                               ResNet50 ImageNet
vggface2    RGB -> BGR, minus the VGGFace2 BGR mean (91.4953, 103.8827,        keras-vggface
            131.0912), no scaling (keras-vggface ``preprocess_input``,         ResNet50
            ``version=2``)
none        identity                                                          (option)
==========  ================================================================  ==================
"""

from __future__ import annotations

import keras
from keras import ops

_BGR_MEANS = {
    "caffe": (103.939, 116.779, 123.68),
    "vggface2": (91.4953, 103.8827, 131.0912),
}
NORMALIZATIONS: tuple[str, ...] = ("unit", "symmetric", "caffe", "vggface2", "none")
"""The normalisation modes ``PixelNormalization`` accepts."""


@keras.saving.register_keras_serializable(package="affectkeras")
class PixelNormalization(keras.layers.Layer):
    """Normalises RGB 0..255 pixels for a backbone; computes in float32 even under mixed precision.

    The float32 default matters for the mean-subtraction modes: in bfloat16, 131.0912 would round
    to 131 before the subtraction. The next layer casts the result to its compute dtype.

    Args:
        mode: one of ``NORMALIZATIONS``.

    Shapes:
        [..., 3] RGB in, [..., 3] out (channel order BGR for ``caffe`` and ``vggface2``).

    Example:
        >>> import numpy as np
        >>> layer = PixelNormalization("vggface2")
        >>> out = keras.ops.convert_to_numpy(layer(np.array([[10.0, 20.0, 30.0]])))
        >>> np.round(out.astype("float64"), 4).tolist()
        [[-61.4953, -83.8827, -121.0912]]
    """

    def __init__(self, mode: str = "unit", **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if mode not in NORMALIZATIONS:
            raise ValueError(
                f"PixelNormalization: unknown mode {mode!r}; use one of {NORMALIZATIONS}"
            )
        self.mode = mode

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        if self.mode == "unit":
            return x / 255.0
        if self.mode == "symmetric":
            return x / 127.5 - 1.0
        if self.mode == "none":
            return x
        bgr = ops.flip(x, axis=-1)
        mean = ops.convert_to_tensor(_BGR_MEANS[self.mode], dtype=self.compute_dtype)
        return bgr - mean

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}
