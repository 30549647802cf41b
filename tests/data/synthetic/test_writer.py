"""``write_affwild2``: the readers read what it writes, with the counts it reports."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import affectkeras
from affectkeras import labels
from affectkeras.data.synthetic import write_affwild2
from affectkeras.data.synthetic.writer import split_videos, video_tasks

AU_HEADER = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26"
EXPR_HEADER_8 = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "aw"
    summary = write_affwild2(out, videos=7, frames=40, seed=3, size=64, progress=False)
    return out, summary


def digests(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_layout_headers_and_sentinels(tree):
    out, summary = tree
    expr = sorted((out / "annotations" / "EXPR_Set").glob("*/*.txt"))
    assert {p.parent.name for p in expr} == {"Train_Set", "Validation_Set"}
    lines = expr[0].read_text().splitlines()
    assert lines[0] == EXPR_HEADER_8 and len(lines) == 41
    assert set(lines[1:]) <= {str(v) for v in range(-1, 8)}
    au_lines = next((out / "annotations" / "AU_Set").glob("*/*.txt")).read_text().splitlines()
    assert au_lines[0] == AU_HEADER and all(len(line.split(",")) == 12 for line in au_lines[1:])
    va_lines = next((out / "annotations" / "VA_Set").glob("*/*.txt")).read_text().splitlines()
    assert va_lines[0] == "valence,arousal"
    values = np.array([[float(v) for v in line.split(",")] for line in va_lines[1:]])
    assert np.all((np.abs(values) <= 1) | (values == -5))
    mtl = (out / "training_set_annotations.txt").read_text().splitlines()
    assert mtl[0].split(",") == ["image", "valence", "arousal", "expression", *labels.ACTION_UNITS]
    assert all(len(line.split(",")) == 16 for line in mtl[1:])
    crops = sorted((out / "cropped_aligned").glob("*/*.jpg"))
    assert crops[0].name == "00001.jpg"
    assert sum(c.crops for c in summary.splits.values()) == len(crops)


def test_affwild2_reader_finds_the_reported_counts(tree):
    out, summary = tree
    table = affectkeras.data.read(f"affwild2:{out}")
    assert table.attrs["expression_classes"] == 8
    assert table.attrs["skipped"] == sum(c.skipped for c in summary.splits.values())
    for split, counts in summary.splits.items():
        rows = table[table["split"] == split]
        assert len(rows) == counts.rows
        assert (rows["expression"] >= 0).sum() == counts.expr
        assert (rows[list(labels.ACTION_UNITS)] >= 0).any(axis=1).sum() == counts.au
        assert (rows["valence"] != -5).sum() == counts.va
        all_three = (
            (rows["expression"] >= 0)
            & (rows[list(labels.ACTION_UNITS)] >= 0).all(axis=1)
            & (rows["valence"] != -5)
        )
        assert all_three.sum() == counts.all_three


def test_mtl_reader_agrees_with_the_uni_task_reader(tree):
    out, summary = tree
    uni = affectkeras.data.read(f"affwild2:{out}")
    mtl = affectkeras.data.read(f"affwild2-mtl:{out}")
    assert mtl.attrs["skipped"] == 0
    assert len(mtl) == sum(c.rows for c in summary.splits.values())
    key = ["split", "video", "frame"]
    columns = [*key, "expression", *labels.ACTION_UNITS, "valence", "arousal"]
    a = uni[columns].sort_values(key, ignore_index=True)
    b = mtl[columns].sort_values(key, ignore_index=True)
    np.testing.assert_array_equal(a[key].to_numpy(), b[key].to_numpy())
    np.testing.assert_array_equal(a[columns[3:-2]].to_numpy(), b[columns[3:-2]].to_numpy())
    np.testing.assert_allclose(a[["valence", "arousal"]], b[["valence", "arousal"]], atol=1e-6)


def test_from_six_videos_every_task_is_labelled_in_both_splits(tmp_path):
    summary = write_affwild2(tmp_path / "six", videos=6, frames=30, size=32, progress=False)
    for counts in summary.splits.values():
        assert counts.expr > 0 and counts.au > 0 and counts.va > 0 and counts.all_three > 0
    assert summary.splits["validation"].videos == 2


def test_identities_are_disjoint_between_splits(tree):
    out, summary = tree
    train = {v["video"] for v in summary.videos if v["split"] == "train"}
    validation = {v["video"] for v in summary.videos if v["split"] == "validation"}
    assert train and validation and not train & validation
    table = affectkeras.data.read(f"affwild2:{out}")
    assert not set(table[table.split == "train"].video) & set(
        table[table.split == "validation"].video
    )


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    kwargs = dict(videos=3, frames=12, size=48, progress=False)
    write_affwild2(tmp_path / "a", seed=8, **kwargs)
    write_affwild2(tmp_path / "b", seed=8, **kwargs)
    write_affwild2(tmp_path / "c", seed=9, **kwargs)
    first = digests(tmp_path / "a")
    assert first == digests(tmp_path / "b")
    assert first != digests(tmp_path / "c")
    # Rewriting over an earlier tree replaces it, still byte-identical.
    write_affwild2(tmp_path / "a", seed=8, **kwargs)
    assert digests(tmp_path / "a") == first
    assert json.loads((tmp_path / "a" / "synth.json").read_text())["seed"] == 8


def test_refuses_to_replace_a_folder_that_is_not_a_synthetic_tree(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not empty"):
        write_affwild2(tmp_path, videos=2, frames=2, progress=False)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"videos": 1}, "videos"),
        ({"frames": 0}, "frames"),
        ({"size": 16}, "size"),
        ({"workers": 0}, "workers"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        write_affwild2(tmp_path / "x", progress=False, **{"videos": 2, "frames": 2, **kwargs})


def test_split_and_task_patterns():
    assert split_videos(6) == {"train": [0, 1, 2, 3], "validation": [4, 5]}
    assert split_videos(2) == {"train": [0], "validation": [1]}
    assert video_tasks(0) == ("expr", "au", "va")
    assert {task for p in range(1, 8) for task in video_tasks(p)} == {"expr", "au", "va"}


def test_workers_write_the_same_bytes(tmp_path):
    kwargs = dict(videos=3, frames=6, size=32, seed=2, progress=False)
    write_affwild2(tmp_path / "one", **kwargs)
    write_affwild2(tmp_path / "two", workers=2, **kwargs)
    assert digests(tmp_path / "one") == digests(tmp_path / "two")
