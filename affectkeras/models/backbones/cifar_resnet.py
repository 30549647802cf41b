"""CIFAR-style ResNet-(6n+2) backbones of He et al. (2016), section 4.2: ResNet-32 and ResNet-110.

A 3x3 convolution with 16 filters, then three stages of ``n`` basic blocks (two 3x3
convolutions each) with 16, 32 and 64 filters on maps of 1, 1/2 and 1/4 the input size, then
global average pooling to 64 features. ResNet-32 has n = 5 and ResNet-110 n = 18. Seed 003
(Pons & Masip) trains them on 32x32 faces.

Shortcuts follow the paper's CIFAR experiments, option A by default: identity everywhere, and
where a stage halves the map and doubles the width the shortcut subsamples and zero-pads the
new channels (no parameters). Option B projects with a strided 1x1 convolution + BatchNorm.
With option A and no classifier, ResNet-32 has 463,504 trainable parameters (+ 650 for a
10-way classifier = 464,154: the paper's 0.46M) and ResNet-110 has 1,727,312 (+ 650 = 1,727,962:
the paper's 1.7M); ``count_params()`` adds BatchNorm's moving statistics (2,272 and 8,096).
"""

from __future__ import annotations

import keras

from affectkeras.models.backbones.base import Backbone
from affectkeras.models.layers import NORMALIZATIONS, PixelNormalization, ZeroPadShortcut
from affectkeras.models.registry import register_backbone

WIDTHS: tuple[int, int, int] = (16, 32, 64)
SHORTCUTS: tuple[str, ...] = ("A", "B")


@register_backbone("resnet32", (32, 32, 3), "CIFAR ResNet-32 (He et al. 2016; seed 003)", depth=32)
@register_backbone(
    "resnet110", (32, 32, 3), "CIFAR ResNet-110 (He et al. 2016; seed 003)", depth=110
)
@keras.saving.register_keras_serializable(package="affectkeras")
class CifarResNetBackbone(Backbone):
    """ResNet-(6n+2) for small inputs, returning pooled 64-d features from RGB 0..255 pixels.

    Args:
        depth: 6n + 2 layers (32 -> n = 5, 110 -> n = 18).
        input_shape: (H, W, 3); 32-64 px in seed 003.
        shortcut: ``"A"`` (zero-padding identity, the paper's CIFAR choice) or ``"B"`` (1x1
            projection where the shape changes).
        normalization: ``PixelNormalization`` mode (default ``unit``: x / 255).
        weight_decay: L2 factor on convolution kernels (the paper uses 1e-4); 0 disables.
        dtype: dtype policy of every layer (default: the global policy).

    Shapes:
        [B, H, W, 3] RGB 0..255 in, [B, 64] out.

    Example:
        >>> import numpy as np
        >>> backbone = CifarResNetBackbone(depth=32)
        >>> trainable = sum(int(np.prod(w.shape)) for w in backbone.trainable_weights)
        >>> tuple(backbone(np.zeros((2, 32, 32, 3), "uint8")).shape), trainable
        ((2, 64), 463504)
    """

    def __init__(
        self,
        depth: int = 32,
        input_shape: tuple[int, int, int] = (32, 32, 3),
        shortcut: str = "A",
        normalization: str = "unit",
        weight_decay: float = 0.0,
        dtype=None,
        **kwargs,
    ):
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(
                f"CifarResNetBackbone: depth must be 6n + 2 (32, 110, ...), got {depth}"
            )
        if shortcut not in SHORTCUTS:
            raise ValueError(f"CifarResNetBackbone: shortcut must be 'A' or 'B', got {shortcut!r}")
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"CifarResNetBackbone: unknown normalization {normalization!r}; "
                f"use {NORMALIZATIONS}"
            )
        blocks = (depth - 2) // 6
        regularizer = keras.regularizers.L2(weight_decay) if weight_decay else None
        layers = keras.layers

        def conv(x, filters, strides, name):
            return layers.Conv2D(
                filters,
                3,
                strides=strides,
                padding="same",
                use_bias=False,
                kernel_initializer="he_normal",
                kernel_regularizer=regularizer,
                name=name,
                dtype=dtype,
            )(x)

        def bn(x, name):
            return layers.BatchNormalization(name=name, dtype=dtype)(x)

        # === Functional model ===
        inputs = keras.Input(shape=tuple(input_shape), name="pixels")
        x = PixelNormalization(normalization, name="normalization")(inputs)
        x = conv(x, WIDTHS[0], 1, "stem_conv")
        x = bn(x, "stem_bn")
        x = layers.Activation("relu", name="stem_relu", dtype=dtype)(x)
        for stage, filters in enumerate(WIDTHS, start=1):
            for block in range(1, blocks + 1):
                name = f"stage{stage}_block{block}"
                stride = 2 if stage > 1 and block == 1 else 1
                residual = x
                if stride != 1 or x.shape[-1] != filters:
                    if shortcut == "A":
                        residual = ZeroPadShortcut(
                            filters, stride, name=f"{name}_shortcut", dtype=dtype
                        )(x)
                    else:
                        residual = layers.Conv2D(
                            filters,
                            1,
                            strides=stride,
                            use_bias=False,
                            kernel_initializer="he_normal",
                            kernel_regularizer=regularizer,
                            name=f"{name}_shortcut_conv",
                            dtype=dtype,
                        )(x)
                        residual = bn(residual, f"{name}_shortcut_bn")
                y = conv(x, filters, stride, f"{name}_1_conv")
                y = bn(y, f"{name}_1_bn")
                y = layers.Activation("relu", name=f"{name}_1_relu", dtype=dtype)(y)
                y = conv(y, filters, 1, f"{name}_2_conv")
                y = bn(y, f"{name}_2_bn")
                y = layers.Add(name=f"{name}_add", dtype=dtype)([residual, y])
                x = layers.Activation("relu", name=f"{name}_out", dtype=dtype)(y)
        # Pooled features are float32 under any policy (like every model output).
        outputs = layers.GlobalAveragePooling2D(name="avg_pool", dtype="float32")(x)

        # === Config ===
        super().__init__(
            inputs,
            outputs,
            arguments={
                "depth": int(depth),
                "shortcut": shortcut,
                "normalization": normalization,
                "weight_decay": float(weight_decay),
            },
            dtype=dtype,
            **kwargs,
        )
