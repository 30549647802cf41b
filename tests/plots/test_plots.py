"""The figures: files written, with content, from the inputs the commands give them."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest

from affectkeras import labels
from affectkeras.inference.predict import rows_to_table
from affectkeras.plots import (
    plot_au_f1,
    plot_circumplex,
    plot_confusion_matrix,
    plot_evaluation,
    plot_predictions,
    plot_timeline,
)
from affectkeras.plots.evaluation import per_au_f1
from affectkeras.plots.timeline import face_track


def drawn(path, min_width=400) -> bool:
    """A readable PNG of a useful size that is not a blank canvas."""
    image = cv2.imread(str(path))
    return image is not None and image.shape[1] >= min_width and image.std() > 20


def video_table(frames=40, faces=2, va=True, gaps=(5, 6)):
    rng = np.random.default_rng(0)
    rows = []
    for frame in range(1, frames + 1):
        if frame in gaps:
            rows.append({"image": "talk", "frame": frame, "face": -1})
            continue
        for face in range(faces if frame > 10 else 1):
            probabilities = rng.dirichlet(np.ones(8))
            row = {"image": "talk", "frame": frame, "face": face}
            row.update(
                {f"p_{n}": p for n, p in zip(labels.EXPRESSIONS, probabilities, strict=True)}
            )
            row["expression"] = int(probabilities.argmax())
            row.update({f"p_{au}": rng.uniform() for au in labels.ACTION_UNITS})
            if va:
                row["valence"], row["arousal"] = np.sin(frame / 6), np.cos(frame / 9) * 0.8
            rows.append(row)
    return rows_to_table(rows)


def test_predict_figures_for_every_face_of_a_video_and_for_stills(tmp_path):
    table = video_table()
    stills = rows_to_table(
        [
            {"image": f"p{i}.jpg", "frame": -1, "face": 0, "valence": 0.1 * i, "arousal": 0.2}
            for i in range(5)
        ]
    )
    both = pd.concat([table, stills], ignore_index=True)
    paths = plot_predictions(both, tmp_path, fps=25.0)
    assert sorted(p.name for p in paths) == [
        "stills_circumplex.png",
        "talk_face0_circumplex.png",
        "talk_face0_timeline.png",
        "talk_face1_circumplex.png",
        "talk_face1_timeline.png",
    ]
    assert all(drawn(p) for p in paths)
    # the timeline of a three-task table has three panels: taller than an expression-only one
    expression_only = table.drop(columns=[]).copy()
    expression_only[["valence", "arousal", *[f"p_{au}" for au in labels.ACTION_UNITS]]] = np.nan
    short = plot_timeline(expression_only, tmp_path / "short.png", face=0)
    assert (
        cv2.imread(str(short)).shape[0]
        < cv2.imread(str(tmp_path / "talk_face0_timeline.png")).shape[0]
    )


def test_a_face_track_has_one_row_per_frame_with_gaps_where_the_face_is_missing():
    track = face_track(video_table(), "talk", face=1)
    assert track.index.tolist() == list(range(1, 41))
    assert track["valence"].isna().sum() == 10  # face 1 appears from frame 11
    with pytest.raises(ValueError, match="2 videos"):
        two = pd.concat([video_table(), video_table().assign(image="other")])
        face_track(two)
    with pytest.raises(ValueError, match="no prediction"):
        plot_timeline(rows_to_table([{"image": "v", "frame": 1, "face": -1}]), "x.png")


def test_circumplex_accepts_gaps_and_a_single_point(tmp_path):
    t = np.linspace(0, 6, 80)
    valence, arousal = 0.7 * np.cos(t), 0.7 * np.sin(t)
    valence[20:25] = np.nan
    assert drawn(plot_circumplex(valence, arousal, tmp_path / "c.png", fps=10.0))
    assert drawn(plot_circumplex([0.2], [0.3], tmp_path / "one.png"))
    with pytest.raises(ValueError, match=r"\[T\]"):
        plot_circumplex(np.zeros((2, 2)), np.zeros((2, 2)), tmp_path / "bad.png")


def test_per_au_f1_matches_counts_and_skips_missing_entries():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, (300, 12)).astype(float)
    truth[rng.uniform(size=truth.shape) < 0.2] = -1
    truth[:, 5] = -1  # an AU nobody labelled
    predicted = np.clip(truth + rng.normal(0, 0.6, truth.shape), 0, 1)
    f1, labelled, positives = per_au_f1(truth, predicted)
    for unit in range(12):
        keep = truth[:, unit] >= 0
        assert labelled[unit] == keep.sum() and positives[unit] == (truth[:, unit] == 1).sum()
        if not keep.any():
            assert np.isnan(f1[unit])
            continue
        t, p = truth[keep, unit] == 1, predicted[keep, unit] >= 0.5
        tp, fp, fn = (t & p).sum(), (~t & p).sum(), (t & ~p).sum()
        assert f1[unit] == pytest.approx(2 * tp / (2 * tp + fp + fn))


def test_evaluation_figures_for_the_labelled_tasks(tmp_path):
    rng = np.random.default_rng(2)
    n = 400
    expression = rng.integers(0, 7, n)
    expression[:30] = -1
    probabilities = rng.dirichlet(np.ones(8), n)  # an 8-class model on 7-class data
    aus = rng.integers(0, 2, (n, 12)).astype(float)
    va = rng.uniform(-1, 1, (n, 2))
    va[:50, 1] = labels.MISSING_VA
    truth = {"expression": expression, "action_units": aus, "valence_arousal": va}
    outputs = {
        "expression": probabilities,
        "action_units": rng.uniform(size=(n, 12)),
        "valence_arousal": np.clip(va + rng.normal(0, 0.3, va.shape), -1, 1),
    }
    paths = plot_evaluation(truth, outputs, tmp_path, num_classes=7)
    assert [p.name for p in paths] == ["confusion_matrix.png", "au_f1.png", "va_density.png"]
    assert all(drawn(p) for p in paths)
    # tasks the model does not predict, or the data does not label, are skipped
    unlabelled = {**truth, "action_units": -np.ones((n, 12))}
    assert [
        p.name for p in plot_evaluation(unlabelled, {"action_units": aus}, tmp_path / "x", 7)
    ] == []
    with pytest.raises(ValueError, match="no labelled expression"):
        plot_confusion_matrix(-np.ones(5, int), np.zeros(5, int), 7, tmp_path / "e.png")
    with pytest.raises(ValueError, match="no labelled AU"):
        plot_au_f1(-np.ones((5, 12)), np.zeros((5, 12)), tmp_path / "a.png")
