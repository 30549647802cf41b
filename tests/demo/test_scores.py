"""The numbers the demo prints: trivial baselines, clip scores and the serving check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from affectkeras import labels
from affectkeras.data.synthetic import make_video
from affectkeras.demo.baselines import majority_class, trivial_scores
from affectkeras.demo.clip import Clip, clip_scores, matched_rows
from affectkeras.demo.run import serving_difference
from affectkeras.metrics import abaw_scores


@pytest.mark.jax
def test_trivial_scores_match_sklearn_and_hand_counts():
    rng = np.random.default_rng(3)
    expression = rng.choice([-1, 0, 0, 0, 1, 4, 6], size=200)
    aus = rng.choice([-1, 0, 0, 1], size=(200, 12))
    aus[:, 5] = -1  # an AU nobody labelled is left out of au_f1
    va = rng.uniform(-1, 1, (200, 2))
    va[rng.uniform(size=200) < 0.2] = labels.MISSING_VA
    truth = {"expression": expression, "action_units": aus, "valence_arousal": va}

    scores = trivial_scores(truth, num_classes=8)

    labelled = expression[expression >= 0]
    constant = np.zeros_like(labelled)  # class 0 is the most frequent by construction
    assert majority_class(expression) == 0
    assert scores["expr_acc"] == pytest.approx(np.mean(labelled == 0))
    expected_f1 = f1_score(labelled, constant, average="macro", labels=range(8), zero_division=0)
    assert scores["expr_f1"] == pytest.approx(expected_f1)
    per_au = []
    for k in range(12):
        column = aus[:, k][aus[:, k] >= 0]
        if column.size:
            positives = (column == 1).sum()
            per_au.append(2 * positives / (2 * positives + (column == 0).sum()))
    assert len(per_au) == 11
    assert scores["au_f1"] == pytest.approx(np.mean(per_au))
    assert scores["va_ccc"] == pytest.approx(0.0, abs=1e-12)
    assert scores["mtl_p"] == pytest.approx(expected_f1 + np.mean(per_au))


@pytest.mark.jax
def test_trivial_scores_answer_the_given_class():
    truth = {"expression": np.array([0, 0, 3, 3, 3])}
    assert trivial_scores(truth, 7)["expr_acc"] == pytest.approx(0.6)
    assert trivial_scores(truth, 7, majority=0)["expr_acc"] == pytest.approx(0.4)


def predict_rows(video, frames, boxes, distractor_frame):
    """A predict table for ``frames`` (1-based): the true face (right labels) at ``boxes``,
    plus a far-away false detection (wrong labels) in ``distractor_frame``."""
    rows = []
    for frame in frames:
        i = frame - 1
        x, y, w, h = boxes[i]
        truth_row = {
            "image": "clip",
            "frame": frame,
            "box_x": x + 5,
            "box_y": y + 8,
            "box_w": w - 10,
            "box_h": h - 12,
            "expression": int(video.expression[i]),
            "valence": float(video.va[i, 0]),
            "arousal": float(video.va[i, 1]),
            **dict(zip(labels.ACTION_UNITS, video.aus[i].tolist(), strict=True)),
        }
        found = [truth_row]
        if frame == distractor_frame:
            wrong = {**truth_row, "box_x": 400, "box_y": 10, "expression": 7}
            wrong.update(valence=-0.9, arousal=-0.9)
            found.insert(0, wrong)
        rows += [{**row, "face": face} for face, row in enumerate(found)]
    rows.append({"image": "clip", "frame": frames[-1] + 1, "face": -1})  # no face found
    return pd.DataFrame(rows)


@pytest.mark.jax
def test_clip_scores_take_the_row_on_the_pasted_face_and_match_abaw_scores():
    video = make_video(seed=0, index=5, frames=40)
    boxes = np.array([[100 + t, 120, 100, 100] for t in range(40)])
    found = list(range(1, 39))  # frames 39 and 40: not detected (39 is a face-less row)
    table = predict_rows(video, found, boxes, distractor_frame=4)
    clip = Clip(path=None, video=video, boxes=boxes)

    matched = matched_rows(table, boxes)
    assert sorted(matched) == [f - 1 for f in found]
    assert table.loc[matched[3], "face"] == 1  # frame 4: the pasted face, not the distractor

    scores = clip_scores(table, clip, num_classes=8, majority=0)
    frames = np.array(found) - 1
    expected = abaw_scores(
        expression_true=video.expression[frames],
        expression_pred=video.expression[frames],
        au_true=video.aus[frames],
        au_pred=video.aus[frames].astype(float),
        va_true=video.va[frames],
        va_pred=video.va[frames],
        num_classes=8,
    )
    assert scores["frames"] == 40 and scores["found"] == 38
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value), key
    assert scores["expr_acc"] == 1.0
    assert scores["trivial"]["expr_acc"] == pytest.approx(np.mean(video.expression[frames] == 0))


@pytest.mark.jax
def test_clip_scores_leave_out_tasks_the_model_does_not_predict_and_unfound_faces():
    video = make_video(seed=0, index=6, frames=10)
    boxes = np.array([[50, 50, 100, 100]] * 10)
    table = predict_rows(video, list(range(1, 10)), boxes, distractor_frame=0)
    table[list(labels.ACTION_UNITS)] = np.nan
    scores = clip_scores(table, Clip(None, video, boxes), num_classes=8, majority=0)
    assert "expr_acc" in scores and "va_ccc" in scores and "au_f1" not in scores
    assert "au_f1" not in scores["trivial"]

    elsewhere = np.array([[300, 200, 80, 80]] * 10)
    nothing = clip_scores(table, Clip(None, video, elsewhere), num_classes=8, majority=0)
    assert nothing == {"frames": 10, "found": 0}


@pytest.mark.jax
def test_serving_difference_reads_both_rest_layouts():
    expected = {
        "expression": np.array([[0.2, 0.8], [0.6, 0.4]]),
        "valence_arousal": np.array([[0.1, -0.1], [0.0, 0.5]]),
    }
    rows = {
        "predictions": [
            {"expression": [0.2, 0.8], "valence_arousal": [0.1, -0.1]},
            {"expression": [0.6, 0.4], "valence_arousal": [0.0, 0.53]},
        ]
    }
    assert serving_difference(rows, expected) == pytest.approx(0.03)
    columns = {"outputs": {name: value.tolist() for name, value in expected.items()}}
    assert serving_difference(columns, expected) == 0.0
    with pytest.raises(ValueError, match="lacks output 'action_units'"):
        serving_difference(columns, {**expected, "action_units": np.zeros((2, 12))})
