"""predict with window (temporal) and multi-task predictors; runs on JAX too (no training)."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pandas as pd
import pytest

from affectkeras import labels
from affectkeras.cli.main import main
from affectkeras.inference import FaceDetector, align_face, predict, predict_frames
from affectkeras.inference.tracks import box_iou
from affectkeras.inference.video import Frame
from affectkeras.models import (
    build_stat_lstm_model,
    build_task_model,
    build_window_model,
    get_backbone,
)
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import describe_inputs

pytestmark = pytest.mark.jax

SIZE = 32
WINDOW = 4


def window_predictor() -> keras.Model:
    keras.utils.set_random_seed(1)
    frame = build_task_model(
        get_backbone("tiny", input_shape=(SIZE, SIZE, 3)),
        OutputSpec.create("expr", 7),
        return_features=True,
    )
    temporal = build_stat_lstm_model(
        feature_dim=64, window=WINDOW, variant=6, lstm_units=4, branch_units=8
    )
    window = build_window_model(frame, temporal)
    # contract 7: a predictor's outputs carry the canonical names (the nested temporal model
    # names them after itself), as a recipe's predictor does
    outputs = {
        name: keras.layers.Identity(name=name)(window.output[name])
        for name in ("expression", "valence_arousal")
    }
    return keras.Model(window.input, outputs, name="window_predictor")


def left_face_crops(path, boxes):
    """Frame numbers and aligned crops of the left face, found independently of predict."""
    capture = cv2.VideoCapture(str(path))
    detector, frames, crops = FaceDetector(), [], []
    number = 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        number += 1
        if not boxes[number - 1]:
            continue
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        faces = detector.detect(image)
        overlap = box_iou(np.array([f.box for f in faces]), np.array(boxes[number - 1][:1]))
        frames.append(number)
        crops.append(align_face(image, faces[int(overlap.argmax())].landmarks, SIZE))
    capture.release()
    return frames, crops


def test_a_window_predictor_sees_each_face_tracks_previous_frames(video_file, tmp_path):
    path, video = video_file
    model = window_predictor()
    assert describe_inputs(model).kind == "window" and describe_inputs(model).window == WINDOW
    model.save(tmp_path / "window.keras")
    out = tmp_path / "preds.csv"
    assert (
        main(["-q", "predict", str(tmp_path / "window.keras"), str(path), "--out", str(out)]) == 0
    )
    table = pd.read_csv(out)
    face0 = table[table["face"] == 0].set_index("frame")

    frames, crops = left_face_crops(path, video.boxes)
    assert face0.index.tolist() == frames  # frame 18 has no face: the track goes on after it
    pixels, masks = [], []
    for j in range(len(crops)):
        real = crops[max(0, j - WINDOW + 1) : j + 1]
        padding = [crops[0]] * (WINDOW - len(real))  # contract 6: repeat the first frame
        pixels.append(np.stack(padding + real))
        masks.append(np.arange(WINDOW) >= len(padding))
    expected = model.predict({"pixels": np.stack(pixels), "mask": np.stack(masks)}, verbose=0)
    probabilities = face0[[f"p_{n}" for n in labels.expression_names(7)]]
    # the crops of both paths go through the same lossy video decode: allow small differences
    np.testing.assert_allclose(probabilities.to_numpy(), expected["expression"], atol=2e-3)
    np.testing.assert_allclose(
        face0[["valence", "arousal"]].to_numpy(), expected["valence_arousal"], atol=2e-3
    )
    assert table.loc[table["face"] == 1, "expression"].notna().all()


def test_a_three_task_model_writes_the_mtl_submission(video_file, tmp_path):
    path, _ = video_file
    keras.utils.set_random_seed(2)
    spec = OutputSpec.create("expr,au,va", 8)
    model = build_task_model(get_backbone("tiny", input_shape=(SIZE, SIZE, 3)), spec)
    model.save(tmp_path / "mtl.keras")
    csv_out, submission = tmp_path / "p.csv", tmp_path / "abaw"
    base = ["-q", "predict", str(tmp_path / "mtl.keras"), str(path)]
    assert main([*base, "--out", str(csv_out)]) == 0
    assert main([*base, "--format", "abaw", "--out", str(submission)]) == 0
    lines = (submission / "mtl_submission.csv").read_text().splitlines()
    assert lines[0] == "image,valence,arousal,expression,aus" and len(lines) == 37
    assert [line.split(",")[0] for line in lines[1:]] == [f"clip/{k:05d}.jpg" for k in range(1, 37)]
    table = pd.read_csv(csv_out)
    face0 = table[table["face"] == 0].set_index("frame")
    for line in lines[1:]:
        fields = line.split(",")
        frame = {1: 2, 18: 17}.get(int(fields[0][5:10]), int(fields[0][5:10]))
        row = face0.loc[frame]
        assert len(fields) == 16
        assert float(fields[1]) == pytest.approx(row["valence"], abs=1e-5)
        assert int(fields[3]) == row["expression"]
        assert [int(v) for v in fields[4:]] == row[list(labels.ACTION_UNITS)].astype(int).tolist()
    assert table["p_other"].notna().sum() == len(face0) + (table["face"] == 1).sum()


def test_a_two_task_model_writes_one_folder_per_task(video_file, tmp_path):
    path, _ = video_file
    model = build_task_model(
        get_backbone("tiny", input_shape=(SIZE, SIZE, 3)), OutputSpec.create("au,va", 8)
    )
    written = predict(model, path)
    from affectkeras.inference import write_abaw

    files = write_abaw(written, tmp_path)
    assert sorted(str(p.relative_to(tmp_path)) for p in files) == ["au/clip.txt", "va/clip.txt"]
    assert len((tmp_path / "va" / "clip.txt").read_text().splitlines()) == 37


def test_stills_in_memory_give_every_face_and_a_row_for_a_faceless_image():
    from affectkeras.data.synthetic import composite

    model = build_task_model(
        get_backbone("tiny", input_shape=(SIZE, SIZE, 3)), OutputSpec.create("va", 8)
    )
    frame, boxes = composite.synthetic_frame(np.random.default_rng(7), faces=2)
    table = predict_frames(model, [Frame("two.png", -1, frame), Frame("none.png", -1, frame[:40])])
    assert table["image"].tolist() == ["two.png", "two.png", "none.png"]
    assert table["face"].tolist() == [0, 1, -1]
    assert table.loc[:1, "valence"].notna().all() and pd.isna(table.loc[2, "valence"])
    overlap = box_iou(table.loc[:1, ["box_x", "box_y", "box_w", "box_h"]].to_numpy(float), boxes)
    assert (overlap.diagonal() > 0.4).all()  # face 0 is the left one
    timings = table.attrs["timings"]
    assert timings["frames"] == 2 and timings["faces"] == 2
    assert all(timings["seconds"][stage] > 0 for stage in ("detect", "align", "model"))


def test_a_folder_with_an_unreadable_image_is_predicted_and_the_skip_counted(tmp_path, caplog):
    """Issue 24: predict counts what it skips and says so once, with examples."""
    folder = tmp_path / "stills"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.png", "c.png"):
        cv2.imwrite(str(folder / name), rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8))
    (folder / "b.png").write_bytes(b"not a png")
    model = build_task_model(
        get_backbone("tiny", input_shape=(SIZE, SIZE, 3)), OutputSpec.create("expr", 7)
    )
    with caplog.at_level("WARNING", logger="affectkeras.data"):
        table = predict(model, folder, detect=False)
    assert table["image"].tolist() == ["a.png", "c.png"]
    assert table.attrs["skipped"] == 1
    assert table.attrs["skipped_examples"] == {"unreadable_image": [str(folder / "b.png")]}
    assert "skipped 1 sample(s): unreadable_image" in caplog.text and "b.png" in caplog.text
    for name in ("a.png", "c.png"):
        (folder / name).write_bytes(b"")
    with pytest.raises(ValueError, match="none of its 3 images decodes"):
        predict(model, folder, detect=False)


def test_a_full_disk_when_writing_the_csv_is_one_error_naming_it(tmp_path, monkeypatch):
    import errno
    import os

    from affectkeras.inference.predict import write_csv
    from affectkeras.safe_files import WriteError

    table = pd.DataFrame({"image": ["a.png"], "frame": [-1]})

    def full(source, destination):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    path = tmp_path / "preds.csv"
    with pytest.raises(WriteError, match=rf"^{path}: cannot write it \(no space left"):
        write_csv(table, path)
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary left
