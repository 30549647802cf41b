"""Seed 001's late fusion: the PredictionFusion layer and the fused predictor model."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import affectkeras.models  # noqa: F401 - registers the serializable objects for load_model
from affectkeras.models import build_fused_predictor, build_task_model, get_backbone
from affectkeras.models.layers import PredictionFusion
from affectkeras.output_spec import OutputSpec

pytestmark = pytest.mark.jax


def task_model(tasks: str, seed: int, size: int = 32) -> keras.Model:
    keras.utils.set_random_seed(seed)
    backbone = get_backbone("tiny", input_shape=(size, size, 3))
    return build_task_model(backbone, OutputSpec.create(tasks, num_classes=8))


def test_prediction_fusion_is_the_weighted_sum_and_round_trips():
    rng = np.random.default_rng(0)
    single, multi = rng.uniform(size=(2, 5, 3)).astype("float32")
    layer = PredictionFusion(0.4, name="valence_arousal")
    np.testing.assert_allclose(layer([single, multi]), 0.4 * single + 0.6 * multi, rtol=1e-6)
    clone = PredictionFusion.from_config(layer.get_config())
    assert clone.weight == 0.4 and clone.name == "valence_arousal"
    for weight in (-0.1, 1.5):
        with pytest.raises(ValueError, match="must be in"):
            PredictionFusion(weight)


def test_the_fused_predictor_is_lambda_single_plus_one_minus_lambda_multi(tmp_path):
    multi = task_model("expr,au,va", seed=1)
    singles = {
        "expression": task_model("expr", seed=2),
        "action_units": task_model("au", seed=3),
        "valence_arousal": task_model("va", seed=4),
    }
    weights = {"expression": 0.6, "action_units": 0.6, "valence_arousal": 0.4}
    fused = build_fused_predictor(multi, singles, weights)
    assert fused.layers[0].name == "image"  # contract 7: one input named image
    images = np.random.default_rng(5).integers(0, 256, (6, 32, 32, 3)).astype("uint8")
    got = fused.predict(images, verbose=0)
    p_multi = multi.predict(images, verbose=0)
    for task, model in singles.items():  # numpy reference of p_final (seed 001, Sec. 2)
        p_single = model.predict(images, verbose=0)[task]
        expected = weights[task] * p_single + (1 - weights[task]) * p_multi[task]
        np.testing.assert_allclose(got[task], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["expression"].sum(1), 1.0, rtol=1e-5)  # still probabilities

    path = tmp_path / "fused.keras"
    fused.save(path)
    loaded = keras.models.load_model(path, compile=False)
    assert sorted(loaded.output_names) == ["action_units", "expression", "valence_arousal"]
    again = loaded.predict(images, verbose=0)
    for task in got:
        np.testing.assert_allclose(again[task], got[task], rtol=1e-6, atol=1e-7)


def test_a_task_without_a_single_task_model_passes_the_multi_task_prediction_through():
    multi = task_model("expr,au", seed=1)
    single = task_model("expr", seed=2)
    fused = build_fused_predictor(multi, {"expression": single}, {"expression": 1.0})
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3)).astype("uint8")
    got = fused.predict(images, verbose=0)
    np.testing.assert_allclose(
        got["action_units"], multi.predict(images, verbose=0)["action_units"], rtol=1e-6
    )
    np.testing.assert_allclose(  # lambda = 1: the single-task model alone
        got["expression"], single.predict(images, verbose=0)["expression"], rtol=1e-6
    )


def test_mismatched_sub_models_are_refused():
    multi = task_model("expr,au", seed=1)
    with pytest.raises(ValueError, match="does not output"):
        build_fused_predictor(multi, {"valence_arousal": task_model("va", 2)}, {})
    with pytest.raises(ValueError, match="no fusion weight"):
        build_fused_predictor(multi, {"expression": task_model("expr", 2)}, {})
    with pytest.raises(ValueError, match="image_size"):
        small = task_model("expr", 2, size=40)
        build_fused_predictor(multi, {"expression": small}, {"expression": 0.6})
