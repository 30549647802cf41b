"""The generic readers: class folders with a mapping (``folder``) and a labels CSV (``csv``)."""

from __future__ import annotations

import numpy as np
import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

# ---------------------------------------------------------------------------------- folder


def write_tree(root, counts):
    for folder, n in counts.items():
        for i in range(n):
            write_image(root / folder / f"{i}.jpg")
    return root


def test_folder_reads_synonyms_and_mapping(tmp_path):
    root = write_tree(tmp_path / "faces", {"happy": 2, "Angry": 1, "joy2": 1, "xx": 2, "calm": 1})

    table = affectkeras.data.read(f"folder:{root}?mapping=joy2:happiness,calm:neutral,xx:ignore")

    # sorted folders: Angry, calm, happy, joy2 (xx ignored); canonical anger 1, neutral 0, happy 4
    assert list(table["expression"]) == [1, 0, 4, 4, 4]
    assert list(table["label_native"]) == ["angry", "neutral", "happy", "happy", "happiness"]
    assert set(table["split"]) == {"train"}
    assert table.attrs["skipped_by_reason"] == {"ignored_class": 2}


def test_folder_split_folders_and_contempt(tmp_path):
    write_tree(tmp_path / "faces" / "train", {"contempt": 2, "sad": 1})
    write_tree(tmp_path / "faces" / "validation", {"surprise": 1})

    missing = affectkeras.data.read(f"folder:{tmp_path / 'faces'}")
    other = affectkeras.data.read(f"folder:{tmp_path / 'faces'}?contempt=other&split=train")

    assert list(zip(missing["split"], missing["expression"], strict=True)) == [
        ("train", -1),
        ("train", -1),
        ("train", 5),
        ("validation", 6),
    ]
    assert list(other["expression"]) == [7, 7, 5]
    assert other.attrs["expression_classes"] == 8


def test_folder_unknown_class_asks_for_a_mapping(tmp_path):
    root = write_tree(tmp_path / "faces", {"joy": 1})
    with pytest.raises(DataFormatError, match="map it with mapping=joy:"):
        affectkeras.data.read(f"folder:{root}")
    with pytest.raises(ValueError, match="mapping names no folder: nope"):
        affectkeras.data.read(f"folder:{root}?mapping=joy:happy,nope:sad")


# ------------------------------------------------------------------------------------- csv

CSV = """path,expression,AU1,AU12,AU17,valence,arousal,split,subject,note
a.jpg,4,0,1,1,0.5,0.25,train,s1,first
b.jpg,,1,,0,,,validation,s2,
c.jpg,-1,-1,-1,-1,-5,-5,,s3,unlabelled
d.jpg,7,,,,-0.75,1,test,,
gone.jpg,1,0,0,0,0,0,train,s4,
"""


def write_csv(root, text=CSV):
    root.mkdir(parents=True, exist_ok=True)
    (root / "labels.csv").write_text(text)
    for name in "abcd":
        write_image(root / f"{name}.jpg")
    return root / "labels.csv"


def test_csv_reads_every_label_column_with_missing_cells(tmp_path):
    path = write_csv(tmp_path / "mine")

    table = affectkeras.data.read(f"csv:{path}")

    assert list(table["path"]) == [str(tmp_path / "mine" / f"{n}.jpg") for n in "abcd"]
    assert table.attrs["expression_classes"] == 8  # the file uses 7 (other)
    assert list(table["expression"]) == [4, -1, -1, 7]
    assert list(table["label_native"]) == ["happiness", "", "", "other"]
    np.testing.assert_array_equal(
        table[["AU1", "AU12", "AU17"]], [[0, 1, 1], [1, -1, 0], [-1, -1, -1], [-1, -1, -1]]
    )
    assert (table["AU4"] == -1).all()  # not in the file: MISSING
    np.testing.assert_array_equal(
        table[["valence", "arousal"]], [[0.5, 0.25], [-5, -5], [-5, -5], [-0.75, 1]]
    )
    assert list(table["split"]) == ["train", "validation", "train", "test"]
    assert list(table["subject"]) == ["s1", "s2", "s3", ""]
    assert list(table["note"]) == ["first", "", "unlabelled", ""]
    assert table.attrs["skipped_by_reason"] == {"missing_image": 1}


def test_csv_expression_names_and_classes_option(tmp_path):
    path = write_csv(tmp_path / "mine", "path,expression\na.jpg,Happy\nb.jpg,contempt\nc.jpg,sad\n")

    seven = affectkeras.data.read(f"csv:{path}")
    eight = affectkeras.data.read(f"csv:{path}?contempt=other")

    assert list(seven["expression"]) == [4, -1, 5] and seven.attrs["expression_classes"] == 7
    assert list(eight["expression"]) == [4, 7, 5] and eight.attrs["expression_classes"] == 8
    assert list(seven["label_native"]) == ["happy", "contempt", "sad"]


def test_csv_keeps_columns_that_merely_look_numeric(tmp_path):
    path = write_csv(tmp_path / "mine", "path,AU2,2,Au_25\na.jpg,1,x,0\n")

    table = affectkeras.data.read(f"csv:{path}")

    assert table["2"].tolist() == ["x"]  # not an AU column: kept as an extra
    assert (table["AU2"].tolist(), table["AU25"].tolist()) == ([1], [0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("path,valence\na.jpg,0.5\nb.jpg,1.5\n", "labels.csv:3: valence '1.5' is not in"),
        ("path,AU4\na.jpg,2\n", "labels.csv:2: AU4 '2' is not 0, 1 or -1"),
        ("path,expression\na.jpg,joy\n", "labels.csv:2: Unknown expression label 'joy'"),
        ("path,split\na.jpg,dev\n", "labels.csv:2: split 'dev' is not one of"),
        ("image,expression\na.jpg,1\n", "labels.csv:1: no 'path' column"),
    ],
)
def test_csv_bad_cells_name_file_and_line(tmp_path, text, message):
    path = write_csv(tmp_path / "mine", text)
    with pytest.raises(DataFormatError, match=message):
        affectkeras.data.read(f"csv:{path}")
