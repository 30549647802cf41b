"""Real-data checks on the team's experiment copies in ../shared/data (never committed).

Skipped where that folder is absent (a user's fresh clone); CI has it beside the checkout. Set
AFFECTKERAS_SHARED_DATA to point elsewhere.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

import affectkeras

SHARED_DATA = Path(
    os.environ.get(
        "AFFECTKERAS_SHARED_DATA", Path(__file__).resolve().parents[3].parent / "shared" / "data"
    )
)
FER = SHARED_DATA / "fer2013"
CKPLUS48 = SHARED_DATA / "ckplus48"

# Per-class folder counts of ../shared/data/fer2013 (folder name -> canonical expression).
FOLDER_TO_CANONICAL = {
    "angry": "anger",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happiness",
    "neutral": "neutral",
    "sad": "sadness",
    "surprise": "surprise",
}


@pytest.mark.skipif(not FER.is_dir(), reason=f"{FER} not present")
def test_fer2013_experiment_copy_has_the_official_split_sizes_and_folder_classes():
    table = affectkeras.data.read(f"fer2013:{FER}")
    assert table.groupby("split").size().to_dict() == {"train": 28709, "public_test": 3589}
    assert table.attrs["skipped"] == 0
    names = affectkeras.labels.expression_names(7)
    for split, folder in (("train", "train"), ("public_test", "public_test")):
        rows = table[table["split"] == split]
        for class_folder, canonical in FOLDER_TO_CANONICAL.items():
            on_disk = len(list((FER / folder / class_folder).glob("*.jpg")))
            labelled = int((rows["expression"] == names.index(canonical)).sum())
            assert labelled == on_disk, (split, class_folder)


# CK+48 class folder -> canonical expression (contempt has none: MISSING by default).
CKPLUS48_CANONICAL = {
    "anger": "anger",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happiness",
    "sadness": "sadness",
    "surprise": "surprise",
}


@pytest.mark.skipif(not CKPLUS48.is_dir(), reason=f"{CKPLUS48} not present")
def test_ckplus48_experiment_copy_with_labels_has_subjects_classes_and_aus():
    labels_csv = CKPLUS48 / "labels.csv"
    table = affectkeras.data.read(f"ckplus:{CKPLUS48 / 'CK+48'}?labels={labels_csv}")

    with open(labels_csv, newline="") as handle:
        rows = {str(CKPLUS48 / row["path"]): row for row in csv.DictReader(handle)}
    assert len(table) == len(rows) == 981
    assert table.attrs["skipped"] == 0 and table.attrs["unlabelled_aus"] == 0
    assert table["subject"].nunique() == 118 and table["video"].nunique() == 327
    names = affectkeras.labels.expression_names(7)
    for folder in sorted(p.name for p in (CKPLUS48 / "CK+48").iterdir()):
        on_disk = len(list((CKPLUS48 / "CK+48" / folder).glob("*.png")))
        rows_of_folder = table[table["label_native"] == folder]
        assert len(rows_of_folder) == on_disk, folder
        want = names.index(CKPLUS48_CANONICAL[folder]) if folder in CKPLUS48_CANONICAL else -1
        assert (rows_of_folder["expression"] == want).all(), folder
    for row in table.itertuples():
        source = rows[row.path]
        assert row.subject == source["subject"] and row.video == source["video"]
    for au in affectkeras.labels.ACTION_UNITS:
        from_csv = sorted(int(rows[path][au]) for path in table["path"])
        assert sorted(table[au]) == from_csv, au
        assert set(table[au]) <= {0, 1}, au
