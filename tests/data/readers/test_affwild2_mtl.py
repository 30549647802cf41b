"""The s-Aff-Wild2 (ABAW4 multi-task) reader against fixture trees in the exact ABAW4 layout.

Layout (../shared/FORMATS.md, "s-Aff-Wild2")::

    ROOT/training_set_annotations.txt       (split train)
    ROOT/validation_set_annotations.txt     (split validation)
    ROOT/cropped_aligned/<video>/<frame>.jpg

Each annotation file: one header line, then ``<video>/<frame>.jpg,valence,arousal,expression,
AU1,...,AU26``; MISSING is -5 for VA, -1 for the expression and per AU.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import affectkeras

# Written out by hand: the canonical spaces of FORMATS.md, not the package's tables.
AUS = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"]
EXPRESSION_NAMES = [
    "neutral",
    "anger",
    "disgust",
    "fear",
    "happiness",
    "sadness",
    "surprise",
    "other",
]
CANONICAL_COLUMNS = [
    "path",
    "dataset",
    "split",
    "video",
    "frame",
    "expression",
    *AUS,
    "valence",
    "arousal",
    "label_native",
]
SHORT_HEADER = "image,valence,arousal,expression,aus"
LONG_HEADER = "image,valence,arousal,expression," + ",".join(AUS)
TRAIN_FILE = "training_set_annotations.txt"
VALIDATION_FILE = "validation_set_annotations.txt"

# (image, valence, arousal, expression, 12 AUs) per line, in file order.
TRAIN_ROWS = [
    ("video1/00001.jpg", 0.25, -0.5, 4, [1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0]),
    ("video1/00002.jpg", -5, -5, 7, [0, -1, 1, -1, 0, 0, 0, 0, -1, 0, 0, 1]),
    ("video1/00003.jpg", 0.1, 0.9, -1, [-1] * 12),
    ("video2_left/00010.jpg", -0.75, 0.0, 0, [0] * 12),
]
VALIDATION_ROWS = [
    ("video3/00005.jpg", -1.0, 1.0, 6, [1] * 12),
    ("video3/00006.jpg", -5, -5, 2, [-1] * 12),
]


def write_image(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.full((8, 8, 3), 128, np.uint8))


def data_line(image: str, valence: float, arousal: float, expression: int, aus: list) -> str:
    return ",".join([image, str(valence), str(arousal), str(expression), *map(str, aus)])


def write_annotations(
    root: Path,
    name: str,
    rows: list,
    header: str = SHORT_HEADER,
    missing_images: tuple[str, ...] = (),
) -> Path:
    """Writes one annotation file and a real crop for every listed image not in missing."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    lines = [header] if header is not None else []
    lines += [data_line(*row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for row in rows:
        if row[0] not in missing_images:
            write_image(root / "cropped_aligned" / row[0])
    return path


def write_both(root: Path, header: str = SHORT_HEADER) -> None:
    write_annotations(root, TRAIN_FILE, TRAIN_ROWS, header)
    write_annotations(root, VALIDATION_FILE, VALIDATION_ROWS, header)


def expected_row(root: Path, split: str, row: tuple, classes: int = 8) -> dict:
    image, valence, arousal, expression, aus = row
    video, frame = image.split("/")
    return {
        "path": str(root / "cropped_aligned" / video / frame),
        "dataset": "affwild2-mtl",
        "split": split,
        "video": video,
        "frame": int(frame.split(".")[0]),
        "expression": expression if expression < classes else -1,
        **dict(zip(AUS, aus, strict=True)),
        "valence": float(valence),
        "arousal": float(arousal),
        "label_native": EXPRESSION_NAMES[expression] if expression >= 0 else "",
    }


def records(table) -> list[dict]:
    """The table's canonical columns as plain Python rows, sorted by path."""
    rows = []
    for record in table[CANONICAL_COLUMNS].to_dict("records"):
        rows.append(
            {
                key: value.item() if isinstance(value, np.generic) else value
                for key, value in record.items()
            }
        )
    return sorted(rows, key=lambda r: r["path"])


def read(spec: str):
    return affectkeras.data.read(spec)


# ---------------------------------------------------------------------------------- reading


@pytest.mark.parametrize("header", [SHORT_HEADER, LONG_HEADER], ids=["aus", "au-names"])
def test_mtl_reads_both_split_files_under_either_header_spelling(tmp_path, header):
    write_both(tmp_path, header)

    table = read(f"affwild2-mtl:{tmp_path}")

    expected = [expected_row(tmp_path, "train", row) for row in TRAIN_ROWS]
    expected += [expected_row(tmp_path, "validation", row) for row in VALIDATION_ROWS]
    assert records(table) == sorted(expected, key=lambda r: r["path"])
    assert set(CANONICAL_COLUMNS) <= set(table.columns)
    assert table.attrs["skipped"] == 0


def test_mtl_missing_labels_keep_their_sentinels_per_column(tmp_path):
    write_both(tmp_path)

    table = read(f"affwild2-mtl:{tmp_path}").set_index("path")

    crops = tmp_path / "cropped_aligned"
    no_va = table.loc[str(crops / "video1" / "00002.jpg")]
    assert (no_va["valence"], no_va["arousal"]) == (-5.0, -5.0)
    assert no_va["expression"] == 7
    # Only the AUs marked -1 are missing; the others keep their 0/1.
    assert [int(no_va[au]) for au in AUS] == [0, -1, 1, -1, 0, 0, 0, 0, -1, 0, 0, 1]

    no_expression = table.loc[str(crops / "video1" / "00003.jpg")]
    assert no_expression["expression"] == -1
    assert no_expression["label_native"] == ""
    assert [int(no_expression[au]) for au in AUS] == [-1] * 12
    assert (no_expression["valence"], no_expression["arousal"]) == (0.1, 0.9)


@pytest.mark.parametrize("image_exists", [True, False], ids=["with-image", "without-image"])
def test_mtl_fully_unlabelled_row_is_not_a_sample_and_not_counted_as_skipped(
    tmp_path, image_exists
):
    unlabelled = ("video9/00007.jpg", -5, -5, -1, [-1] * 12)
    missing = () if image_exists else (unlabelled[0],)
    write_annotations(tmp_path, TRAIN_FILE, [*TRAIN_ROWS, unlabelled], missing_images=missing)

    table = read(f"affwild2-mtl:{tmp_path}")

    assert len(table) == len(TRAIN_ROWS)
    assert "video9" not in set(table["video"])
    assert table.attrs["skipped"] == 0
    assert table.attrs["skipped_by_reason"].get("missing_image", 0) == 0


def test_mtl_listed_frame_without_image_is_dropped_and_counted(tmp_path):
    absent = TRAIN_ROWS[1][0]
    write_annotations(tmp_path, TRAIN_FILE, TRAIN_ROWS, missing_images=(absent,))
    write_annotations(tmp_path, VALIDATION_FILE, VALIDATION_ROWS)

    table = read(f"affwild2-mtl:{tmp_path}")

    assert len(table) == len(TRAIN_ROWS) + len(VALIDATION_ROWS) - 1
    assert str(tmp_path / "cropped_aligned" / absent) not in set(table["path"])
    assert type(table.attrs["skipped"]) is int
    assert table.attrs["skipped"] == 1
    assert table.attrs["skipped_by_reason"]["missing_image"] == 1


def test_mtl_default_is_eight_classes_with_other_kept(tmp_path):
    write_both(tmp_path)

    table = read(f"affwild2-mtl:{tmp_path}")

    assert table.attrs["expression_classes"] == 8
    other = table[table["video"] == "video1"].set_index("frame").loc[2]
    assert other["expression"] == 7
    assert other["label_native"] == "other"


def test_mtl_classes_7_turns_other_into_missing_but_keeps_native_name(tmp_path):
    write_both(tmp_path)

    table = read(f"affwild2-mtl:{tmp_path}?classes=7")

    assert table.attrs["expression_classes"] == 7
    expected = [expected_row(tmp_path, "train", row, classes=7) for row in TRAIN_ROWS]
    expected += [expected_row(tmp_path, "validation", row, classes=7) for row in VALIDATION_ROWS]
    assert records(table) == sorted(expected, key=lambda r: r["path"])
    other = table[table["video"] == "video1"].set_index("frame").loc[2]
    assert other["expression"] == -1
    assert other["label_native"] == "other"
    assert int(table["expression"].max()) <= 6


def test_mtl_split_option_keeps_only_validation(tmp_path):
    write_both(tmp_path)

    table = read(f"affwild2-mtl:{tmp_path}?split=validation")

    assert set(table["split"]) == {"validation"}
    expected = [expected_row(tmp_path, "validation", row) for row in VALIDATION_ROWS]
    assert records(table) == sorted(expected, key=lambda r: r["path"])
    assert table.attrs["expression_classes"] == 8


@pytest.mark.parametrize(
    ("name", "split", "rows"),
    [(TRAIN_FILE, "train", TRAIN_ROWS), (VALIDATION_FILE, "validation", VALIDATION_ROWS)],
)
def test_mtl_spec_path_may_be_one_annotation_file(tmp_path, name, split, rows):
    write_both(tmp_path)

    table = read(f"affwild2-mtl:{tmp_path / name}")

    expected = [expected_row(tmp_path, split, row) for row in rows]
    assert records(table) == sorted(expected, key=lambda r: r["path"])


def test_mtl_rows_carry_one_based_int_frames_face_0_and_absolute_existing_paths(tmp_path):
    write_both(tmp_path)

    table = read(f"affwild2-mtl:{tmp_path}")

    assert table["frame"].dtype.kind == "i"
    assert sorted(table["frame"]) == [1, 2, 3, 5, 6, 10]
    assert set(table["face"]) == {0}
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in table["path"])


def test_mtl_crops_option_points_at_another_folder(tmp_path):
    annotations = tmp_path / "annotations"
    write_annotations(
        annotations, TRAIN_FILE, TRAIN_ROWS, missing_images=[r[0] for r in TRAIN_ROWS]
    )
    elsewhere = tmp_path / "faces"
    for row in TRAIN_ROWS:
        write_image(elsewhere / row[0])

    table = read(f"affwild2-mtl:{annotations}?crops={elsewhere}")

    assert sorted(table["path"]) == sorted(str(elsewhere / row[0]) for row in TRAIN_ROWS)
    assert table.attrs["skipped"] == 0


def test_mtl_windows_line_endings_and_a_byte_order_mark_are_accepted(tmp_path):
    path = write_annotations(tmp_path, TRAIN_FILE, TRAIN_ROWS, header=LONG_HEADER)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))

    table = read(f"affwild2-mtl:{tmp_path}")

    expected = [expected_row(tmp_path, "train", row) for row in TRAIN_ROWS]
    assert records(table) == sorted(expected, key=lambda r: r["path"])


