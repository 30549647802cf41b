"""Tiny window predictors built as the recipes build theirs (untrained, random weights).

- ``last_window_predictor``: seed 004's frame model + STAT/LSTM (variant 6) over pixel
  windows, outputs for the window's last frame (``build_window_model``, canonical names);
- ``sequence_predictor``: seed 002's frame CNN + bidirectional GRU, outputs per step (the
  ``teacher_student`` GRU stages' predictor);
- ``fused_predictor``: seed 004's Table II fusion of variants 2 (image), 3 and 5 (windows):
  nested models, two frame models, a ``TakeStep`` on the pixel window;
- ``pixel_reading_predictor``: a window model with a layer on the pixel window itself, which
  ``split_window_model`` cannot cut.
"""

from __future__ import annotations

import keras

from affectkeras.models import (
    FEATURES_OUTPUT,
    build_bigru_model,
    build_stat_lstm_model,
    build_task_model,
    build_window_model,
    get_backbone,
)
from affectkeras.models.temporal import FoldTime, UnfoldTime
from affectkeras.output_spec import OutputSpec

FEATURES = 64  # the tiny backbone's feature size


def _frame_model(size: int, tasks: str = "expr", name: str = "frame_model") -> keras.Model:
    backbone = get_backbone("tiny", input_shape=(size, size, 3))
    spec = OutputSpec.create(tasks, 7)
    return build_task_model(backbone, spec, return_features=True, name=name)


def _named(inputs, outputs: dict, name: str) -> keras.Model:
    named = {key: keras.layers.Identity(name=key)(value) for key, value in outputs.items()}
    return keras.Model(inputs, named, name=name)


def last_window_predictor(size: int = 16, window: int = 4, variant: int = 6) -> keras.Model:
    """Seed 004's window predictor (``last`` read-out)."""
    temporal = build_stat_lstm_model(
        FEATURES, window=window, variant=variant, lstm_units=4, branch_units=8
    )
    model = build_window_model(_frame_model(size), temporal)
    return _named(model.input, dict(model.output), f"variant{variant}")


def sequence_predictor(size: int = 16, steps: int = 5) -> keras.Model:
    """Seed 002's GRU predictor (``sequence`` read-out)."""
    cnn = _frame_model(size, "expr,va", name="student_cnn")
    pixels = keras.Input((steps, size, size, 3), name="pixels")
    mask = keras.Input((steps,), dtype="bool", name="mask")
    frames = cnn(FoldTime(name="fold_frames")(pixels))
    features = UnfoldTime(steps, name="unfold_features")(frames[FEATURES_OUTPUT])
    spec = OutputSpec.create("expr,va", 7)
    gru = build_bigru_model(FEATURES, spec, sequence_length=steps, units=4, name="student_gru")
    outputs = gru({"features": features, "mask": mask})
    return _named({"pixels": pixels, "mask": mask}, dict(outputs), "student_gru_sequence")


def fused_predictor(size: int = 16, window: int = 4) -> keras.Model:
    """Seed 004's fusion of variants 2, 3 and 5 (as ``temporal_stat`` saves it)."""
    from affectkeras.recipes.temporal_stat.recipe import fusion_predictor

    frame = _frame_model(size)
    image = keras.Input((size, size, 3), name="image")
    frames = frame(image)
    temporal = build_stat_lstm_model(FEATURES, variant=2, branch_units=8)
    image_outputs = temporal(
        {"features": frames[FEATURES_OUTPUT], "probabilities": frames["expression"]}
    )
    predictors = [
        _named(image, dict(image_outputs), "variant2"),
        last_window_predictor(size, window, variant=3),
        last_window_predictor(size, window, variant=5),
    ]
    return fusion_predictor(predictors, window)


def pixel_reading_predictor(size: int = 16, window: int = 4) -> keras.Model:
    """A window predictor whose extra output averages the pixel window directly."""
    model = last_window_predictor(size, window)
    pixels = model.input["pixels"]
    brightness = keras.layers.GlobalAveragePooling3D(name="brightness")(pixels)
    return keras.Model(model.input, {**model.output, "brightness": brightness})
