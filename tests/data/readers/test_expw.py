"""The ExpW reader against label/label.lst: one row per face, boxes from top/left/right/bottom."""

from __future__ import annotations

import numpy as np
import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

# ExpW code -> canonical index, by hand from FORMATS.md (0 angry ... 6 neutral).
CANONICAL = {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 0}
NATIVE = {0: "angry", 1: "disgust", 2: "fear", 3: "happy", 4: "sad", 5: "surprise", 6: "neutral"}
# image, face id, top, left, right, bottom, confidence, expression
LINES = [
    ("afraid_African_214.jpg", 0, 28, 113, 226, 141, 69.0, 2),
    ("afraid_African_214.jpg", 1, 50, 10, 60, 110, 41.5, 6),  # a second face of one image
    ("angry_Asian_1.jpg", 0, 5, 6, 50, 70, 12.25, 0),
    ("happy_x.jpg", 0, 1, 2, 3, 4, 9.0, 3),
    ("sad_y.jpg", 0, 0, 0, 20, 30, 5.0, 4),
    ("surprised_z.jpg", 0, 3, 4, 40, 50, 8.0, 5),
    ("disgust_w.jpg", 0, 9, 9, 30, 40, 7.0, 1),
    ("gone.jpg", 0, 1, 1, 9, 9, 1.0, 3),
    ("flat_box.jpg", 0, 10, 20, 20, 30, 1.0, 3),  # right == left: empty box
]


def write_expw(root, lines=LINES):
    (root / "label").mkdir(parents=True)
    text = "".join(" ".join(str(v) for v in line) + "\n" for line in lines)
    (root / "label" / "label.lst").write_text(text)
    for line in lines:
        if line[0] != "gone.jpg":
            write_image(root / "image" / "origin" / line[0])
    return root


def test_expw_one_row_per_face_with_boxes_and_labels(tmp_path):
    root = write_expw(tmp_path / "ExpW")

    table = affectkeras.data.read(f"expw:{root}")

    kept = [line for line in LINES if line[0] not in ("gone.jpg", "flat_box.jpg")]
    assert list(table["path"]) == [str(root / "image" / "origin" / line[0]) for line in kept]
    assert list(table["face"]) == [line[1] for line in kept]
    boxes = table[["box_x", "box_y", "box_w", "box_h"]].to_numpy()
    np.testing.assert_array_equal(
        boxes,
        [(left, top, right - left, bottom - top) for _, _, top, left, right, bottom, *_ in kept],
    )
    assert list(table["face_confidence"]) == [line[6] for line in kept]
    assert list(table["expression"]) == [CANONICAL[line[7]] for line in kept]
    assert list(table["label_native"]) == [NATIVE[line[7]] for line in kept]
    assert set(table["split"]) == {"train"}
    assert table.attrs["skipped_by_reason"] == {"missing_image": 1, "empty_box": 1}


def test_expw_bad_line_is_reported(tmp_path):
    root = write_expw(tmp_path / "ExpW", [*LINES[:2], ("x.jpg", 0, 1, 2, 3, 4, 5.0, 7)])
    with pytest.raises(DataFormatError, match=r"label.lst:3: face id must be"):
        affectkeras.data.read(f"expw:{root}")
    (root / "label" / "label.lst").write_text("a.jpg 0 1 2 3 4 5.0 3\nb.jpg 0 1 2 3\n")
    with pytest.raises(DataFormatError, match=r"label.lst:2: expected '<image> <face_id>"):
        affectkeras.data.read(f"expw:{root}")
