"""Seed 004 (Do, Nguyen-Quynh & Kim): current-frame features + STAT + LSTM -> fusion -> branches.

For frame F_k the model sees a chronological window of s frames, F_{k-s+1} ... F_k (index -1 is
F_k; contract 6), as the face feature model's per-frame features [B, s, D] and expression
probabilities [B, s, C], plus a boolean ``mask`` [B, s] that is False on padded steps at a
video's start:

- STAT module: mean, max and min over the window's valid steps of the probabilities (and, by
  default, of the features: the paper's text applies it to "probability scores and face
  features");
- LSTM module: one or two bidirectional LSTM layers (1024 units in the paper) over the window's
  probabilities, giving the temporal feature;
- fusion: concatenation of the current frame's features and probabilities with the STAT and
  LSTM features;
- a classification branch (two Dense layers, the last a softmax over the expressions) and three
  regression branches (two Dense layers each, the last with tanh): valence and arousal (for the
  CCC losses of eq. 4, output together as ``valence_arousal``) and the 5-vector of eq. 3
  (``va_statistics``: arousal, valence, their mean ``m`` and ``a - m``, ``v - m``, the order of
  ``affectkeras.losses.affect_vector``, against which ``affectkeras.losses.VectorMSE`` scores it).

Table I's six ablation variants are selectable by ``variant`` (``STAT_LSTM_VARIANTS``):
1/2 use the current frame only (inputs [B, D] and [B, C]), 3/4 add STAT, 5/6 add STAT and LSTM;
even variants also predict VA. The paper gives no branch width; ``branch_units`` defaults to 256.

Example:
    >>> import numpy as np
    >>> model = build_stat_lstm_model(feature_dim=8, window=4, variant=6, lstm_units=4)
    >>> inputs = {
    ...     "features": np.zeros((2, 4, 8), "float32"),
    ...     "probabilities": np.full((2, 4, 7), 1 / 7, "float32"),
    ...     "mask": np.array([[False, True, True, True]] * 2),
    ... }
    >>> outputs = model.predict(inputs, verbose=0)
    >>> {name: value.shape for name, value in sorted(outputs.items())}
    {'expression': (2, 7), 'va_statistics': (2, 5), 'valence_arousal': (2, 2)}
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from affectkeras.models.layers import MaskedStatistics, TakeStep
from affectkeras.output_spec import expression_task, valence_arousal_task

VA_STATISTICS_OUTPUT = "va_statistics"
"""Output name of seed 004's eq. 3 vector: valence, arousal, mean, each minus the mean."""


@dataclass(frozen=True)
class StatLstmVariant:
    """One row of seed 004's Table I."""

    number: int
    name: str
    window: bool
    lstm: bool
    va: bool


STAT_LSTM_VARIANTS: dict[int, StatLstmVariant] = {
    v.number: v
    for v in (
        StatLstmVariant(1, "emotion_image", window=False, lstm=False, va=False),
        StatLstmVariant(2, "emotion_va_image", window=False, lstm=False, va=True),
        StatLstmVariant(3, "emotion_frame", window=True, lstm=False, va=False),
        StatLstmVariant(4, "emotion_va_frame", window=True, lstm=False, va=True),
        StatLstmVariant(5, "emotion_frame_lstm", window=True, lstm=True, va=False),
        StatLstmVariant(6, "emotion_va_frame_lstm", window=True, lstm=True, va=True),
    )
}
"""Seed 004's Table I: 1 Emotion Image ... 6 Emotion VA Frame with LSTM."""


def build_stat_lstm_model(
    feature_dim: int,
    num_classes: int = 7,
    window: int = 16,
    variant: int = 6,
    lstm_layers: int = 1,
    lstm_units: int = 1024,
    branch_units: int = 256,
    stat_features: bool = True,
    dropout: float = 0.0,
    name: str | None = None,
) -> keras.Model:
    """Builds one of seed 004's Table I models over per-frame features and probabilities.

    Args:
        feature_dim: D, the face feature model's feature size (2048 for ResNet50).
        num_classes: expression classes C (7 in the paper; 8 with ``other``).
        window: s, frames per window (16 or 32 in the paper); ignored by variants 1 and 2.
        variant: 1-6, the row of Table I.
        lstm_layers: 1 or 2 bidirectional LSTM layers (variants 5 and 6).
        lstm_units: units per direction.
        branch_units: width of the first Dense layer of each branch.
        stat_features: STAT over the features as well as the probabilities.
        dropout: dropout on the fused features.
        name: model name (default: the variant's).

    Returns:
        A ``keras.Model``. Inputs ``features`` [B, s, D], ``probabilities`` [B, s, C] and
        ``mask`` [B, s] (bool) for variants 3-6; ``features`` [B, D] and ``probabilities``
        [B, C] for 1-2. Outputs ``expression`` [B, C] softmax and, for even variants,
        ``valence_arousal`` [B, 2] tanh and ``va_statistics`` [B, 5] tanh, all float32.
    """
    if variant not in STAT_LSTM_VARIANTS:
        raise ValueError(f"seed 004 variant must be one of 1-6 (Table I), got {variant!r}")
    if lstm_layers not in (1, 2):
        raise ValueError(f"seed 004 uses one or two bidirectional LSTM layers, got {lstm_layers}")
    if window < 1:
        raise ValueError(f"window must be at least 1 frame, got {window}")
    spec = STAT_LSTM_VARIANTS[variant]
    expression = expression_task(num_classes)
    layers = keras.layers

    if spec.window:
        features = keras.Input((window, feature_dim), name="features")
        probabilities = keras.Input((window, num_classes), name="probabilities")
        mask = keras.Input((window,), dtype="bool", name="mask")
        inputs = {"features": features, "probabilities": probabilities, "mask": mask}
        parts = [
            TakeStep(-1, name="current_features")(features),
            TakeStep(-1, name="current_probabilities")(probabilities),
            MaskedStatistics(name="stat_probabilities")(probabilities, mask=mask),
        ]
        if stat_features:
            parts.append(MaskedStatistics(name="stat_features")(features, mask=mask))
        if spec.lstm:
            x = probabilities
            for index in range(1, lstm_layers + 1):
                lstm = layers.LSTM(lstm_units, return_sequences=index < lstm_layers)
                x = layers.Bidirectional(lstm, name=f"lstm{index}")(x, mask=mask)
            parts.append(x)
        fused = layers.Concatenate(name="fusion")(parts)
    else:
        features = keras.Input((feature_dim,), name="features")
        probabilities = keras.Input((num_classes,), name="probabilities")
        inputs = {"features": features, "probabilities": probabilities}
        fused = layers.Concatenate(name="fusion")([features, probabilities])
    if dropout:
        fused = layers.Dropout(dropout, name="fusion_dropout")(fused)

    def branch(size, activation, branch_name, output_name=None):
        x = layers.Dense(branch_units, activation="relu", name=f"{branch_name}_dense1")(fused)
        x = layers.Dense(size, name=f"{branch_name}_dense2")(x)
        return layers.Activation(activation, name=output_name or branch_name, dtype="float32")(x)

    outputs = {expression.name: branch(num_classes, "softmax", "expression_branch", "expression")}
    if spec.va:
        valence = branch(1, "tanh", "valence_branch")
        arousal = branch(1, "tanh", "arousal_branch")
        va_name = valence_arousal_task().name
        outputs[va_name] = layers.Concatenate(name=va_name, dtype="float32")([valence, arousal])
        outputs[VA_STATISTICS_OUTPUT] = branch(5, "tanh", "va_statistics_branch", "va_statistics")
    return keras.Model(inputs, outputs, name=name or spec.name)
