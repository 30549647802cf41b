"""split_window_model: a window model's frame CNN once per frame gives the whole model's outputs.

The two read-outs of the recipes' window models are checked where they are used, against the
pixel windows: tests/inference/test_feature_windows.py (predict) and
tests/evaluation/test_feed_windows.py (evaluate); the old saved models in tests/compat.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from affectkeras.models.temporal import split_window_model
from tests.helpers.window_models import fused_predictor, pixel_reading_predictor

pytestmark = pytest.mark.jax

SIZE, WINDOW, FRAMES = 16, 4, 7


def _frames(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (FRAMES, SIZE, SIZE, 3), dtype=np.uint8)


def _assert_split_matches(model, rows: np.ndarray, mask: np.ndarray) -> None:
    """The split's outputs on per-frame values == the model's on the pixel windows."""
    frames = _frames()
    split = split_window_model(model)
    assert split is not None and split.window == rows.shape[1]
    cached = split.predict(split.frame_values(frames), rows, mask)
    direct = model.predict_on_batch({"pixels": frames[rows], "mask": mask})
    assert set(cached) == set(direct)
    for name, value in direct.items():
        np.testing.assert_allclose(cached[name], value, rtol=1e-5, atol=1e-5, err_msg=name)


def _last_windows(window: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows ending at each frame, padded at the start by repeating frame 0 (contract 6)."""
    ends = np.arange(FRAMES)[:, None]
    steps = ends - (window - 1) + np.arange(window)[None, :]
    return np.maximum(steps, 0), steps >= 0


def test_the_fusion_of_image_and_window_variants_is_cut_inside_its_nested_models():
    model = fused_predictor(SIZE, WINDOW)
    split = split_window_model(model)
    # two frame models (variants 3 and 5) unfold features and probabilities; variant 2 reads
    # the current frame's pixels
    assert len(split.frame_model.outputs) == 4 and split.keeps_pixels
    _assert_split_matches(model, *_last_windows(WINDOW))


def test_a_model_that_reads_the_pixel_window_is_not_split_and_says_why(caplog):
    with caplog.at_level(logging.INFO, logger="affectkeras.models"):
        assert split_window_model(pixel_reading_predictor(SIZE, WINDOW)) is None
    assert "layer 'brightness' reads the pixel window" in caplog.text
    assert "run the whole model" in caplog.text
