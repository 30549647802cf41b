"""``tiny``: a small, fast CNN backbone for tests and CPU demos (not from any seed)."""

from __future__ import annotations

import keras

from affectkeras.models.backbones.base import Backbone
from affectkeras.models.layers import NORMALIZATIONS, PixelNormalization
from affectkeras.models.registry import register_backbone


@register_backbone("tiny", (64, 64, 3), "small 3-stage CNN for tests and CPU demos")
@keras.saving.register_keras_serializable(package="affectkeras")
class TinyBackbone(Backbone):
    """Three strided 3x3 conv + BatchNorm + ReLU stages and global average pooling.

    Args:
        input_shape: (H, W, 3), any size from 8 up.
        widths: filters of the stages; the last is the feature size.
        normalization: ``PixelNormalization`` mode (default ``unit``: x / 255).
        dtype: dtype policy of every layer (default: the global policy).

    Shapes:
        [B, H, W, 3] RGB 0..255 in, [B, widths[-1]] out.

    Example:
        >>> import numpy as np
        >>> tuple(TinyBackbone(input_shape=(16, 16, 3))(np.zeros((2, 16, 16, 3), "uint8")).shape)
        (2, 64)
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int] = (64, 64, 3),
        widths: tuple[int, ...] = (16, 32, 64),
        normalization: str = "unit",
        dtype=None,
        **kwargs,
    ):
        if not widths:
            raise ValueError("TinyBackbone: widths must name at least one stage")
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"TinyBackbone: unknown normalization {normalization!r}; use {NORMALIZATIONS}"
            )
        layers = keras.layers

        # === Functional model ===
        inputs = keras.Input(shape=tuple(input_shape), name="pixels")
        x = PixelNormalization(normalization, name="normalization")(inputs)
        for stage, width in enumerate(widths, start=1):
            x = layers.Conv2D(
                width,
                3,
                strides=2,
                padding="same",
                use_bias=False,
                name=f"stage{stage}_conv",
                dtype=dtype,
            )(x)
            x = layers.BatchNormalization(name=f"stage{stage}_bn", dtype=dtype)(x)
            x = layers.Activation("relu", name=f"stage{stage}_relu", dtype=dtype)(x)
        # Pooled features are float32 under any policy (like every model output).
        outputs = layers.GlobalAveragePooling2D(name="avg_pool", dtype="float32")(x)

        # === Config ===
        super().__init__(
            inputs,
            outputs,
            arguments={
                "widths": tuple(int(w) for w in widths),
                "normalization": normalization,
            },
            dtype=dtype,
            **kwargs,
        )
