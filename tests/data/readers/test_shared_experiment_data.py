"""Real-data checks on the team's experiment copies in ../shared/data (never committed).

Skipped where that folder is absent (a user's fresh clone); CI has it beside the checkout. Set
AFFECTKERAS_SHARED_DATA to point elsewhere.
"""

from __future__ import annotations

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
