"""The Aff-Wild2 uni-task reader against fixture trees in the exact ABAW layouts."""

from __future__ import annotations

import numpy as np
import pytest

import affectkeras
from tests.helpers.affwild2 import (
    AU_HEADER,
    EXPR_HEADER_7,
    EXPR_HEADER_8,
    VA_HEADER,
    annotation_path,
    write_annotation,
    write_crops,
    write_text,
)

AUS = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"]
NAMES_8 = ["neutral", "anger", "disgust", "fear", "happiness", "sadness", "surprise", "other"]

# The labels of the fixture, written once here; files and expectations both derive from them.
EXPR = {
    ("train", "v1"): [0, 4, -1, 6, 2, 1],
    ("train", "v2_left"): [3, 3, 5],
    ("train", "v2_right"): [0, -1, 1],
    ("validation", "v4"): [5, 6],
}
AU = {
    ("train", "v1"): [
        [1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0],
        [0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0],
        [-1] * 12,
        [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
        [-1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0],
        [0] * 12,
    ],
    ("train", "v5"): [[1] * 12, [0] * 12],
}
VA = {
    ("train", "v3"): [(0.5, -0.2), (-5, -5), (0.1, 0.9)],
    ("validation", "v1"): [(0.25, 0.75), (-0.5, 0.0)],
}
MISSING_CROPS = {("v1", 6), ("v3", 3)}
FRAMES = {"v1": 6, "v2_left": 3, "v2_right": 3, "v3": 3, "v4": 2, "v5": 2}


def write_fixture(root, naming="abaw2", expr_header=EXPR_HEADER_7):
    for (split, video), codes in EXPR.items():
        write_annotation(root, "expr", split, video, expr_header, codes, naming)
    for (split, video), rows in AU.items():
        write_annotation(root, "au", split, video, AU_HEADER, rows, naming)
    for (split, video), rows in VA.items():
        write_annotation(root, "va", split, video, VA_HEADER, rows, naming)
    for video, n in FRAMES.items():
        write_crops(
            root, video, range(1, n + 1), missing={f for v, f in MISSING_CROPS if v == video}
        )


def expected_rows(num_classes=7):
    """(split, video, frame) -> labels, merged by hand from the dicts above."""
    rows = {}

    def row(key):
        return rows.setdefault(
            key, {"expression": -1, "au": [-1] * 12, "va": (-5.0, -5.0), "native": ""}
        )

    for (split, video), codes in EXPR.items():
        for frame, code in enumerate(codes, start=1):
            if code != -1:
                row((split, video, frame))["expression"] = code if code < num_classes else -1
                row((split, video, frame))["native"] = NAMES_8[code]
    for (split, video), values in AU.items():
        for frame, aus in enumerate(values, start=1):
            if any(v != -1 for v in aus):
                row((split, video, frame))["au"] = list(aus)
    for (split, video), values in VA.items():
        for frame, va in enumerate(values, start=1):
            if va != (-5, -5):
                row((split, video, frame))["va"] = tuple(float(v) for v in va)
    kept = {k: v for k, v in rows.items() if (k[1], k[2]) not in MISSING_CROPS}
    return kept, len(rows) - len(kept)


def rows_of(table):
    return {
        (r.split, r.video, r.frame): {
            "expression": r.expression,
            "au": [getattr(r, au) for au in AUS],
            "va": (r.valence, r.arousal),
            "native": r.label_native,
        }
        for r in table.itertuples()
    }


@pytest.mark.parametrize("naming", ["abaw2", "abaw3"])
def test_task_sets_merge_into_one_row_per_split_video_frame(tmp_path, naming):
    write_fixture(tmp_path, naming)
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    expected, skipped = expected_rows()
    assert rows_of(table) == expected
    assert len(table) == len(expected)
    assert table.attrs["skipped"] == skipped == 2
    assert table.attrs["skipped_by_reason"] == {"missing_image": 2}
    assert table.attrs["expression_classes"] == 7


def test_rows_point_at_the_five_digit_crop_of_their_frame(tmp_path):
    write_fixture(tmp_path)
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    for r in table.itertuples():
        assert r.path == str(tmp_path / "cropped_aligned" / r.video / f"{r.frame:05d}.jpg")
    assert set(table["dataset"]) == {"affwild2"}
    assert (table["face"] == 0).all() and (table["subject"] == "").all()
    assert table[["box_x", "box_y", "box_w", "box_h"]].isna().all().all()


def test_left_and_right_suffixes_are_separate_videos(tmp_path):
    write_fixture(tmp_path)
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    left = table[table["video"] == "v2_left"].sort_values("frame")
    right = table[table["video"] == "v2_right"].sort_values("frame")
    assert left["expression"].tolist() == [3, 3, 5]
    assert right["frame"].tolist() == [1, 3] and right["expression"].tolist() == [0, 1]


def test_a_frame_labelled_in_two_task_sets_carries_both(tmp_path):
    write_fixture(tmp_path)
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    row = table[(table["video"] == "v1") & (table["frame"] == 2) & (table["split"] == "train")]
    assert len(row) == 1
    assert row["expression"].item() == 4 and row["label_native"].item() == "happiness"
    assert row[AUS].to_numpy().tolist() == [AU[("train", "v1")][1]]
    assert row[["valence", "arousal"]].to_numpy().tolist() == [[-5.0, -5.0]]


def test_one_video_in_train_for_a_task_and_validation_for_another_keeps_both_rows(tmp_path):
    write_fixture(tmp_path)
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    frame1 = table[(table["video"] == "v1") & (table["frame"] == 1)].set_index("split")
    assert sorted(frame1.index) == ["train", "validation"]
    assert frame1.loc["validation", "valence"] == 0.25
    assert frame1.loc["validation", "expression"] == -1
    assert frame1.loc["train", "expression"] == 0


def test_an_au_missing_on_its_own_stays_missing_per_au(tmp_path):
    write_fixture(tmp_path)
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    row = table[(table["video"] == "v1") & (table["frame"] == 5) & (table["split"] == "train")]
    assert row["AU1"].item() == -1 and row["AU4"].item() == 1 and row["AU2"].item() == 0


def test_eight_class_header_gives_an_eight_class_table_and_classes_7_hides_other(tmp_path):
    write_fixture(tmp_path, "abaw3", EXPR_HEADER_8)
    write_annotation(tmp_path, "expr", "train", "v5", EXPR_HEADER_8, [7, 7], "abaw3")
    eight = affectkeras.data.read(f"affwild2:{tmp_path}")
    assert eight.attrs["expression_classes"] == 8
    v5 = eight[eight["video"] == "v5"]
    assert v5["expression"].tolist() == [7, 7] and v5["label_native"].tolist() == ["other"] * 2
    seven = affectkeras.data.read(f"affwild2:{tmp_path}?classes=7")
    assert seven.attrs["expression_classes"] == 7
    v5 = seven[seven["video"] == "v5"]
    assert v5["expression"].tolist() == [-1, -1] and v5["label_native"].tolist() == ["other"] * 2
    assert v5["AU1"].tolist() == [1, 0]  # the AU labels of those frames survive


def test_seven_class_header_under_abaw3_naming_and_eight_under_abaw2_are_both_accepted(tmp_path):
    write_annotation(tmp_path, "expr", "train", "a", EXPR_HEADER_7, [1, 2], "abaw3")
    write_annotation(tmp_path, "expr", "train", "b", EXPR_HEADER_8, [7], "abaw2")
    write_crops(tmp_path, "a", range(1, 3))
    write_crops(tmp_path, "b", range(1, 2))
    both = affectkeras.data.read(f"affwild2:{tmp_path}")
    assert sorted(zip(both["video"], both["expression"], strict=True)) == [
        ("a", 1),
        ("a", 2),
        ("b", 7),
    ]


def test_split_option_keeps_only_that_split(tmp_path):
    write_fixture(tmp_path)
    table = affectkeras.data.read(f"affwild2:{tmp_path}?split=validation")
    expected, _ = expected_rows()
    assert set(rows_of(table)) == {k for k in expected if k[0] == "validation"}


def test_annotations_folder_may_be_the_root_and_crops_elsewhere(tmp_path):
    write_fixture(tmp_path / "abaw")
    annotations, crops = tmp_path / "abaw" / "annotations", tmp_path / "abaw" / "cropped_aligned"
    table = affectkeras.data.read(f"affwild2:{annotations}?crops={crops}")
    assert len(table) == len(expected_rows()[0])


def test_whole_video_without_crops_is_skipped_and_counted(tmp_path):
    write_annotation(tmp_path, "va", "train", "gone", VA_HEADER, [(0.1, 0.2), (0.3, 0.4)])
    write_annotation(tmp_path, "va", "train", "here", VA_HEADER, [(0.1, 0.2)])
    write_crops(tmp_path, "here", [1])
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    assert table["video"].tolist() == ["here"]
    assert table.attrs["skipped"] == 2


def test_crlf_line_endings_and_a_byte_order_mark_are_read(tmp_path):
    path = annotation_path(tmp_path, "au", "train", "w")
    write_text(path, "\ufeff" + AU_HEADER + "\r\n" + ",".join(["1"] * 12) + "\r\n\r\n")
    write_crops(tmp_path, "w", [1])
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    assert table[AUS].to_numpy().tolist() == [[1] * 12]


def test_identical_file_under_both_namings_is_read_once(tmp_path):
    write_annotation(tmp_path, "expr", "train", "x", EXPR_HEADER_7, [1, 2], "abaw2")
    write_annotation(tmp_path, "expr", "train", "x", EXPR_HEADER_7, [1, 2], "abaw3")
    write_crops(tmp_path, "x", [1, 2])
    assert len(affectkeras.data.read(f"affwild2:{tmp_path}")) == 2


def test_conflicting_labels_for_the_same_video_name_both_files(tmp_path):
    first = write_annotation(tmp_path, "expr", "train", "x", EXPR_HEADER_7, [1, 2], "abaw2")
    second = write_annotation(tmp_path, "expr", "train", "x", EXPR_HEADER_7, [1, 3], "abaw3")
    write_crops(tmp_path, "x", [1, 2])
    with pytest.raises(ValueError) as error:
        affectkeras.data.read(f"affwild2:{tmp_path}")
    assert str(first) in str(error.value) and str(second) in str(error.value)


BAD_FILES = [
    ("expr", EXPR_HEADER_7, [], None, "no data lines"),
    ("expr", EXPR_HEADER_7, ["1", "2", "7"], 4, "not an integer in -1..6"),
    ("expr", EXPR_HEADER_8, ["1", "8"], 3, "not an integer in -1..7"),
    ("expr", EXPR_HEADER_7, ["1", "2.5"], 3, "not an integer"),
    ("expr", "Neutral,Angry,Disgust,Fear,Happy,Sad,Surprise", ["1"], 1, "unexpected header"),
    ("au", AU_HEADER, [",".join(["0"] * 12), ",".join(["0"] * 11)], 3, "expected 12"),
    ("au", AU_HEADER, [",".join(["0"] * 11 + ["2"])], 2, "0, 1 or -1"),
    ("au", AU_HEADER, [",".join(["0"] * 11 + ["x"])], 2, "'x' is not a number"),
    ("au", AU_HEADER.replace("AU26", "AU27"), [",".join(["0"] * 12)], 1, "unexpected header"),
    ("au", AU_HEADER, [",".join(["0"] * 12), "", ",".join(["1"] * 12)], 3, "blank line"),
    ("va", VA_HEADER, ["0.1,0.2", "nan,0.3"], 3, "NaN"),
    ("va", VA_HEADER, ["0.1,0.2", "0.3,"], 3, "is not a number"),
    ("va", VA_HEADER, ["1.5,0.2"], 2, "[-1, 1]"),
    ("va", VA_HEADER, ["0.1"], 2, "expected 2"),
    ("va", "arousal,valence", ["0.1,0.2"], 1, "unexpected header"),
]


@pytest.mark.parametrize(("task", "header", "rows", "line", "message"), BAD_FILES)
def test_malformed_annotation_file_is_a_value_error_naming_file_and_line(
    tmp_path, task, header, rows, line, message
):
    path = write_annotation(tmp_path, task, "train", "bad", header, rows)
    write_crops(tmp_path, "bad", range(1, 4))
    with pytest.raises(ValueError) as error:
        affectkeras.data.read(f"affwild2:{tmp_path}")
    where = f"{path}:{line}:" if line is not None else f"{path}:"
    assert str(error.value).startswith(where), str(error.value)
    assert message in str(error.value)


def test_empty_annotation_file_is_named(tmp_path):
    path = write_text(annotation_path(tmp_path, "va", "train", "empty"), "\n\n")
    with pytest.raises(ValueError, match="empty") as error:
        affectkeras.data.read(f"affwild2:{tmp_path}")
    assert str(path) in str(error.value)


def test_a_tree_without_annotations_says_what_it_expected(tmp_path):
    (tmp_path / "cropped_aligned").mkdir()
    with pytest.raises(ValueError, match="EXPR_Set"):
        affectkeras.data.read(f"affwild2:{tmp_path}")


def test_missing_root_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        affectkeras.data.read(f"affwild2:{tmp_path / 'nowhere'}")


def test_split_with_no_rows_is_an_error_listing_the_splits_present(tmp_path):
    write_annotation(tmp_path, "expr", "train", "x", EXPR_HEADER_7, [1])
    write_crops(tmp_path, "x", [1])
    with pytest.raises(ValueError, match="the data has train"):
        affectkeras.data.read(f"affwild2:{tmp_path}?split=validation")


def test_large_video_parses_exactly(tmp_path):
    rng = np.random.default_rng(0)
    codes = rng.integers(-1, 7, size=5000)
    write_annotation(tmp_path, "expr", "train", "long", EXPR_HEADER_7, codes.tolist())
    frames = [i + 1 for i in range(5000) if codes[i] != -1][:50]  # crops for the first 50 only
    write_crops(tmp_path, "long", frames)
    table = affectkeras.data.read(f"affwild2:{tmp_path}")
    assert table["frame"].tolist() == frames
    assert table["expression"].tolist() == [int(codes[f - 1]) for f in frames]
    assert table.attrs["skipped"] == int((codes != -1).sum()) - 50


# ------------------------------------------------------------ regressions found in review


def test_one_task_annotating_a_video_in_both_splits_is_an_error_naming_both(tmp_path):
    train = write_annotation(tmp_path, "au", "train", "v", AU_HEADER, [[1] * 12])
    validation = write_annotation(tmp_path, "au", "validation", "v", AU_HEADER, [[0] * 12])
    write_crops(tmp_path, "v", [1])
    with pytest.raises(ValueError, match="in both train") as error:
        affectkeras.data.read(f"affwild2:{tmp_path}")
    assert str(train) in str(error.value) and str(validation) in str(error.value)


def test_video_split_differently_across_tasks_is_logged(tmp_path, caplog):
    write_fixture(tmp_path)  # v1: EXPR and AU in train, VA in validation
    with caplog.at_level("WARNING", logger="affectkeras"):
        affectkeras.data.read(f"affwild2:{tmp_path}")
    assert any("v1" in record.getMessage() for record in caplog.records)


def test_expression_space_does_not_depend_on_the_split_read(tmp_path):
    write_annotation(tmp_path, "expr", "train", "a", EXPR_HEADER_8, [7, 1])
    write_annotation(tmp_path, "expr", "validation", "b", EXPR_HEADER_7, [2])
    write_crops(tmp_path, "a", [1, 2])
    write_crops(tmp_path, "b", [1])
    for split in ("train", "validation"):
        table = affectkeras.data.read(f"affwild2:{tmp_path}?split={split}")
        assert table.attrs["expression_classes"] == 8, split


def test_every_crop_missing_is_an_error_not_an_empty_table(tmp_path):
    write_annotation(tmp_path, "va", "train", "v", VA_HEADER, [(0.1, 0.2), (0.3, 0.4)])
    write_crops(tmp_path / "cropped_aligned", "v", [1, 2])  # unzipped one level too deep
    with pytest.raises(ValueError, match=r"every sample was skipped \(2 missing_image\)") as error:
        affectkeras.data.read(f"affwild2:{tmp_path}")
    assert str(tmp_path / "cropped_aligned" / "v" / "00001.jpg") in str(error.value)


def test_numbers_numpy_rejects_but_python_accepts_still_name_the_line(tmp_path):
    path = write_annotation(tmp_path, "va", "train", "v", VA_HEADER, ["0.1,0.2", "1_0,0.3"])
    with pytest.raises(ValueError, match="'1_0' is not a number") as error:
        affectkeras.data.read(f"affwild2:{tmp_path}")
    assert str(error.value).startswith(f"{path}:3:")


def test_annotation_file_that_is_not_utf8_is_named(tmp_path):
    path = annotation_path(tmp_path, "va", "train", "v")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"valence,arousal\n0.1,\xff0.2\n")
    with pytest.raises(ValueError, match="not UTF-8") as error:
        affectkeras.data.read(f"affwild2:{tmp_path}")
    assert str(path) in str(error.value)
