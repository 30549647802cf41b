"""Seed 002 (Vu, Beurton-Aimar & Marchand): a bidirectional GRU over sequences of CNN features.

Once the frame CNN is trained, its features of 32 consecutive frames form a sequence that a
bidirectional GRU reads, predicting EXPR and VA for every frame (section 3.4, Fig. 2b). The
heads are the frame model's: an expression softmax and, by default, the VA bin head (softmax
over 20 bins per dimension, contract 5) with its expected value. The paper gives no GRU width;
``units`` defaults to 128.

Example:
    >>> import numpy as np
    >>> model = build_bigru_model(feature_dim=8, sequence_length=32, units=4)
    >>> inputs = {"features": np.zeros((2, 32, 8), "float32"), "mask": np.ones((2, 32), bool)}
    >>> outputs = model.predict(inputs, verbose=0)
    >>> for name, value in outputs.items():
    ...     print(name, value.shape)
    expression (2, 32, 7)
    valence_arousal_bins (2, 32, 2, 20)
    valence_arousal (2, 32, 2)
"""

from __future__ import annotations

import keras

from affectkeras.models.heads import build_heads
from affectkeras.models.layers import ClearMask
from affectkeras.output_spec import OutputSpec
from affectkeras.va_binning import VA_BINS


def build_bigru_model(
    feature_dim: int,
    output_spec: OutputSpec | None = None,
    sequence_length: int = 32,
    units: int = 128,
    num_layers: int = 1,
    dropout: float = 0.0,
    va_bins: int | None = VA_BINS,
    va_expectation: bool = True,
    name: str = "bigru",
) -> keras.Model:
    """Builds the per-frame bidirectional GRU model.

    Args:
        feature_dim: D, the frame CNN's feature size.
        output_spec: tasks to predict per frame (default: EXPR with 7 classes and VA).
        sequence_length: T, frames per sequence (32 in the paper); None for any length.
        units: GRU units per direction.
        num_layers: stacked bidirectional GRU layers.
        dropout: dropout on the GRU outputs.
        va_bins: VA bin count (seed 002), or None for a tanh VA regressor.
        va_expectation: with ``va_bins``, also output the expected ``valence_arousal``.
        name: model name.

    Returns:
        A ``keras.Model`` with inputs ``features`` [B, T, D] and ``mask`` [B, T] (bool; False on
        padded frames) and per-frame float32 outputs [B, T, ...] keyed by task name.
    """
    if num_layers < 1:
        raise ValueError(f"build_bigru_model: num_layers must be at least 1, got {num_layers}")
    output_spec = output_spec or OutputSpec.create("expr,va", num_classes=7)
    features = keras.Input((sequence_length, feature_dim), name="features")
    mask = keras.Input((sequence_length,), dtype="bool", name="mask")
    x = features
    for index in range(1, num_layers + 1):
        gru = keras.layers.GRU(units, return_sequences=True)
        x = keras.layers.Bidirectional(gru, name=f"gru{index}")(x, mask=mask)
    x = ClearMask(name="clear_mask")(x)
    outputs = build_heads(
        x, output_spec, dropout=dropout, va_bins=va_bins, va_expectation=va_expectation
    )
    return keras.Model({"features": features, "mask": mask}, outputs, name=name)
