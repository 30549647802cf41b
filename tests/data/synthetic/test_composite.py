"""Synthetic faces pasted into larger frames, and the YuNet detector finding them."""

from __future__ import annotations

from importlib import resources

import cv2
import numpy as np
import pytest

from affectkeras.data.synthetic import composite, make_video

DETECTION_FRAMES = 120
MIN_DETECTION_RATE = 0.95


def yunet(width: int, height: int):
    model = resources.files("affectkeras") / "assets" / "face_detection_yunet.onnx"
    return cv2.FaceDetectorYN.create(str(model), "", (width, height), 0.6, 0.3, 20)


def found(detections, box) -> bool:
    """True when a detection's centre lies inside the pasted box."""
    if detections is None:
        return False
    x, y, w, h = box
    centres = detections[:, :2] + detections[:, 2:4] / 2
    inside = (centres >= (x, y)) & (centres <= (x + w, y + h))
    return bool(inside.all(axis=1).any())


def test_yunet_finds_synthetic_faces_pasted_at_80_to_120_px():
    rng = np.random.default_rng(2024)
    detector = yunet(480, 360)
    hits = 0
    for _ in range(DETECTION_FRAMES):
        frame, boxes = composite.synthetic_frame(rng, faces=1, face_size=(80, 120))
        _, detections = detector.detect(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        hits += found(detections, boxes[0])
    rate = hits / DETECTION_FRAMES
    assert rate >= MIN_DETECTION_RATE, f"YuNet found {rate:.1%} of the synthetic faces"


def test_yunet_finds_two_faces_in_one_frame():
    rng = np.random.default_rng(7)
    detector = yunet(480, 360)
    frame, boxes = composite.synthetic_frame(rng, faces=2, face_size=(100, 110))
    _, detections = detector.detect(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    assert all(found(detections, box) for box in boxes)


def test_composite_face_pastes_a_resized_copy():
    frame = np.zeros((50, 60, 3), np.uint8)
    face = np.full((112, 112, 3), 200, np.uint8)
    out = composite.composite_face(frame, face, 10, 5, 30)
    assert out[5:35, 10:40].min() == 200 and out.sum() == 200 * 30 * 30 * 3
    assert frame.sum() == 0
    with pytest.raises(ValueError, match="does not fit"):
        composite.composite_face(frame, face, 40, 5, 30)


def test_composite_video_moves_smoothly_inside_the_frame():
    frames, boxes = composite.composite_video(make_video(1, 0, 30), height=200, width=260)
    assert frames.shape == (30, 200, 260, 3)
    assert np.all(boxes[:, 0] + boxes[:, 2] <= 260) and np.all(boxes[:, 1] + boxes[:, 3] <= 200)
    assert np.abs(np.diff(boxes[:, :2], axis=0)).max() <= 3
    x, y, w, h = boxes[0]
    np.testing.assert_array_equal(frames[0, y : y + h, x : x + w].shape, (100, 100, 3))
