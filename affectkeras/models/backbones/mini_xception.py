"""``mini_xception``: a depthwise-separable CNN for small grey faces on a CPU (not from a seed).

The mini-Xception of Arriaga et al. (2017, "Real-time convolutional neural networks for emotion
and gender classification", sec. 3), the model behind the ``fer`` package: two plain 3x3
convolutions (the stem), then residual modules of Xception (Chollet 2017) style, each

    main:     SeparableConv 3x3 - BN - ReLU - SeparableConv 3x3 - BN - MaxPool 3x3 / 2
    shortcut: Conv 1x1 / 2 - BN
    out:      main + shortcut

halving the map and widening it, then global average pooling. Their classifier (a 3x3
convolution to the classes before the pooling) is left to the task heads. Depthwise-separable
convolutions cost about 1/9 + 1/C of a full 3x3 convolution's multiply-adds, which is what makes
the network fast on 2 CPU cores; ``docs/models.md`` has the measured speeds.

Two registered widths:

- ``mini_xception``: the paper's, stem (8, 8), modules (16, 32, 64, 128): 128 features,
  ~57k parameters;
- ``mini_xception_wide``: twice as wide, stem (16, 16), modules (32, 64, 128, 256): 256 features.
"""

from __future__ import annotations

import keras

from affectkeras.models.backbones.base import Backbone
from affectkeras.models.layers import NORMALIZATIONS, PixelNormalization
from affectkeras.models.registry import register_backbone


@register_backbone(
    "mini_xception", (48, 48, 3), "mini-Xception (Arriaga et al. 2017): small grey faces, CPU"
)
@register_backbone(
    "mini_xception_wide",
    (48, 48, 3),
    "mini-Xception at twice the width",
    stem=(16, 16),
    widths=(32, 64, 128, 256),
)
@keras.saving.register_keras_serializable(package="affectkeras")
class MiniXceptionBackbone(Backbone):
    """Stem convolutions, residual depthwise-separable modules, global average pooling.

    Args:
        input_shape: (H, W, 3); 48x48 is FER2013's size; any size from 16 up works.
        stem: filters of the plain 3x3 convolutions (stride 1, valid padding, as the paper).
        widths: filters of the residual modules; each halves the map; the last is the feature
            size.
        normalization: ``PixelNormalization`` mode (default ``unit``: x / 255).
        l2: L2 weight regularisation of the convolutions (the paper uses 0.01); 0 = none.
        dtype: dtype policy of every layer (default: the global policy).

    Shapes:
        [B, H, W, 3] RGB 0..255 in, [B, widths[-1]] out.

    Example:
        >>> import numpy as np
        >>> model = MiniXceptionBackbone(input_shape=(48, 48, 3))
        >>> tuple(model(np.zeros((2, 48, 48, 3), "uint8")).shape), model.count_params() < 60_000
        ((2, 128), True)
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int] = (48, 48, 3),
        stem: tuple[int, ...] = (8, 8),
        widths: tuple[int, ...] = (16, 32, 64, 128),
        normalization: str = "unit",
        l2: float = 0.0,
        dtype=None,
        **kwargs,
    ):
        if not widths:
            raise ValueError("MiniXceptionBackbone: widths must name at least one module")
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"MiniXceptionBackbone: unknown normalization {normalization!r}; "
                f"use {NORMALIZATIONS}"
            )
        layers = keras.layers
        regularizer = keras.regularizers.L2(l2) if l2 else None

        def batch_norm(name):
            return layers.BatchNormalization(name=name, dtype=dtype)

        # === Functional model ===
        inputs = keras.Input(shape=tuple(input_shape), name="pixels")
        x = PixelNormalization(normalization, name="normalization")(inputs)
        for index, filters in enumerate(stem, start=1):
            x = layers.Conv2D(
                filters,
                3,
                use_bias=False,
                kernel_regularizer=regularizer,
                name=f"stem{index}_conv",
                dtype=dtype,
            )(x)
            x = batch_norm(f"stem{index}_bn")(x)
            x = layers.Activation("relu", name=f"stem{index}_relu", dtype=dtype)(x)
        for index, filters in enumerate(widths, start=1):
            name = f"module{index}"
            shortcut = layers.Conv2D(
                filters,
                1,
                strides=2,
                padding="same",
                use_bias=False,
                name=f"{name}_shortcut_conv",
                dtype=dtype,
            )(x)
            shortcut = batch_norm(f"{name}_shortcut_bn")(shortcut)
            for part in (1, 2):
                x = layers.SeparableConv2D(
                    filters,
                    3,
                    padding="same",
                    use_bias=False,
                    depthwise_regularizer=regularizer,
                    pointwise_regularizer=regularizer,
                    name=f"{name}_sepconv{part}",
                    dtype=dtype,
                )(x)
                x = batch_norm(f"{name}_sepconv{part}_bn")(x)
                if part == 1:
                    x = layers.Activation("relu", name=f"{name}_relu", dtype=dtype)(x)
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool", dtype=dtype)(
                x
            )
            x = layers.Add(name=f"{name}_add", dtype=dtype)([x, shortcut])
        # Pooled features are float32 under any policy (like every model output).
        outputs = layers.GlobalAveragePooling2D(name="avg_pool", dtype="float32")(x)

        # === Config ===
        super().__init__(
            inputs,
            outputs,
            arguments={
                "stem": tuple(int(f) for f in stem),
                "widths": tuple(int(w) for w in widths),
                "normalization": normalization,
                "l2": float(l2),
            },
            dtype=dtype,
            **kwargs,
        )
