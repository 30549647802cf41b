"""Composes a frame model and a temporal model into one model over pixel windows.

Seed 004 fine-tunes its face feature model through the windows (all but the last ResNet stage
frozen), so the temporal model may also be fed pixels: every frame of a window [B, s, H, W, 3]
goes through the frame model, whose ``features`` and ``expression`` outputs, folded back to
[B, s, D] and [B, s, C], are the temporal model's ``features`` and ``probabilities``.

Example:
    >>> import numpy as np
    >>> from affectkeras.models import build_stat_lstm_model, build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> frame = build_task_model(
    ...     get_backbone("tiny", input_shape=(16, 16, 3)),
    ...     OutputSpec.create("expr", 7),
    ...     return_features=True,
    ... )
    >>> temporal = build_stat_lstm_model(feature_dim=64, window=3, variant=6, lstm_units=2)
    >>> model = build_window_model(frame, temporal)
    >>> batch = {"pixels": np.zeros((2, 3, 16, 16, 3), "uint8"), "mask": np.ones((2, 3), bool)}
    >>> sorted((k, v.shape) for k, v in model.predict(batch, verbose=0).items())
    [('expression', (2, 7)), ('va_statistics', (2, 5)), ('valence_arousal', (2, 2))]
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras.models.task_model import FEATURES_OUTPUT


@keras.saving.register_keras_serializable(package="affectkeras")
class FoldTime(keras.layers.Layer):
    """[B, T, ...] -> [B * T, ...]: frames of all windows as one batch.

    Example:
        >>> import numpy as np
        >>> tuple(FoldTime()(np.zeros((2, 3, 4, 5), "float32")).shape)
        (6, 4, 5)
    """

    def call(self, inputs):
        return ops.reshape(inputs, (-1, *inputs.shape[2:]))

    def compute_output_shape(self, input_shape):
        batch = None if None in input_shape[:2] else input_shape[0] * input_shape[1]
        return (batch, *input_shape[2:])


@keras.saving.register_keras_serializable(package="affectkeras")
class UnfoldTime(keras.layers.Layer):
    """[B * T, ...] -> [B, T, ...] for a known ``steps`` = T.

    Example:
        >>> import numpy as np
        >>> tuple(UnfoldTime(3)(np.zeros((6, 4), "float32")).shape)
        (2, 3, 4)
    """

    def __init__(self, steps: int, **kwargs):
        super().__init__(**kwargs)
        self.steps = int(steps)

    def call(self, inputs):
        return ops.reshape(inputs, (-1, self.steps, *inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.steps
        return (batch, self.steps, *input_shape[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "steps": self.steps}


def build_window_model(
    frame_model: keras.Model, temporal_model: keras.Model, name: str = "window_model"
) -> keras.Model:
    """Feeds each frame of a pixel window through ``frame_model`` into ``temporal_model``.

    Args:
        frame_model: a task model built with ``return_features=True`` and an ``expression``
            output (``build_task_model``).
        temporal_model: a windowed ``build_stat_lstm_model`` (variant 3-6), whose window length
            and feature size match.

    Returns:
        A ``keras.Model`` with inputs ``pixels`` [B, s, H, W, 3] (RGB 0..255, chronological,
        index -1 the current frame) and ``mask`` [B, s], and the temporal model's outputs.
    """
    frame_outputs = frame_model.output
    if not isinstance(frame_outputs, dict) or not {FEATURES_OUTPUT, "expression"} <= set(
        frame_outputs
    ):
        raise ValueError(
            "build_window_model: the frame model needs 'features' and 'expression' outputs "
            "(build_task_model(..., return_features=True))"
        )
    temporal_inputs = temporal_model.input
    if not isinstance(temporal_inputs, dict) or "mask" not in temporal_inputs:
        raise ValueError("build_window_model: the temporal model must take a window with a mask")
    steps = temporal_inputs["features"].shape[1]
    pixels = keras.Input((steps, *frame_model.input_shape[1:]), name="pixels")
    mask = keras.Input((steps,), dtype="bool", name="mask")
    frames = frame_model(FoldTime(name="fold_frames")(pixels))
    features = UnfoldTime(steps, name="unfold_features")(frames[FEATURES_OUTPUT])
    probabilities = UnfoldTime(steps, name="unfold_probabilities")(frames["expression"])
    outputs = temporal_model({"features": features, "probabilities": probabilities, "mask": mask})
    return keras.Model({"pixels": pixels, "mask": mask}, outputs, name=name)
