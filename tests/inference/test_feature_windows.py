"""predict with window predictors: each crop through the frame CNN once, the same rows as the
windows of crops (two face tracks, one starting mid-video; both read-outs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affectkeras.inference.predict import FacePredictor, rows_to_table
from affectkeras.inference.video import Frame
from tests.helpers.face_video import face_video
from tests.helpers.window_models import (
    last_window_predictor,
    pixel_reading_predictor,
    sequence_predictor,
)

# TF only: the cut models run on JAX in tests/models/test_window_split.py and
# tests/evaluation/test_feed_windows.py; this file adds the tracking around them

SIZE = 16


@pytest.fixture(scope="module")
def frames():
    """18 frames: face A throughout (none in frames 1 and 10), face B in frames 7-12."""
    video = face_video(frames=18, empty=(0, 9))
    return [Frame("clip", index + 1, image) for index, image in enumerate(video.frames)]


def _rows(model, frames, cached: bool) -> tuple[pd.DataFrame, FacePredictor]:
    runner = FacePredictor(model, batch_size=3)  # several model calls, windows across them
    if not cached:
        runner.features = None  # the pixel windows through the whole model
    return rows_to_table(runner.predict(frames)), runner


@pytest.mark.parametrize(
    "build", [last_window_predictor, sequence_predictor], ids=["last", "sequence"]
)
def test_track_windows_read_from_per_crop_values_give_the_rows_of_crop_windows(frames, build):
    model = build(SIZE)
    cached, runner = _rows(model, frames, cached=True)
    direct, _ = _rows(model, frames, cached=False)
    faces = cached[cached["face"] >= 0]
    assert faces.groupby("face")["frame"].min().tolist() == [2, 7]  # B's track starts mid-video
    assert runner.features.computed == len(faces)  # one frame-CNN pass per crop
    pd.testing.assert_frame_equal(
        cached.select_dtypes(exclude="number"), direct.select_dtypes(exclude="number")
    )
    numbers = cached.select_dtypes("number").columns
    assert faces["valence"].notna().all()  # every face's row filled
    np.testing.assert_allclose(
        cached[numbers].to_numpy(float), direct[numbers].to_numpy(float), atol=1e-5
    )


def test_a_window_model_that_cannot_be_cut_is_fed_crop_windows():
    assert FacePredictor(pixel_reading_predictor(SIZE), detect=False).features is None
