"""The AffectNet reader against CSVs in the released layout (training.csv with a header,
validation.csv without one), including codes 8-10, -2 valence/arousal and contempt."""

from __future__ import annotations

import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

HEADER = (
    "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,"
    "expression,valence,arousal"
)
# AffectNet code -> canonical index (neutral 0, anger 1, disgust 2, fear 3, happiness 4,
# sadness 5, surprise 6), written by hand from FORMATS.md; 7 contempt, 8-10 not expressions.
CANONICAL = {0: 0, 1: 4, 2: 5, 3: 6, 4: 3, 5: 2, 6: 1}
NATIVE = {
    0: "neutral",
    1: "happy",
    2: "sad",
    3: "surprise",
    4: "fear",
    5: "disgust",
    6: "anger",
    7: "contempt",
    8: "none",
    9: "uncertain",
    10: "no-face",
}
# (image, x, y, w, h, code, valence, arousal) per split; "gone" images are not written.
ROWS = {
    "train": [
        ("689/a.jpg", 10, 12, 100, 110, 0, 0.1, -0.2),
        ("689/b.jpg", 0, 0, 50, 60, 1, 0.9, 0.5),
        ("690/c.JPG", 5, 6, 70, 71, 2, -0.6, 0.3),
        ("690/d.jpg", 1, 2, 3, 4, 3, 0.2, 0.8),
        ("690/e.jpg", 7, 7, 9, 9, 4, -0.3, 0.7),
        ("691/f.png", 3, 3, 30, 30, 5, -0.7, 0.4),
        ("691/g.jpg", 4, 5, 40, 41, 6, -0.5, 0.6),
        ("691/h.jpg", 2, 2, 20, 20, 7, -0.1, 0.2),
        ("691/i.jpg", 9, 9, 90, 90, 8, 0.05, -0.15),  # None: VA kept
        ("692/j.jpg", 1, 1, 10, 10, 9, -2, -2),  # Uncertain, no VA: no label
        ("692/k.jpg", 1, 1, 10, 10, 10, -2, -2),  # No-Face: no label
        ("692/gone.jpg", 1, 1, 10, 10, 1, 0.4, 0.4),  # image missing
        ("692/l.jpg", 8, 8, 80, 80, 3, -2, -2),  # expression only
    ],
    "validation": [
        ("700/m.jpg", 11, 12, 13, 14, 6, -0.8, 0.9),
        ("700/n.jpg", 15, 16, 17, 18, 7, -0.4, 0.1),
        ("700/o.jpg", 19, 20, 21, 22, 8, 1.0, -1.0),
    ],
}
NO_LABEL = {"692/j.jpg", "692/k.jpg"}
GONE = {"692/gone.jpg"}


def landmarks(seed: int) -> str:
    return ";".join(f"{seed + i * 1.5:.2f}" for i in range(136))


def write_affectnet(root, rows=ROWS):
    for split, name in (("train", "training.csv"), ("validation", "validation.csv")):
        lines = [HEADER] if split == "train" else []  # the released validation.csv has no header
        for i, (image, x, y, w, h, code, v, a) in enumerate(rows[split]):
            lines.append(f"{image},{x},{y},{w},{h},{landmarks(i)},{code},{v},{a}")
            if image not in GONE:
                write_image(root / "Manually_Annotated_Images" / image)
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def expected(contempt="missing", classes=7):
    rows = []
    for split, entries in ROWS.items():
        for image, x, y, w, h, code, v, a in entries:
            if image in NO_LABEL or image in GONE:
                continue
            if code in CANONICAL:
                expression = CANONICAL[code]
            elif code == 7 and contempt == "other" and classes == 8:
                expression = 7
            else:
                expression = -1
            va = (-5.0, -5.0) if v == -2 else (v, a)
            rows.append((split, image, (x, y, w, h), expression, va, NATIVE[code]))
    return rows


def rows_of(table, root):
    prefix = str(root / "Manually_Annotated_Images") + "/"
    return [
        (
            r.split,
            r.path.removeprefix(prefix),
            (r.box_x, r.box_y, r.box_w, r.box_h),
            r.expression,
            (r.valence, r.arousal),
            r.label_native,
        )
        for r in table.itertuples()
    ]


def test_affectnet_maps_codes_va_boxes_and_drops_unlabelled_rows(tmp_path):
    root = write_affectnet(tmp_path / "AffectNet")

    table = affectkeras.data.read(f"affectnet:{root}")

    assert rows_of(table, root) == expected()
    assert table.attrs["expression_classes"] == 7
    assert table.attrs["skipped_by_reason"] == {"no_label": 2, "missing_image": 1}
    assert (table[["AU1", "AU26"]] == -1).all().all()
    assert (table["frame"] == -1).all() and (table["video"] == "").all()


def test_affectnet_contempt_other_gives_8_classes(tmp_path):
    root = write_affectnet(tmp_path / "AffectNet")

    table = affectkeras.data.read(f"affectnet:{root}?contempt=other")

    assert rows_of(table, root) == expected("other", 8)
    assert table.attrs["expression_classes"] == 8
    assert (table.loc[table["label_native"] == "contempt", "expression"] == 7).all()


def test_affectnet_contempt_other_with_7_classes_is_refused(tmp_path):
    root = write_affectnet(tmp_path / "AffectNet")
    with pytest.raises(ValueError, match="contempt=other needs classes=8"):
        affectkeras.data.read(f"affectnet:{root}?contempt=other&classes=7")


def test_affectnet_split_option_and_single_file_path(tmp_path):
    root = write_affectnet(tmp_path / "AffectNet")

    validation = affectkeras.data.read(f"affectnet:{root}?split=validation")
    single = affectkeras.data.read(f"affectnet:{root / 'validation.csv'}")

    assert list(validation["split"]) == ["validation"] * 3
    assert list(single["path"]) == list(validation["path"])
    assert list(single["expression"]) == [1, -1, -1]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("700/m.jpg,1,2,3,4,0;0,11,0.1,0.1", "expression '11' is not an AffectNet code"),
        ("700/m.jpg,1,2,3,4,0;0,3,1.5,0.1", "valence/arousal 1.5,0.1 must be in \\[-1, 1\\] or -2"),
        ("700/m.jpg,1,x,3,4,0;0,3,0.5,0.1", "face_y 'x' is not a number"),
        ("700/m.jpg,1,2,3", "face_height '' is not a number"),
    ],
)
def test_affectnet_bad_line_names_file_and_line(tmp_path, line, message):
    root = write_affectnet(tmp_path / "AffectNet")
    path = root / "validation.csv"
    lines = path.read_text().splitlines()
    lines.insert(1, line)
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(DataFormatError, match=f"validation.csv:2: {message}"):
        affectkeras.data.read(f"affectnet:{root}")


def test_affectnet_wrong_header_is_reported(tmp_path):
    root = write_affectnet(tmp_path / "AffectNet")
    path = root / "training.csv"
    path.write_text(path.read_text().replace("face_x", "facex", 1))
    with pytest.raises(DataFormatError, match=r"training\.csv:1: unexpected header"):
        affectkeras.data.read(f"affectnet:{root}")
