"""Detection every k-th frame with faces followed by optical flow in between (``face_follow``),
through ``FaceFollower``, ``predict``, the CLI and ``LivePredictor``."""

from __future__ import annotations

import math

import cv2
import keras
import numpy as np
import pandas as pd
import pytest

from affectkeras.cli.main import main
from affectkeras.framing import FaceFraming
from affectkeras.inference import FaceDetector, LivePredictor, predict, predict_frames
from affectkeras.inference.face_follow import FaceFollower
from affectkeras.inference.predict import FacePredictor
from affectkeras.inference.tracks import box_iou
from affectkeras.inference.video import Frame, write_video
from affectkeras.models import build_task_model, get_backbone
from affectkeras.output_spec import OutputSpec
from tests.helpers.moving_face import moving_face

SIZE = 32
BOX_COLUMNS = ["box_x", "box_y", "box_w", "box_h"]


class CountingDetector(FaceDetector):
    """YuNet, counting its calls."""

    calls = 0

    def detect(self, frame):
        self.calls += 1
        return super().detect(frame)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(4)
    backbone = get_backbone("tiny", input_shape=(SIZE, SIZE, 3))
    return build_task_model(backbone, OutputSpec.create("expr", 7))


@pytest.fixture(scope="module")
def moving():
    """30 frames of a face moving 5 px right and 1 px down per frame, and YuNet's box on each."""
    frames, _ = moving_face()
    detector = FaceDetector()
    return frames, [detector.detect(frame)[0].box for frame in frames]


def followed_boxes(frames, every: int) -> tuple[list, CountingDetector, FaceFollower]:
    detector = CountingDetector()
    follower = FaceFollower(detector, every)
    return [follower.faces(frame) for frame in frames], detector, follower


def test_detect_every_one_is_per_frame_detection_as_before(model):
    frames, _ = moving_face(frames=6)
    video = [Frame("clip", t + 1, image) for t, image in enumerate(frames)]
    detector = CountingDetector()
    table = predict_frames(model, video, detector=detector, detect_every=1)
    pd.testing.assert_frame_equal(table, predict_frames(model, video))
    assert detector.calls == 6 and table.attrs["timings"]["detections"] == 6
    # an independent reference: detect, cut and predict each frame by hand
    faces = [FaceDetector().detect(image)[0] for image in frames]
    crops = [
        FaceFraming().cut(i, f.box, f.landmarks, SIZE) for i, f in zip(frames, faces, strict=True)
    ]
    expected = np.asarray(model.predict_on_batch(np.stack(crops))["expression"])
    np.testing.assert_allclose(table.filter(like="p_").iloc[:, :7], expected, atol=1e-6)
    boxes = np.round(np.stack([f.box for f in faces]).astype(float), 1)
    np.testing.assert_allclose(table[BOX_COLUMNS].to_numpy(float), boxes, atol=0.051)


def test_followed_boxes_stay_on_a_moving_face_and_detection_runs_every_kth_frame(moving):
    frames, detected = moving
    found, detector, follower = followed_boxes(frames, every=5)
    assert detector.calls == math.ceil(len(frames) / 5) and follower.early == 0
    followed = np.array(
        [box_iou(faces[0].box, box)[0, 0] for faces, box in zip(found, detected, strict=True)]
    )
    frozen = np.array([box_iou(detected[t - t % 5], box)[0, 0] for t, box in enumerate(detected)])
    # 0.8: a 96 px box off by at most ~10 px (11 % of its side) in one direction; at this speed
    # YuNet's own box overlaps its box on the frame before at about 0.8, and a box frozen at
    # its detection falls to 0.44 four frames later
    assert followed.min() > 0.8, followed.round(2)
    assert frozen.min() < 0.6
    landmarks = [
        np.abs(faces[0].landmarks - FaceDetector().detect(f)[0].landmarks).mean()
        for faces, f in zip(found[1:5], frames[1:5], strict=True)
    ]
    assert max(landmarks) < 3.0  # px, on a face whose eyes are ~35 px apart


