"""The RAF-DB reader against the basic set's layout: EmoLabel/list_patition_label.txt (sic)."""

from __future__ import annotations

import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

# RAF-DB code -> canonical index (neutral 0, anger 1, disgust 2, fear 3, happiness 4,
# sadness 5, surprise 6), by hand from FORMATS.md: 1 Surprise ... 7 Neutral.
CANONICAL = {1: 6, 2: 3, 3: 2, 4: 4, 5: 5, 6: 1, 7: 0}
NATIVE = {
    1: "surprise",
    2: "fear",
    3: "disgust",
    4: "happiness",
    5: "sadness",
    6: "anger",
    7: "neutral",
}
LINES = [
    ("train_00001.jpg", 5),
    ("train_00002.jpg", 1),
    ("train_00003.jpg", 2),
    ("train_00004.jpg", 3),
    ("train_00005.jpg", 4),
    ("test_0001.jpg", 6),
    ("test_0002.jpg", 7),
    ("test_0003.jpg", 4),
]
GONE_ALIGNED = {"train_00003.jpg"}


def write_rafdb(root):
    label = root / "EmoLabel" / "list_patition_label.txt"
    label.parent.mkdir(parents=True)
    label.write_text("".join(f"{name} {code}\n" for name, code in LINES))
    for name, _ in LINES:
        write_image(root / "Image" / "original" / name)
        if name not in GONE_ALIGNED:
            write_image(root / "Image" / "aligned" / name.replace(".jpg", "_aligned.jpg"))
    return root


def test_rafdb_aligned_maps_labels_and_splits_by_prefix(tmp_path):
    root = write_rafdb(tmp_path / "basic")

    table = affectkeras.data.read(f"rafdb:{root}")

    kept = [(n, c) for n, c in LINES if n not in GONE_ALIGNED]
    assert list(table["path"]) == [
        str(root / "Image" / "aligned" / n.replace(".jpg", "_aligned.jpg")) for n, _ in kept
    ]
    assert list(table["expression"]) == [CANONICAL[c] for _, c in kept]
    assert list(table["label_native"]) == [NATIVE[c] for _, c in kept]
    assert list(table["split"]) == [n.split("_")[0] for n, _ in kept]
    assert table.attrs["skipped_by_reason"] == {"missing_image": 1}
    assert (table["AU12"] == -1).all() and (table["valence"] == -5).all()


def test_rafdb_original_images_and_test_split(tmp_path):
    root = write_rafdb(tmp_path / "basic")

    table = affectkeras.data.read(f"rafdb:{root}?images=original&split=test")

    tests = [(n, c) for n, c in LINES if n.startswith("test_")]
    assert list(table["path"]) == [str(root / "Image" / "original" / n) for n, _ in tests]
    assert list(table["expression"]) == [CANONICAL[c] for _, c in tests]


def test_rafdb_bad_label_line_is_reported(tmp_path):
    root = write_rafdb(tmp_path / "basic")
    label = root / "EmoLabel" / "list_patition_label.txt"
    label.write_text(label.read_text() + "test_0004.jpg 8\n")

    with pytest.raises(DataFormatError, match=r"list_patition_label.txt:9: expected"):
        affectkeras.data.read(f"rafdb:{root}")
