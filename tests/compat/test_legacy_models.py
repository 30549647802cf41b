"""Predictors saved before the layout of issue 20 still load and predict the same.

The ``.keras`` files in ``legacy/`` were written by ``make_legacy_models.py`` at commit 56c8b82,
with the module paths of that time; each ``.npz`` holds the inputs and that code's outputs.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

import affectkeras.models  # noqa: F401  (registers the serializable classes)
from affectkeras.predictor import load_predictor

pytestmark = pytest.mark.jax

LEGACY = Path(__file__).parent / "legacy"
RECIPES = ["mtl_fusion", "temporal_stat", "sjmt", "teacher_student"]


def _saved(recipe):
    arrays = np.load(LEGACY / f"{recipe}.npz")
    inputs = {k[3:]: arrays[k] for k in arrays.files if k.startswith("in_")}
    outputs = {k[4:]: arrays[k] for k in arrays.files if k.startswith("out_")}
    return inputs.get("image", inputs), outputs


@pytest.mark.parametrize("recipe", RECIPES)
def test_a_model_saved_before_the_move_loads_with_keras_and_predicts_the_same(recipe):
    model = keras.models.load_model(LEGACY / f"{recipe}.keras", compile=False)
    inputs, expected = _saved(recipe)
    predicted = model.predict(inputs, verbose=0)
    assert set(predicted) == set(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(predicted[name], values, rtol=1e-5, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("recipe", ["mtl_fusion", "temporal_stat"])
def test_load_predictor_reads_a_model_saved_before_the_move(recipe):
    model = load_predictor(LEGACY / f"{recipe}.keras")
    inputs, expected = _saved(recipe)
    predicted = model.predict(inputs, verbose=0)
    for name, values in expected.items():
        np.testing.assert_allclose(predicted[name], values, rtol=1e-5, atol=1e-5, err_msg=name)


def test_a_gru_window_model_saved_before_issue_21_keeps_its_last_step_readout():
    """Seed 002's GRU saved with outputs for the window's last frame is still read that way
    (evaluate and predict use windows ending at each frame), not per step."""
    from affectkeras.predictor import describe_inputs, frame_outputs

    model = keras.models.load_model(LEGACY / "teacher_student.keras", compile=False)
    inputs, expected = _saved("teacher_student")
    described = describe_inputs(model)
    assert described.windowed and described.readout == "last"
    predicted = frame_outputs(model.predict(inputs, verbose=0), inputs["mask"], described.readout)
    np.testing.assert_allclose(predicted["expression"], expected["expression"], atol=1e-5)


@pytest.mark.parametrize("recipe", ["temporal_stat", "teacher_student"])
def test_a_window_model_saved_before_gives_the_same_outputs_from_per_frame_values(recipe):
    """evaluate and predict cut a saved window model into its frame CNN, run once per frame,
    and its temporal part (``split_window_model``): the old files' outputs are unchanged."""
    from affectkeras.models.temporal import split_window_model

    model = keras.models.load_model(LEGACY / f"{recipe}.keras", compile=False)
    inputs, expected = _saved(recipe)
    pixels, mask = inputs["pixels"], inputs["mask"]
    windows, steps = mask.shape
    split = split_window_model(model)
    values = split.frame_values(pixels.reshape(windows * steps, *pixels.shape[2:]))
    predicted = split.predict(values, np.arange(windows * steps).reshape(windows, steps), mask)
    assert set(predicted) == set(expected)
    for name, saved in expected.items():
        np.testing.assert_allclose(predicted[name], saved, rtol=1e-5, atol=1e-5, err_msg=name)
