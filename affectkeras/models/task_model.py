"""``build_task_model``: backbone + heads -> one functional model with named outputs.

Example:
    >>> import numpy as np
    >>> from affectkeras.models import build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> backbone = get_backbone("tiny", input_shape=(32, 32, 3))
    >>> model = build_task_model(backbone, OutputSpec.create("expr,au,va"), head="dense512")
    >>> outputs = model.predict(np.zeros((2, 32, 32, 3), "uint8"), verbose=0)
    >>> {name: value.shape for name, value in sorted(outputs.items())}
    {'action_units': (2, 12), 'expression': (2, 8), 'valence_arousal': (2, 2)}
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from affectkeras.models.heads import build_heads
from affectkeras.output_spec import OutputSpec

FEATURES_OUTPUT = "features"
"""Name of the optional pooled-feature output (seed 004's face feature model)."""


def build_task_model(
    backbone: keras.Model,
    output_spec: OutputSpec,
    head: str | Sequence[int] = "linear",
    dropout: float | None = None,
    va_bins: int | None = None,
    va_expectation: bool = True,
    return_features: bool = False,
    name: str = "affect_model",
) -> keras.Model:
    """Composes a backbone and the heads of ``output_spec`` into a functional model.

    Args:
        backbone: a model from ``get_backbone`` (RGB 0..255 in, [B, D] features out).
        output_spec: the tasks (``OutputSpec.create(...)`` or ``OutputSpec.joint(...)``).
        head: ``"linear"`` (seeds 001/002), ``"dense512"`` (seed 000), ``"bn_fc128"`` (seed
            002's authors' code: a BN-Dense 128-ReLU-BN-Dropout tower per task) or hidden unit
            counts.
        dropout: see ``build_heads``.
        va_bins: None, or seed 002's bin count for a VA bin head.
        va_expectation: with ``va_bins``, also output the expected ``valence_arousal``.
        return_features: also output the pooled backbone features as ``features`` (what
            seed 004's temporal model consumes).
        name: model name.

    Returns:
        A ``keras.Model`` taking ``image`` [B, H, W, 3] RGB 0..255 and returning a dict of
        float32 outputs keyed by task name.
    """
    inputs = keras.Input(shape=backbone.input_shape[1:], name="image")
    features = backbone(inputs)
    outputs = build_heads(
        features,
        output_spec,
        hidden_units=head,
        dropout=dropout,
        va_bins=va_bins,
        va_expectation=va_expectation,
    )
    if return_features:
        outputs[FEATURES_OUTPUT] = keras.layers.Identity(name=FEATURES_OUTPUT, dtype="float32")(
            features
        )
    return keras.Model(inputs, outputs, name=name)
