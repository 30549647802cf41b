"""ABAW submission writers round-trip through their format and through the dataset readers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import affectkeras
from affectkeras.metrics import (
    MTL_HEADER,
    every_frame,
    task_header,
    write_mtl_submission,
    write_uni_task_submission,
    write_video_file,
)
from tests.helpers.affwild2 import AU_HEADER, EXPR_HEADER_7, EXPR_HEADER_8, VA_HEADER, write_crops


def read_back(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0], np.loadtxt(lines[1:], delimiter=",", ndmin=2)


def test_headers_are_the_aff_wild2_ones():
    assert task_header("expr", 7) == EXPR_HEADER_7
    assert task_header("expression", 8) == EXPR_HEADER_8
    assert task_header("au") == AU_HEADER
    assert task_header("valence_arousal") == VA_HEADER


def test_video_files_hold_a_header_and_one_line_per_frame(tmp_path):
    rng = np.random.default_rng(30)
    probs = rng.random((9, 8))
    header, values = read_back(write_video_file(tmp_path / "a.txt", "expr", probs))
    assert header == EXPR_HEADER_8
    np.testing.assert_array_equal(values[:, 0], np.argmax(probs, axis=1))

    au = rng.random((9, 12))
    header, values = read_back(write_video_file(tmp_path / "b.txt", "au", au))
    assert header == AU_HEADER
    np.testing.assert_array_equal(values, (au >= 0.5).astype(int))

    va = rng.uniform(-1, 1, (9, 2))
    header, values = read_back(write_video_file(tmp_path / "c.txt", "va", va))
    assert header == VA_HEADER
    np.testing.assert_allclose(values, va, atol=5e-7)
    with pytest.raises(ValueError, match=r"classes 0\.\.6"):
        write_video_file(tmp_path / "d.txt", "expr", np.array([0, 7]), num_classes=7)


def test_every_frame_fills_gaps_from_the_nearest_frame():
    filled = every_frame([5, 2], np.array([50, 20]), num_frames=7)
    assert filled.tolist() == [20, 20, 20, 50, 50, 50, 50]
    assert every_frame([2, 4], np.array([20, 40])).tolist() == [20, 20, 20, 40]  # tie: earlier
    with pytest.raises(ValueError, match="first frame 1"):
        every_frame([2, 3], np.array([1, 2]), fill="error")
    with pytest.raises(ValueError, match="unique"):
        every_frame([2, 2], np.array([1, 2]))


def prediction_table(rng, videos):
    rows = []
    for video, frames in videos.items():
        for frame in frames:
            row = {"video": video, "frame": frame, "expression": int(rng.integers(0, 7))}
            row.update(dict(zip(affectkeras.labels.ACTION_UNITS, rng.random(12), strict=True)))
            row["valence"], row["arousal"] = rng.uniform(-1, 1, 2)
            rows.append(row)
    table = pd.DataFrame(rows)
    # a frame without a face: empty prediction columns, filled from its neighbour
    table.loc[len(table)] = {"video": "v1", "frame": 3}
    return table


def test_uni_task_files_round_trip_through_the_affwild2_reader(tmp_path):
    rng = np.random.default_rng(31)
    videos = {"v1": [1, 2, 4, 5], "v2_left": [1, 2, 3]}
    table = prediction_table(rng, videos)
    folders = {"expr": "EXPR_Set", "au": "AU_Set", "va": "VA_Set"}
    for task, folder in folders.items():
        out = tmp_path / "annotations" / folder / "Validation_Set"
        written = write_uni_task_submission(out, task, table, num_frames={"v1": 6})
        assert [p.name for p in written] == ["v1.txt", "v2_left.txt"]
    write_crops(tmp_path, "v1", range(1, 7))
    write_crops(tmp_path, "v2_left", range(1, 4))

    read = affectkeras.data.read(f"affwild2:{tmp_path}").sort_values(["video", "frame"])
    assert read.groupby("video")["frame"].apply(list).to_dict() == {
        "v1": [1, 2, 3, 4, 5, 6],
        "v2_left": [1, 2, 3],
    }
    labelled = table.dropna().set_index(["video", "frame"])
    source = {"v1": [1, 2, 2, 4, 5, 5], "v2_left": [1, 2, 3]}  # frame whose prediction is used
    expected = pd.concat(
        [labelled.loc[[(video, f) for f in frames]] for video, frames in source.items()]
    )
    np.testing.assert_array_equal(read["expression"], expected["expression"])
    aus = list(affectkeras.labels.ACTION_UNITS)
    np.testing.assert_array_equal(read[aus], (expected[aus] >= 0.5).astype(int))
    np.testing.assert_allclose(
        read[["valence", "arousal"]], expected[["valence", "arousal"]], atol=5e-7
    )


def test_mtl_csv_round_trips_through_the_affwild2_mtl_reader(tmp_path):
    rng = np.random.default_rng(32)
    images = [f"vid{v}/{f:05d}.jpg" for v in (1, 2) for f in range(1, 4)]
    va = rng.uniform(-1, 1, (6, 2))
    expression = rng.random((6, 8))
    aus = rng.random((6, 12))
    path = write_mtl_submission(
        tmp_path / "validation_set_annotations.txt", images, va, expression, aus
    )
    lines = path.read_text().splitlines()
    assert lines[0] == MTL_HEADER and len(lines) == 7
    assert all(len(line.split(",")) == 16 for line in lines[1:])
    for video in ("vid1", "vid2"):
        write_crops(tmp_path, video, range(1, 4))

    read = affectkeras.data.read(f"affwild2-mtl:{tmp_path}")
    read = read.sort_values(["video", "frame"]).reset_index(drop=True)
    np.testing.assert_allclose(read[["valence", "arousal"]], va, atol=5e-7)
    np.testing.assert_array_equal(read["expression"], np.argmax(expression, axis=1))
    np.testing.assert_array_equal(
        read[list(affectkeras.labels.ACTION_UNITS)], (aus >= 0.5).astype(int)
    )
    with pytest.raises(ValueError, match="disagree"):
        write_mtl_submission(tmp_path / "x.csv", images[:2], va, expression, aus)


def test_trailing_frames_without_a_prediction_are_filled_not_dropped(tmp_path):
    # frames 3 and 4 are in the table (no face found) but have no prediction: the file must
    # still hold all 4 frames, as the docstring says ("each video's last frame in the table")
    table = pd.DataFrame(
        {
            "video": ["v"] * 4,
            "frame": [1, 2, 3, 4],
            "valence": [0.5, 0.25, None, None],
            "arousal": [0.0, 0.1, None, None],
        }
    )
    (path,) = write_uni_task_submission(tmp_path, "va", table)
    assert path.read_text().splitlines()[1:] == ["0.500000,0.000000"] + ["0.250000,0.100000"] * 3