# ---------------------------------------------------------------------------------- errors


def test_mtl_first_line_that_is_data_is_rejected_with_line_1(tmp_path):
    path = write_annotations(tmp_path, TRAIN_FILE, TRAIN_ROWS, header=None)

    with pytest.raises(ValueError) as caught:
        read(f"affwild2-mtl:{tmp_path}")

    assert f"{path}:1:" in str(caught.value)


GOOD = "video1/00001.jpg,0.5,0.5,3,0,1,0,1,0,1,0,1,0,1,0,1"


@pytest.mark.parametrize(
    "bad_line",
    [
        pytest.param("video1/00002.jpg,0.5,0.5,3,0,1,0,1,0,1,0,1,0,1,0", id="15-fields"),
        pytest.param("video1/00002.jpg,0.5,0.5,8,0,1,0,1,0,1,0,1,0,1,0,1", id="expression-8"),
        pytest.param("video1/00002.jpg,0.5,0.5,3,0,1,0,2,0,1,0,1,0,1,0,1", id="au-2"),
        pytest.param("video1/00002.jpg,1.5,0.5,3,0,1,0,1,0,1,0,1,0,1,0,1", id="valence-1.5"),
        pytest.param("video1/00002.jpg,0.5,nan,3,0,1,0,1,0,1,0,1,0,1,0,1", id="nan"),
        pytest.param("00002.jpg,0.5,0.5,3,0,1,0,1,0,1,0,1,0,1,0,1", id="image-without-video"),
        pytest.param("video1/frame.jpg,0.5,0.5,3,0,1,0,1,0,1,0,1,0,1,0,1", id="image-not-frame"),
    ],
)
def test_mtl_bad_line_is_rejected_with_file_and_line(tmp_path, bad_line):
    path = tmp_path / VALIDATION_FILE
    path.write_text(f"{SHORT_HEADER}\n{GOOD}\n{bad_line}\n{GOOD}\n", encoding="utf-8")
    for name in ("00001.jpg", "00002.jpg"):
        write_image(tmp_path / "cropped_aligned" / "video1" / name)

    with pytest.raises(ValueError) as caught:
        read(f"affwild2-mtl:{tmp_path}")

    assert f"{path}:3:" in str(caught.value)


