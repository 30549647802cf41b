"""The SFEW 2.0 reader against Train/ and Val/ class folders, aligned faces when present."""

from __future__ import annotations

import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

# SFEW folder -> canonical index, by hand (neutral 0, anger 1, disgust 2, fear 3, happiness 4,
# sadness 5, surprise 6).
CANONICAL = {
    "Angry": 1,
    "Disgust": 2,
    "Fear": 3,
    "Happy": 4,
    "Neutral": 0,
    "Sad": 5,
    "Surprise": 6,
}
COUNTS = {
    ("Train", "Angry"): 2,
    ("Train", "Happy"): 3,
    ("Train", "Sad"): 1,
    ("Val", "Fear"): 2,
    ("Val", "Neutral"): 1,
    ("Val", "Surprise"): 1,
    ("Train", "Disgust"): 1,
}


def write_sfew(root, aligned=False):
    for (split, name), n in COUNTS.items():
        base = root / split / f"{split}_Aligned_Faces" if aligned else root / split
        for i in range(n):
            write_image(base / name / f"clip_{i:03d}.png")
        write_image(root / split / name / "frame_original.png")  # always an original frame
    (root / "Test").mkdir()  # unlabelled: not read
    return root


def expected(root, aligned):
    rows = []
    for split in ("Train", "Val"):
        for (s, name), n in sorted(COUNTS.items()):
            if s != split:
                continue
            base = root / split / f"{split}_Aligned_Faces" if aligned else root / split
            files = [f"clip_{i:03d}.png" for i in range(n)] if aligned else ["frame_original.png"]
            for f in files:
                rows.append(
                    (
                        str(base / name / f),
                        {"Train": "train", "Val": "validation"}[split],
                        CANONICAL[name],
                        name.lower(),
                    )
                )
    return rows


def as_rows(table):
    return list(
        zip(table["path"], table["split"], table["expression"], table["label_native"], strict=True)
    )


def test_sfew_reads_aligned_faces_when_present(tmp_path):
    root = write_sfew(tmp_path / "SFEW_2", aligned=True)

    assert as_rows(affectkeras.data.read(f"sfew:{root}")) == expected(root, aligned=True)
    original = affectkeras.data.read(f"sfew:{root}?images=original")
    assert as_rows(original) == expected(root, aligned=False)


def test_sfew_class_folders_without_aligned_faces(tmp_path):
    root = tmp_path / "SFEW_2"
    for (split, name), n in COUNTS.items():
        for i in range(n):
            write_image(root / split / name / f"{i}.png")

    table = affectkeras.data.read(f"sfew:{root}?split=validation")

    assert len(table) == sum(n for (s, _), n in COUNTS.items() if s == "Val")
    assert sorted(table["expression"]) == sorted(
        CANONICAL[name] for (s, name), n in COUNTS.items() if s == "Val" for _ in range(n)
    )


def test_sfew_unknown_class_folder_is_reported(tmp_path):
    root = write_sfew(tmp_path / "SFEW_2")
    (root / "Val" / "Contempt").mkdir()
    with pytest.raises(DataFormatError, match="Contempt: unknown SFEW class folder"):
        affectkeras.data.read(f"sfew:{root}")
