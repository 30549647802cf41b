"""Seed 004's STAT/LSTM variants and seed 002's BiGRU through the shared model checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras.models import (
    STAT_LSTM_VARIANTS,
    VA_BINS_OUTPUT,
    build_bigru_model,
    build_stat_lstm_model,
    build_task_model,
    build_window_model,
    get_backbone,
)
from affectkeras.output_spec import OutputSpec
from tests.helpers.model_checks import run_model_checks

# The JAX pass runs the variant with every branch (6), the BiGRU with VA bins and the numeric
# checks; the other model checks cost 9-48 s each there in compilation alone, and the same
# backend-agnostic code also runs on JAX in the recipe fits of seeds 002/004 and in predict.
JAX_VARIANTS = {6}

D, C, S, B = 6, 7, 5, 2


def window_inputs(seed=0, padded=2):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(B, S, C))
    mask = np.ones((B, S), bool)
    mask[1, :padded] = False
    return {
        "features": rng.normal(size=(B, S, D)).astype("float32"),
        "probabilities": (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype("float32"),
        "mask": mask,
    }


def build(variant, **kwargs):
    return build_stat_lstm_model(
        feature_dim=D,
        num_classes=C,
        window=S,
        variant=variant,
        lstm_units=3,
        branch_units=16,
        **kwargs,
    )


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(v, marks=[pytest.mark.jax] if v in JAX_VARIANTS else [])
        for v in sorted(STAT_LSTM_VARIANTS)
    ],
)
def test_stat_lstm_variant_passes_the_shared_model_checks(variant, tmp_path):
    spec = STAT_LSTM_VARIANTS[variant]
    inputs = window_inputs()
    if not spec.window:
        inputs = {
            "features": inputs["features"][:, -1],
            "probabilities": inputs["probabilities"][:, -1],
        }
    expected = {"expression": (B, C)}
    if spec.va:
        expected.update(valence_arousal=(B, 2), va_statistics=(B, 5))
    model = run_model_checks(lambda: build(variant), inputs, expected, tmp_path)
    names = {layer.name for layer in model.layers}
    assert ("stat_probabilities" in names) == spec.window
    assert ("lstm1" in names) == spec.lstm


def test_two_lstm_layers_and_stat_without_features(tmp_path):
    model = run_model_checks(
        lambda: build(5, lstm_layers=2, stat_features=False),
        window_inputs(),
        {"expression": (B, C)},
        tmp_path,
        mixed_precision=(),
    )
    assert {"lstm1", "lstm2"} <= {layer.name for layer in model.layers}
    assert "stat_features" not in {layer.name for layer in model.layers}


@pytest.mark.jax
def test_fusion_width_is_features_probabilities_stat_and_lstm():
    model = build(6)
    # current features D + current probabilities C + STAT 3C + STAT 3D + BiLSTM 2 x 3 units
    assert model.get_layer("fusion").output.shape[-1] == D + C + 3 * C + 3 * D + 2 * 3


@pytest.mark.jax
def test_padded_steps_do_not_change_the_prediction():
    model = build(6)
    inputs = window_inputs(padded=2)
    changed = {k: v.copy() for k, v in inputs.items()}
    changed["features"][1, :2] += 10.0
    changed["probabilities"][1, :2] = np.eye(C)[0]
    first = model(inputs)
    second = model(changed)
    for name in first:
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(second[name])[1],
            keras.ops.convert_to_numpy(first[name])[1],
            atol=1e-5,
            err_msg=name,
        )


@pytest.mark.jax
def test_the_current_frame_is_the_last_step():
    model = build(3, stat_features=False)
    inputs = window_inputs()
    changed = {k: v.copy() for k, v in inputs.items()}
    changed["features"][:, -1] += 1.0  # only the current frame's features (no STAT on them)
    before = keras.ops.convert_to_numpy(model(inputs)["expression"])
    after = keras.ops.convert_to_numpy(model(changed)["expression"])
    assert not np.allclose(before, after)


@pytest.mark.jax
def test_invalid_variant_is_an_error():
    with pytest.raises(ValueError, match="variant must be one of 1-6"):
        build(7)


@pytest.mark.parametrize(
    "va_bins", [pytest.param(20, marks=pytest.mark.jax), None], ids=["va_bins", "va_tanh"]
)
def test_bigru_passes_the_shared_model_checks(va_bins, tmp_path):
    T = 32
    rng = np.random.default_rng(0)
    mask = np.ones((B, T), bool)
    mask[0, :10] = False
    inputs = {"features": rng.normal(size=(B, T, D)).astype("float32"), "mask": mask}
    expected = {"expression": (B, T, 7), "valence_arousal": (B, T, 2)}
    if va_bins:
        expected[VA_BINS_OUTPUT] = (B, T, 2, va_bins)
    run_model_checks(
        lambda: build_bigru_model(feature_dim=D, units=4, va_bins=va_bins),
        inputs,
        expected,
        tmp_path,
    )


@pytest.mark.jax
def test_bigru_predicts_the_spec_tasks_per_frame():
    model = build_bigru_model(
        feature_dim=D, output_spec=OutputSpec.create("expr,au", 8), sequence_length=None, units=4
    )
    out = model({"features": np.zeros((1, 9, D), "float32"), "mask": np.ones((1, 9), bool)})
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "expression": (1, 9, 8),
        "action_units": (1, 9, 12),
    }


def test_pixel_window_model_passes_the_shared_model_checks(tmp_path):
    def build():
        frame = build_task_model(
            get_backbone("tiny", input_shape=(16, 16, 3), widths=(8, 16)),
            OutputSpec.create("expr", C),
            return_features=True,
        )
        temporal = build_stat_lstm_model(
            feature_dim=16, num_classes=C, window=3, variant=6, lstm_units=2, branch_units=16
        )
        return build_window_model(frame, temporal)

    rng = np.random.default_rng(0)
    inputs = {
        "pixels": rng.integers(0, 256, (B, 3, 16, 16, 3), dtype=np.uint8),
        "mask": np.array([[True] * 3, [False, True, True]]),
    }
    expected = {"expression": (B, C), "valence_arousal": (B, 2), "va_statistics": (B, 5)}
    model = run_model_checks(build, inputs, expected, tmp_path)
    # the frames of the window really reach the frame model: the current frame matters
    changed = {"pixels": inputs["pixels"].copy(), "mask": inputs["mask"]}
    changed["pixels"][:, -1] = 255 - changed["pixels"][:, -1]
    before = keras.ops.convert_to_numpy(model(inputs)["expression"])
    after = keras.ops.convert_to_numpy(model(changed)["expression"])
    assert not np.allclose(before, after)


@pytest.mark.jax
def test_window_model_needs_a_feature_output():
    frame = build_task_model(
        get_backbone("tiny", input_shape=(16, 16, 3)), OutputSpec.create("expr", C)
    )
    with pytest.raises(ValueError, match="needs 'features' and 'expression' outputs"):
        build_window_model(frame, build(6))
