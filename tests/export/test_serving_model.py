"""The serving wrapper: any-size uint8 frames resized like the training pipeline, same outputs."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest

from affectkeras.export import ResizeFrames, build_serving_model
from affectkeras.models import build_task_model, get_backbone
from affectkeras.models.temporal.stat_lstm import build_stat_lstm_model
from affectkeras.models.temporal.window import build_window_model
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.engine.stages import combined_predictor

pytestmark = pytest.mark.jax

RNG = np.random.default_rng(0)


def image_predictor(tasks="expr,au,va", size=24, **kwargs):
    backbone = get_backbone("tiny", input_shape=(size, size, 3))
    return build_task_model(backbone, OutputSpec.create(tasks, 7), **kwargs)


def window_predictor(size=24, window=4):
    frame = image_predictor("expr,va", size, return_features=True, name="frame")
    features = frame.output["features"].shape[-1]
    temporal = build_stat_lstm_model(features, 7, window=window, variant=6, lstm_units=8)
    model = build_window_model(frame, temporal)
    return combined_predictor(model.input, model.output, name="window_predictor")


def test_frames_at_the_model_size_pass_through_unchanged():
    frames = RNG.integers(0, 256, (3, 24, 20, 3), dtype=np.uint8)
    resized = keras.ops.convert_to_numpy(ResizeFrames(24, 20)(frames))
    assert resized.dtype == np.uint8
    np.testing.assert_array_equal(resized, frames)


def test_other_sizes_resize_like_cv2_inter_linear():
    """Upscaling: the same half-pixel bilinear grid as cv2 (both round to uint8)."""
    frames = RNG.integers(0, 256, (2, 13, 17, 3), dtype=np.uint8)
    resized = keras.ops.convert_to_numpy(ResizeFrames(24, 30)(frames))
    expected = np.stack([cv2.resize(f, (30, 24), interpolation=cv2.INTER_LINEAR) for f in frames])
    assert np.abs(resized.astype(int) - expected).max() <= 1


def test_windows_of_frames_resize_frame_by_frame():
    windows = RNG.integers(0, 256, (2, 3, 40, 36, 3), dtype=np.uint8)
    resized = keras.ops.convert_to_numpy(ResizeFrames(24, 24)(windows))
    assert resized.shape == (2, 3, 24, 24, 3)
    one = keras.ops.convert_to_numpy(ResizeFrames(24, 24)(windows[1]))
    np.testing.assert_array_equal(resized[1], one)


def test_resize_frames_round_trips_its_config():
    layer = ResizeFrames.from_config(ResizeFrames(12, 34, name="r").get_config())
    assert (layer.height, layer.width, layer.name) == (12, 34, "r")


def test_the_serving_model_gives_the_predictors_outputs_at_its_size():
    predictor = image_predictor()
    serving = build_serving_model(predictor)
    images = RNG.integers(0, 256, (2, 24, 24, 3), dtype=np.uint8)
    served, expected = serving.predict(images, verbose=0), predictor.predict(images, verbose=0)
    assert set(served) == {"expression", "action_units", "valence_arousal"}
    for name, value in served.items():
        assert value.dtype == np.float32
        np.testing.assert_allclose(value, expected[name], rtol=0, atol=1e-6)
    larger = serving.predict(RNG.integers(0, 256, (2, 50, 31, 3), dtype=np.uint8), verbose=0)
    assert larger["action_units"].shape == (2, 12)


def test_training_only_outputs_are_not_served():
    predictor = image_predictor("expr,va", return_features=True)
    assert "features" in predictor.output_names
    assert build_serving_model(predictor).output_names == ["expression", "valence_arousal"]


def test_window_predictors_serve_pixels_and_mask():
    predictor = window_predictor()
    serving = build_serving_model(predictor)
    assert sorted(tensor.name for tensor in serving.inputs) == ["mask", "pixels"]
    pixels = RNG.integers(0, 256, (2, 4, 24, 24, 3), dtype=np.uint8)
    mask = np.array([[False, True, True, True], [True] * 4])
    feed = {"pixels": pixels, "mask": mask}
    served, expected = serving.predict(feed, verbose=0), predictor.predict(feed, verbose=0)
    for name in ("expression", "valence_arousal"):
        np.testing.assert_allclose(served[name], expected[name], rtol=0, atol=1e-6)


def test_a_model_without_canonical_outputs_is_refused():
    image = keras.Input((8, 8, 3), name="image")
    model = keras.Model(image, {"logits": keras.layers.Dense(3)(image)})
    with pytest.raises(ValueError, match=r"none of .*expression.*recipe's predictor"):
        build_serving_model(model)
