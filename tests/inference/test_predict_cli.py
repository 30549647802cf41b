"""``affectkeras predict`` / ``evaluate --plot`` through the CLI with a model trained on synthetic
stills: rows per frame and face, detections where the faces were pasted, expressions right."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pandas as pd
import pytest

from affectkeras.cli.main import main
from affectkeras.data import read
from affectkeras.data.feeding.decode import read_image
from affectkeras.framing import FRAMINGS, with_framing
from affectkeras.inference.framing_check import framing_check, measure_framing
from affectkeras.inference.tracks import box_iou
from affectkeras.predictor import load_predictor

HEADER = (
    "image,frame,face,box_x,box_y,box_w,box_h,valence,arousal,expression,expression_name,"
    "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26,"
    "p_neutral,p_anger,p_disgust,p_fear,p_happiness,p_sadness,p_surprise,p_other,"
    "p_AU1,p_AU2,p_AU4,p_AU6,p_AU7,p_AU10,p_AU12,p_AU15,p_AU23,p_AU24,p_AU25,p_AU26"
)
"""SPEC.md's predict header, typed out (not taken from the code under test)."""

AU_COLUMNS = [c for c in HEADER.split(",") if c.startswith(("AU", "p_AU"))]


def pasted_faces(faces, video) -> list[tuple[int, int]]:
    """(frame, index of the pasted face) of each predicted row; each row's box must overlap one
    pasted box (YuNet's face box is tighter than the pasted square crop)."""
    matched = []
    for row in faces.itertuples():
        pasted = np.array(video.boxes[row.frame - 1])
        overlap = box_iou(np.array([[row.box_x, row.box_y, row.box_w, row.box_h]]), pasted)[0]
        assert overlap.max() > 0.4, (row.frame, row.face, overlap)
        matched.append((row.frame, int(overlap.argmax())))
    return matched


def non_trivial_png(path, min_side=300) -> bool:
    image = cv2.imread(str(path))
    return image is not None and min(image.shape[:2]) >= min_side and image.std() > 20


def test_predict_writes_one_row_per_frame_and_face_where_the_faces_are(
    expression_run, video_file, tmp_path, capsys
):
    path, video = video_file
    out, plots = tmp_path / "preds.csv", tmp_path / "plots"
    argv = ["-q", "predict", str(expression_run), str(path), "--out", str(out)]
    assert main([*argv, "--plot", str(plots)]) == 0
    assert "36 frames, 2 without a face" in capsys.readouterr().out
    assert out.read_text().splitlines()[0] == HEADER
    table = pd.read_csv(out, keep_default_na=True)

    # one row per frame and face; a frame without a face: one row, face -1, nothing predicted
    assert table["frame"].tolist() == sorted(table["frame"])
    assert set(table["image"]) == {"clip"}
    for frame, rows in table.groupby("frame"):
        pasted = video.boxes[frame - 1]
        assert rows["face"].tolist() == (list(range(len(pasted))) if pasted else [-1]), frame
    empty = table[table["face"] == -1]
    assert empty["frame"].tolist() == [1, 18]
    assert empty.drop(columns=["image", "frame", "face"]).isna().all().all()

    # detections where the faces were pasted, each pasted face found exactly once
    faces = table[table["face"] >= 0]
    matched = pasted_faces(faces, video)
    assert len(set(matched)) == len(matched) == sum(len(b) for b in video.boxes)
    # faces are numbered by track: face 0 is the face seen from the start (on the left)
    assert all(
        index == row.face for (_, index), row in zip(matched, faces.itertuples(), strict=True)
    )

    probabilities = faces[[c for c in HEADER.split(",") if c.startswith("p_") and "AU" not in c]]
    np.testing.assert_allclose(probabilities.drop(columns="p_other").sum(axis=1), 1.0, atol=1e-4)
    names = faces["expression_name"].tolist()
    assert names == [probabilities.columns[int(e)][2:] for e in faces["expression"]]
    # tasks the model does not predict, and p_other of a 7-class model, are present and empty
    assert table[[*AU_COLUMNS, "valence", "arousal", "p_other"]].isna().all().all()

    assert sorted(p.name for p in plots.iterdir()) == [
        "clip_face0_timeline.png",
        "clip_face1_timeline.png",
    ]
    assert all(non_trivial_png(p) for p in plots.iterdir())


@pytest.mark.slow
def test_predicted_expressions_of_the_pasted_faces_are_right(
    accurate_expression_run, video_file, tmp_path
):
    path, video = video_file
    out = tmp_path / "preds.csv"
    assert main(["-q", "predict", str(accurate_expression_run), str(path), "--out", str(out)]) == 0
    faces = pd.read_csv(out).query("face >= 0")
    truth = np.array([video.expressions[f - 1][i] for f, i in pasted_faces(faces, video)])
    # well above chance (1/7) and the majority class
    accuracy = float((faces["expression"].to_numpy() == truth).mean())
    majority = np.bincount(truth).max() / truth.size
    assert accuracy >= max(0.45, majority + 0.2), (accuracy, majority)