def test_a_cut_makes_the_follower_detect_early_and_find_the_face_where_it_went():
    frames, boxes = moving_face(frames=20, cut=7)
    found, detector, follower = followed_boxes(frames, every=5)
    assert follower.early == 1  # frame 7: the points are lost, the frame is detected at once
    assert detector.calls == math.ceil(7 / 5) + math.ceil(13 / 5)
    pasted = np.array(
        [box_iou(faces[0].box, box)[0, 0] for faces, box in zip(found, boxes, strict=True)]
    )
    assert pasted.min() > 0.4, pasted.round(2)  # YuNet's box is tighter than the pasted square


def test_a_faceless_stretch_gives_no_face_until_the_next_detection_after_it():
    frames, _ = moving_face(frames=20, empty=tuple(range(6, 13)))
    found, detector, follower = followed_boxes(frames, every=4)
    # detections at 0 and 4; frame 6 loses the face (early) and finds none; then 10 finds
    # none and 14 finds the face again, one frame after it came back at 13
    assert [len(faces) for faces in found] == [1] * 6 + [0] * 8 + [1] * 6
    assert (detector.calls, follower.early) == (6, 1)


def test_detect_every_must_be_a_whole_number_of_frames_at_least_one(model, tmp_path, capsys):
    for bad in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match=r"^detect_every must be a whole number of frames"):
            FacePredictor(model, detect_every=bad)
    with pytest.raises(ValueError, match=r"got 0$"):
        predict(model, tmp_path / "missing.avi", detect_every=0)  # before the path is read
    with pytest.raises(ValueError, match=r"got 0$"):
        LivePredictor(model, detect_every=0)
    assert main(["-q", "predict", str(tmp_path / "m.keras"), "x.avi", "--detect-every", "0"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "detect_every must be a whole number" in lines[0]


def test_the_cli_flag_detects_every_kth_frame_and_keeps_the_csv(model, tmp_path, capsys):
    frames, _ = moving_face(frames=12)
    video = write_video(tmp_path / "clip.avi", frames, fps=25.0)
    model.save(tmp_path / "m.keras")
    base = ["-q", "predict", str(tmp_path / "m.keras"), str(video)]
    assert main([*base, "--out", str(tmp_path / "every.csv")]) == 0
    assert main([*base, "--detect-every", "4", "--out", str(tmp_path / "fourth.csv")]) == 0
    assert (
        "12 frames, 0 without a face, detection on 3 of them (0 before" in capsys.readouterr().out
    )
    every, fourth = pd.read_csv(tmp_path / "every.csv"), pd.read_csv(tmp_path / "fourth.csv")
    assert list(fourth.columns) == list(every.columns)
    assert fourth["frame"].tolist() == list(range(1, 13)) and (fourth["face"] == 0).all()
    overlap = box_iou(fourth[BOX_COLUMNS].to_numpy(float), every[BOX_COLUMNS].to_numpy(float))
    assert overlap.diagonal().min() > 0.8
    assert fourth["expression_name"].notna().all()


def test_the_live_predictor_follows_faces_between_detections(model):
    frames, _ = moving_face(frames=9)
    detector = CountingDetector()
    live = LivePredictor(model, detector=detector, detect_every=3)
    tracks = [[face["track"] for face in live(frame)] for frame in frames]
    assert tracks == [[0]] * 9 and detector.calls == 3
    larger = cv2.resize(frames[0], None, fx=1.5, fy=1.5)  # the stream changes its size
    assert len(live(larger)) == 1 and detector.calls == 4


def test_followed_faces_are_batched_across_frames(model, monkeypatch):
    frames, _ = moving_face(frames=10)
    sizes = []
    real = model.predict_on_batch

    def counted(batch):
        sizes.append(len(batch))
        return real(batch)

    monkeypatch.setattr(model, "predict_on_batch", counted)
    video = [Frame("clip", t + 1, image) for t, image in enumerate(frames)]
    table = predict_frames(model, video, batch_size=4, detect_every=3)
    assert sizes == [4, 4, 2] and table["expression"].notna().all()  # one call per 4 faces
