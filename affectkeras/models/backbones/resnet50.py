"""ResNet50 backbone in the keras.applications layout, with a VGGFace2 (keras-vggface) variant.

Bottleneck ResNet50 of He et al. (2016) as keras.applications builds it: the stride of a
downsampling block sits in its first 1x1 convolution (as in the VGGFace2 ResNet50 of
keras-vggface), four stages of 3, 4, 6, 3 blocks, and global average pooling to 2048 features.
Layer names are keras.applications' (``conv1_conv``, ``conv2_block1_1_conv``, ...), so its
ImageNet ``.h5`` loads by name; ``resnet50_weights.py`` maps keras-vggface's names onto them.

Two variants, because the two weight sources differ in more than names:

==============  ======================================  =======================================
                ``imagenet`` (keras.applications)        ``vggface2`` (keras-vggface)
==============  ======================================  =======================================
stem            zero-pad 3, 7x7/2 valid conv (bias),     7x7/2 "same" conv (no bias), BN,
                BN, ReLU, zero-pad 1, 3x3/2 max-pool     ReLU, unpadded 3x3/2 max-pool
block convs     with bias                               without bias
BatchNorm eps   1.001e-5                                1e-3 (Keras 2's default)
input           ``caffe`` (BGR minus ImageNet mean)      ``vggface2`` (BGR minus VGGFace2 mean)
==============  ======================================  =======================================

The weight shapes agree but the feature maps do not (the stems pad differently), so VGGFace2
weights must go into the ``vggface2`` variant: at 112x112 its stem gives 27x27 maps after the
pool where the ``imagenet`` stem gives 28x28.
"""

from __future__ import annotations

import keras

from affectkeras.models.backbones.base import Backbone
from affectkeras.models.layers import NORMALIZATIONS, PixelNormalization
from affectkeras.models.registry import register_backbone

VARIANTS: dict[str, dict] = {
    "imagenet": {"use_bias": True, "epsilon": 1.001e-5, "normalization": "caffe"},
    "vggface2": {"use_bias": False, "epsilon": 1e-3, "normalization": "vggface2"},
}
"""Per-variant convolution bias, BatchNorm epsilon and default input normalisation."""

STAGES: tuple[tuple[int, int, int], ...] = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))
"""(bottleneck filters, blocks, stride of the first block) per stage; outputs are 4x filters."""


@register_backbone("resnet50", (112, 112, 3), "ResNet50, keras.applications layout")
@register_backbone(
    "resnet50_vggface2",
    (112, 112, 3),
    "ResNet50 with keras-vggface's VGGFace2 stem and input",
    variant="vggface2",
)
@keras.saving.register_keras_serializable(package="affectkeras")
class ResNet50Backbone(Backbone):
    """ResNet50 returning pooled 2048-d features from RGB 0..255 pixels.

    Args:
        input_shape: (H, W, 3); the seeds use 112x112, any size from 32 up works.
        variant: ``"imagenet"`` or ``"vggface2"`` (see the module docstring).
        normalization: input normalisation (``PixelNormalization`` mode); default: the
            variant's (``caffe`` or ``vggface2``).
        pooling: ``"avg"`` or ``"max"`` global pooling.
        dtype: dtype policy of every layer (default: the global policy).

    Shapes:
        [B, H, W, 3] RGB 0..255 in, [B, 2048] out.

    Example:
        >>> import numpy as np
        >>> backbone = ResNet50Backbone(input_shape=(32, 32, 3))
        >>> tuple(backbone(np.zeros((1, 32, 32, 3), "uint8")).shape)
        (1, 2048)
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int] = (112, 112, 3),
        variant: str = "imagenet",
        normalization: str | None = None,
        pooling: str = "avg",
        dtype=None,
        **kwargs,
    ):
        if variant not in VARIANTS:
            raise ValueError(f"ResNet50Backbone: unknown variant {variant!r}; use {list(VARIANTS)}")
        normalization = normalization or VARIANTS[variant]["normalization"]
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"ResNet50Backbone: unknown normalization {normalization!r}; use {NORMALIZATIONS}"
            )
        if pooling not in ("avg", "max"):
            raise ValueError(f"ResNet50Backbone: pooling must be 'avg' or 'max', got {pooling!r}")
        use_bias = VARIANTS[variant]["use_bias"]
        epsilon = VARIANTS[variant]["epsilon"]
        layers = keras.layers

        # === Functional model ===
        inputs = keras.Input(shape=tuple(input_shape), name="pixels")
        x = PixelNormalization(normalization, name="normalization")(inputs)
        if variant == "imagenet":
            x = layers.ZeroPadding2D(3, name="conv1_pad", dtype=dtype)(x)
            x = layers.Conv2D(64, 7, strides=2, name="conv1_conv", dtype=dtype)(x)
        else:
            x = layers.Conv2D(
                64, 7, strides=2, padding="same", use_bias=False, name="conv1_conv", dtype=dtype
            )(x)
        x = layers.BatchNormalization(epsilon=epsilon, name="conv1_bn", dtype=dtype)(x)
        x = layers.Activation("relu", name="conv1_relu", dtype=dtype)(x)
        if variant == "imagenet":
            x = layers.ZeroPadding2D(1, name="pool1_pad", dtype=dtype)(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool", dtype=dtype)(x)
        for stage, (filters, blocks, stride) in enumerate(STAGES, start=2):
            for block in range(1, blocks + 1):
                x = _bottleneck(
                    x,
                    filters,
                    stride=stride if block == 1 else 1,
                    projection=block == 1,
                    name=f"conv{stage}_block{block}",
                    use_bias=use_bias,
                    epsilon=epsilon,
                    dtype=dtype,
                )
        pool = layers.GlobalAveragePooling2D if pooling == "avg" else layers.GlobalMaxPooling2D
        # Pooled features are float32 under any policy (like every model output).
        outputs = pool(name=f"{pooling}_pool", dtype="float32")(x)

        # === Config ===
        super().__init__(
            inputs,
            outputs,
            arguments={"variant": variant, "normalization": normalization, "pooling": pooling},
            dtype=dtype,
            **kwargs,
        )


def _bottleneck(x, filters, stride, projection, name, use_bias, epsilon, dtype):
    """keras.applications' ``block1``: 1x1 (strided) -> 3x3 -> 1x1 (4x filters) + shortcut."""
    layers = keras.layers

    def conv_bn(y, width, kernel, strides, suffix):
        y = layers.Conv2D(
            width,
            kernel,
            strides=strides,
            padding="same" if kernel > 1 else "valid",
            use_bias=use_bias,
            name=f"{name}_{suffix}_conv",
            dtype=dtype,
        )(y)
        return layers.BatchNormalization(epsilon=epsilon, name=f"{name}_{suffix}_bn", dtype=dtype)(
            y
        )

    shortcut = conv_bn(x, 4 * filters, 1, stride, "0") if projection else x
    y = conv_bn(x, filters, 1, stride, "1")
    y = layers.Activation("relu", name=f"{name}_1_relu", dtype=dtype)(y)
    y = conv_bn(y, filters, 3, 1, "2")
    y = layers.Activation("relu", name=f"{name}_2_relu", dtype=dtype)(y)
    y = conv_bn(y, 4 * filters, 1, 1, "3")
    y = layers.Add(name=f"{name}_add", dtype=dtype)([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out", dtype=dtype)(y)