def test_abaw_format_writes_a_line_for_every_frame(expression_run, video_file, tmp_path):
    path, _ = video_file
    csv_out, abaw_out = tmp_path / "p.csv", tmp_path / "submission"
    assert main(["-q", "predict", str(expression_run), str(path), "--out", str(csv_out)]) == 0
    argv = ["-q", "predict", str(expression_run), str(path), "--format", "abaw"]
    assert main([*argv, "--out", str(abaw_out)]) == 0
    assert [p.name for p in abaw_out.iterdir()] == ["clip.txt"]
    lines = (abaw_out / "clip.txt").read_text().splitlines()
    assert lines[0] == "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise"
    assert len(lines) == 1 + 36
    table = pd.read_csv(csv_out)
    face0 = table[table["face"] == 0].set_index("frame")["expression"]
    for frame in range(1, 37):
        # frames without a face (1, 18) copy the nearest frame with one (the earlier on a tie)
        source = {1: 2, 18: 17}.get(frame, frame)
        assert int(lines[frame]) == face0[source], frame


def test_no_detect_predicts_cropped_faces_of_a_folder(expression_run, expression_stills, tmp_path):
    table = read(f"{expression_stills}?split=validation").head(60)
    folder = tmp_path / "crops"
    folder.mkdir()
    for row in table.itertuples():
        shutil.copy(row.path, folder / f"face_{row.Index:03d}.png")
    out = tmp_path / "crops.csv"
    argv = ["-q", "predict", str(expression_run), str(folder), "--no-detect", "--out", str(out)]
    assert main(argv) == 0
    predicted = pd.read_csv(out)
    assert predicted["image"].tolist() == [f"face_{i:03d}.png" for i in table.index]
    assert (predicted["frame"] == -1).all() and (predicted["face"] == 0).all()
    assert predicted[["box_x", "box_y", "box_w", "box_h"]].isna().all().all()
    # the crops are predicted as the model predicts them without predict
    images = np.stack([cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in table.path])
    direct = load_predictor(expression_run).predict(images, verbose=0)["expression"]
    np.testing.assert_array_equal(predicted["expression"].to_numpy(), direct.argmax(-1))


@pytest.mark.slow
def test_no_detect_crops_are_predicted_well(accurate_expression_run, expression_stills, tmp_path):
    table = read(f"{expression_stills}?split=validation")
    folder = tmp_path / "crops"
    folder.mkdir()
    for row in table.itertuples():
        shutil.copy(row.path, folder / f"face_{row.Index:04d}.png")
    out = tmp_path / "crops.csv"
    argv = ["-q", "predict", str(accurate_expression_run), str(folder), "--no-detect"]
    assert main([*argv, "--out", str(out)]) == 0
    predicted = pd.read_csv(out)
    assert predicted["image"].tolist() == [f"face_{i:04d}.png" for i in table.index]
    accuracy = (predicted["expression"].to_numpy() == table["expression"].to_numpy()).mean()
    assert accuracy >= 0.45, accuracy


def test_evaluate_plot_writes_the_confusion_matrix(expression_run, expression_stills, tmp_path):
    out, plots = tmp_path / "metrics.json", tmp_path / "figures"
    data = f"{expression_stills}?split=validation"
    argv = ["-q", "evaluate", str(expression_run), "--data", data, "--out", str(out)]
    assert main([*argv, "--plot", str(plots)]) == 0
    assert "expr_acc" in json.loads(out.read_text())
    assert [p.name for p in plots.iterdir()] == ["confusion_matrix.png"]  # no AU/VA outputs
    assert non_trivial_png(plots / "confusion_matrix.png")


def test_bad_input_is_one_line_and_exit_2(expression_run, video_file, tmp_path, capsys):
    path, _ = video_file
    cases = [
        ([str(expression_run), str(tmp_path / "absent.mp4")], "absent.mp4: no such file"),
        ([str(tmp_path / "nomodel"), str(path)], "no such model file"),
    ]
    (tmp_path / "notes.txt").write_text("x")
    cases.append(([str(expression_run), str(tmp_path / "notes.txt")], "not an image, a video"))
    still = tmp_path / "still.png"
    cv2.imwrite(str(still), np.zeros((64, 64, 3), np.uint8))
    cases.append(([str(expression_run), str(still), "--format", "abaw"], "per-video files"))
    for argv, message in cases:
        capsys.readouterr()
        assert main(["-q", "predict", *argv, "--out", str(tmp_path / "o.csv")]) == 2, argv
        error = capsys.readouterr().err.strip()
        assert len(error.splitlines()) == 1 and message in error, error


@pytest.mark.slow
def test_the_synthetic_framing_is_measured_and_predict_matches_the_crops(
    accurate_expression_run, expression_stills
):
    table = read(f"{expression_stills}?split=validation").head(300)
    crops = np.stack([read_image(path) for path in table["path"]])
    measured = measure_framing(crops, "aligned")
    assert measured["detected"] > 0.9
    assert measured["scale"][1] == pytest.approx(FRAMINGS["synthetic"].scale, abs=0.03)
    # predict on the pasted faces scores about what the crops score. Measured: 0.75 and 0.80
    # against 0.80 on the crops with the model trained through tf.data; 0.80 against 0.87 with
    # the same run trained from the in-memory pixels (input_pipeline=auto since issue 23). At
    # 300 faces one accuracy's binomial standard error is ~0.023, and a 4 % zoom moves a tiny
    # model both ways: a gap under 0.10 (about 3 standard errors of a difference) passes.
    model = load_predictor(accurate_expression_run)
    truth = table["expression"].to_numpy()
    for framing in (FRAMINGS["aligned"], FRAMINGS["synthetic"]):
        scores = framing_check(with_framing(model, framing), crops, truth)
        assert scores["detected"] > 0.9
        gap = scores["crop_accuracy_detected"] - scores["frame_accuracy_detected"]
        assert abs(gap) < 0.10, (framing, scores)
