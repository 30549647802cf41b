"""``FramingLayer``: carries a predictor's ``FaceFraming`` on its image input; converts colour.

``affectkeras.framing`` explains framings; this layer is how a saved ``.keras`` file keeps one
(its config), and it does the colour part inside the model: ``colour="grey"`` turns RGB into
ITU-R BT.601 luma on all three channels, so colour photos, served requests and ``predict``'s
crops reach a grey-trained model as grey faces. Otherwise it is the identity.
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras.framing import LUMA, FaceFraming


@keras.saving.register_keras_serializable(package="affectkeras")
class FramingLayer(keras.layers.Layer):
    """Identity (``rgb``) or RGB -> grey (``grey``) that records a ``FaceFraming``.

    Args:
        crop, scale, shift, colour, flip_average: the ``FaceFraming`` fields.

    Shapes:
        ``[B, H, W, 3]`` in (0..255) -> ``[B, H, W, 3]`` float32 out.
    """

    def __init__(
        self,
        crop: str = "aligned",
        scale: float = 1.0,
        shift: float = 0.0,
        colour: str = "rgb",
        flip_average: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("name", "face_framing")
        super().__init__(**kwargs)
        self.framing = FaceFraming(crop, float(scale), float(shift), colour, bool(flip_average))

    def call(self, images):
        images = ops.cast(images, "float32")
        if self.framing.colour == "rgb":
            return images
        weights = ops.convert_to_tensor(LUMA, "float32")
        grey = ops.sum(images * weights, axis=-1, keepdims=True)
        return ops.repeat(grey, 3, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), **self.framing.to_dict()}