def test_mtl_good_twin_of_the_bad_lines_is_read(tmp_path):
    """The error cases above differ from this file in one field only."""
    path = tmp_path / VALIDATION_FILE
    path.write_text(f"{SHORT_HEADER}\n{GOOD}\n{GOOD.replace('00001', '00002')}\n", encoding="utf-8")
    for name in ("00001.jpg", "00002.jpg"):
        write_image(tmp_path / "cropped_aligned" / "video1" / name)

    table = read(f"affwild2-mtl:{tmp_path}")

    assert sorted(table["frame"]) == [1, 2]
    assert set(table["expression"]) == {3}


def test_mtl_unknown_option_is_rejected_by_name(tmp_path):
    write_both(tmp_path)

    with pytest.raises(ValueError, match="bogus_option"):
        read(f"affwild2-mtl:{tmp_path}?bogus_option=1")


# ------------------------------------------------------------ regressions found in review


def test_mtl_windows_separators_in_image_names_find_the_crops(tmp_path):
    rows = [("video1\\00001.jpg", 0.1, 0.2, 3, [0] * 12)]
    write_annotations(tmp_path, TRAIN_FILE, rows)
    write_image(tmp_path / "cropped_aligned" / "video1" / "00001.jpg")

    table = read(f"affwild2-mtl:{tmp_path}")

    assert list(table["path"]) == [str(tmp_path / "cropped_aligned" / "video1" / "00001.jpg")]
    assert list(table["video"]) == ["video1"] and table.attrs["skipped"] == 0


def test_mtl_image_listed_twice_is_rejected_naming_both_lines(tmp_path):
    rows = [TRAIN_ROWS[0], TRAIN_ROWS[1], (TRAIN_ROWS[0][0], 0.0, 0.0, 3, [0] * 12)]
    path = write_annotations(tmp_path, TRAIN_FILE, rows)

    with pytest.raises(ValueError, match="first on line 2") as caught:
        read(f"affwild2-mtl:{tmp_path}")

    assert str(caught.value).startswith(f"{path}:4:")


def test_mtl_frame_zero_is_rejected(tmp_path):
    path = write_annotations(tmp_path, TRAIN_FILE, [("video1/00000.jpg", 0.1, 0.2, 3, [0] * 12)])

    with pytest.raises(ValueError, match="frame >= 1") as caught:
        read(f"affwild2-mtl:{tmp_path}")

    assert str(caught.value).startswith(f"{path}:2:")
