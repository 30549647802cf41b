"""Backbones: functional Keras models from RGB 0..255 pixels to a pooled feature vector.

Adding a backbone takes one file, ``affectkeras/models/backbones/<name>.py``, holding a
:class:`Backbone` subclass with two decorators:

    @register_backbone("my_net", (112, 112, 3), "one line for listings")
    @keras.saving.register_keras_serializable(package="affectkeras")
    class MyNetBackbone(Backbone):
        def __init__(self, input_shape=(112, 112, 3), width=32, dtype=None, **kwargs):
            inputs = keras.Input(shape=tuple(input_shape), name="pixels")
            x = PixelNormalization("unit", name="normalization")(inputs)
            ...  # layers built with dtype=dtype, named stage<N>_... (freezing finds the stages)
            outputs = layers.GlobalAveragePooling2D(name="avg_pool", dtype="float32")(x)
            super().__init__(inputs, outputs, arguments={"width": int(width)}, dtype=dtype,
                             **kwargs)

``arguments`` are the constructor's own arguments besides ``input_shape`` and ``dtype``, as they
should appear in the config; the base class makes them attributes and writes ``get_config()``
(with ``name``, ``trainable``, ``dtype`` and ``input_shape``), ``from_config``, ``image_shape``
and ``feature_dim``. ``register_backbone`` names it in the registry (stack it for several names;
keyword defaults such as ``depth=32`` go with a name), and the registry imports every module of
this package on first use, so ``list_backbones()`` and ``get_backbone("my_net")`` find it with no
other edit. Import it below as well to make it ``affectkeras.models.backbones.MyNetBackbone``,
and add it to the table of docs/models.md.
"""

from affectkeras.models.backbones.base import Backbone
from affectkeras.models.backbones.cifar_resnet import CifarResNetBackbone
from affectkeras.models.backbones.mini_xception import MiniXceptionBackbone
from affectkeras.models.backbones.resnet50 import ResNet50Backbone
from affectkeras.models.backbones.resnet50_weights import load_resnet50_weights
from affectkeras.models.backbones.tiny import TinyBackbone

__all__ = [
    "Backbone",
    "CifarResNetBackbone",
    "MiniXceptionBackbone",
    "ResNet50Backbone",
    "TinyBackbone",
    "load_resnet50_weights",
]
