"""YuNet detection (reduced resolution), the IoU tracker, frame sources and track windows."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from affectkeras.data.synthetic import composite
from affectkeras.inference.detect import FaceDetector, yunet_model_path
from affectkeras.inference.tracks import IoUTracker, box_iou
from affectkeras.inference.video import open_source, write_video
from affectkeras.inference.windows import TrackHistory


def best_iou(faces, box) -> float:
    return float(box_iou(np.array([f.box for f in faces]), np.array([box])).max())


def test_every_face_is_found_at_full_and_at_reduced_resolution():
    rng = np.random.default_rng(11)
    frame, boxes = composite.synthetic_frame(rng, faces=2, face_size=(100, 110))
    for max_side in (None, 360):
        faces = FaceDetector(max_side=max_side).detect(frame)
        assert len(faces) == 2
        # YuNet's boxes are face boxes, tighter than the pasted square crop
        assert all(best_iou(faces, box) > 0.4 for box in boxes)
        assert all(f.landmarks.shape == (5, 2) and 0.7 <= f.score <= 1 for f in faces)
        assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)


def test_a_large_frame_is_shrunk_for_detection_and_boxes_come_back_in_its_pixels():
    rng = np.random.default_rng(4)
    frame, boxes = composite.synthetic_frame(rng, faces=1, face_size=(100, 100))
    big = cv2.resize(frame, (1440, 1080), interpolation=cv2.INTER_CUBIC)  # 3x
    detector = FaceDetector(max_side=480)
    assert detector.detection_size(1080, 1440) == (480, 360)
    faces = detector.detect(big)
    assert len(faces) == 1 and best_iou(faces, boxes[0] * 3) > 0.4
    # landmarks lie inside the box, in the big frame's pixels
    x, y, w, h = faces[0].box
    assert np.all(faces[0].landmarks >= (x, y)) and np.all(faces[0].landmarks <= (x + w, y + h))


def test_a_frame_without_a_face_gives_nothing_and_bad_settings_are_refused(tmp_path):
    background = composite.cluttered_background(np.random.default_rng(0), 240, 320)
    assert FaceDetector().detect(background) == []
    with pytest.raises(ValueError, match="score_threshold"):
        FaceDetector(score_threshold=1.5)
    with pytest.raises(ValueError, match="RGB image"):
        FaceDetector().detect(background[..., 0])
    with pytest.raises(ValueError, match="no such YuNet"):
        FaceDetector(model_path=tmp_path / "absent.onnx")
    assert yunet_model_path().stat().st_size == 229_738


def test_iou_matches_a_hand_computed_value():
    # [0,0,4,4] and [2,2,4,4]: intersection 2x2 = 4, union 16 + 16 - 4 = 28
    assert box_iou(np.array([[0, 0, 4, 4]]), np.array([[2, 2, 4, 4]]))[0, 0] == pytest.approx(
        4 / 28
    )
    assert box_iou(np.zeros((0, 4)), np.array([[0, 0, 1, 1]])).shape == (0, 1)


def test_tracks_follow_moving_faces_and_end_after_a_gap():
    tracker = IoUTracker(min_iou=0.3, max_gap=2)
    left, right = np.array([10.0, 10, 50, 50]), np.array([200.0, 10, 50, 50])
    shift = np.array([1.0, 0, 0, 0])
    assert tracker.update(np.stack([right, left])) == [1, 0]  # new faces: left to right
    for step in range(1, 6):
        moved = [left + 4 * step * shift, right - 4 * step * shift]
        assert tracker.update(np.stack(moved[::-1])) == [1, 0]
    for _ in range(3):  # the right face leaves for 3 frames > max_gap
        assert tracker.update(np.stack([left + 20 * shift])) == [0]
    assert tracker.update(np.stack([left + 20 * shift, right - 20 * shift])) == [0, 2]
    tracker.reset()
    assert tracker.update(np.stack([right])) == [0]


def test_windows_pad_with_the_first_crop_and_mask_the_padding():
    history = TrackHistory(window=3)
    crops = [np.full((2, 2, 3), value, np.uint8) for value in range(1, 6)]
    windows = [history.push(7, crop) for crop in crops]
    pixels, mask = windows[-1]
    assert pixels[:, 0, 0, 0].tolist() == [3, 4, 5] and mask.all()
    pixels, mask = history.push(8, crops[0])  # another track starts its own window
    assert pixels[:, 0, 0, 0].tolist() == [1, 1, 1] and mask.tolist() == [False, False, True]


def test_sources_read_images_folders_and_videos_in_order(tmp_path):
    ramp = np.linspace(0, 60, 64)[None, :, None]
    frames = np.stack([np.broadcast_to(30 + 40 * k + ramp, (48, 64, 3)) for k in range(5)])
    frames = frames.astype(np.uint8)
    video = write_video(tmp_path / "clip.avi", frames, fps=12.0)
    source = open_source(video)
    assert (source.kind, source.name, source.fps, source.frame_count) == ("video", "clip", 12, 5)
    read = list(source.frames())
    assert [f.frame for f in read] == [1, 2, 3, 4, 5] and read[0].image.shape == (48, 64, 3)
    errors = [np.abs(read[2].image.astype(float) - f).mean() for f in frames]
    assert np.argmin(errors) == 2 and errors[2] < 5  # MJPG is lossy

    stills = tmp_path / "stills"
    stills.mkdir()
    for name in ("b.png", "a.jpg"):
        cv2.imwrite(str(stills / name), frames[0])
    (stills / "notes.txt").write_text("not an image")
    source = open_source(stills)
    assert source.kind == "stills"
    assert [(f.name, f.frame) for f in source.frames()] == [("a.jpg", -1), ("b.png", -1)]
    single = open_source(stills / "b.png")
    assert single.kind == "image" and next(single.frames()).name == "b.png"
    np.testing.assert_array_equal(next(single.frames()).image, frames[0])

    numbered = tmp_path / "video7"
    numbered.mkdir()
    for k in (10, 2, 1):
        cv2.imwrite(str(numbered / f"{k:05d}.png"), frames[0])
    source = open_source(numbered)
    assert source.kind == "frames"
    assert [(f.name, f.frame) for f in source.frames()] == [
        ("video7", 1),
        ("video7", 2),
        ("video7", 10),
    ]


def test_bad_inputs_name_the_path(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        open_source(tmp_path / "absent.mp4")
    (tmp_path / "model.txt").write_text("x")
    with pytest.raises(ValueError, match="not an image, a video"):
        open_source(tmp_path / "model.txt")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"broken\.png: not a readable image"):
        list(open_source(tmp_path / "broken.png").frames())
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    with pytest.raises(ValueError, match=r"broken\.mp4"):
        list(open_source(tmp_path / "broken.mp4").frames())
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="holds no image"):
        open_source(empty)
