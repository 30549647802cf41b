"""The EmotioNet reader: URL/path column then AU columns, 999 -> MISSING per AU, extra AUs kept."""

from __future__ import annotations

import numpy as np
import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

CANONICAL_AUS = [
    "AU1",
    "AU2",
    "AU4",
    "AU6",
    "AU7",
    "AU10",
    "AU12",
    "AU15",
    "AU23",
    "AU24",
    "AU25",
    "AU26",
]
FILE_AUS = ["AU1", "AU2", "AU4", "AU5", "AU6", "AU9", "AU12", "AU17", "AU20", "AU25", "AU26"]
ROWS = [
    ("http://img.example.com/a/face_1.jpg", [1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0]),
    ("http://img.example.com/b/face_2.jpg?x=1", [0, 999, 1, 0, 0, 1, 0, 999, 0, 0, 1]),
    ("sub/face_3.jpg", [999] * 11),  # nothing annotated: dropped
    ("sub/face_4.jpg", [0] * 11),
    ("sub/gone.jpg", [1] * 11),  # image missing
]
LOCAL = {0: "face_1.jpg", 1: "face_2.jpg", 3: "sub/face_4.jpg"}


def write_emotionet(root, separator="\t"):
    lines = [separator.join(["URL", *FILE_AUS])]
    lines += [separator.join([image, *map(str, aus)]) for image, aus in ROWS]
    path = root / "emotionet.tsv"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    for name in LOCAL.values():
        write_image(root / "images" / name)
    return path


@pytest.mark.parametrize("separator", ["\t", ","])
def test_emotionet_maps_shared_aus_and_keeps_the_rest(tmp_path, separator):
    path = write_emotionet(tmp_path / "emotionet", separator)

    table = affectkeras.data.read(
        f"emotionet:{path}?image_root={tmp_path / 'emotionet' / 'images'}"
    )

    assert list(table["path"]) == [
        str(tmp_path / "emotionet" / "images" / n) for n in LOCAL.values()
    ]
    for row_index, (index, _) in enumerate(LOCAL.items()):
        native = dict(zip(FILE_AUS, ROWS[index][1], strict=True))
        for au in CANONICAL_AUS:
            value = native.get(au, -1)  # canonical AUs EmotioNet lacks: MISSING
            want = -1 if value == 999 else value
            assert table[au].iloc[row_index] == want, (index, au)
        for au in set(FILE_AUS) - set(CANONICAL_AUS):
            value = native[au]
            assert table[au].iloc[row_index] == (-1 if value == 999 else value), (index, au)
    assert (table["expression"] == -1).all() and (table["valence"] == -5).all()
    assert table.attrs["skipped_by_reason"] == {"no_label": 1, "missing_image": 1}
    extras = [c for c in table.columns if c.startswith("AU") and c not in CANONICAL_AUS]
    assert extras == ["AU5", "AU9", "AU17", "AU20"]


def test_emotionet_emotion_column_basic_and_compound(tmp_path):
    root = tmp_path / "en"
    root.mkdir()
    (root / "compound.csv").write_text(
        "image,AU1,AU12,emotion\nx.jpg,1,999,Happily surprised\ny.jpg,999,1,happy\nz.jpg,0,0,\n"
    )
    for name in "xyz":
        write_image(root / f"{name}.jpg")

    table = affectkeras.data.read(f"emotionet:{root}")

    assert list(table["label_native"]) == ["happily_surprised", "happy", ""]
    assert list(table["expression"]) == [-1, 4, -1]
    np.testing.assert_array_equal(table[["AU1", "AU12"]].to_numpy(), [[1, -1], [-1, 1], [0, 0]])


def test_emotionet_bad_value_is_reported(tmp_path):
    path = write_emotionet(tmp_path / "emotionet")
    path.write_text(path.read_text().replace("\t1\t1\t1\t1", "\t2\t1\t1\t1", 1))
    with pytest.raises(
        DataFormatError, match=r"emotionet.tsv:6: AU\d+ value '2' is not 0, 1 or 999"
    ):
        affectkeras.data.read(f"emotionet:{path}")


def test_emotionet_header_without_data_is_reported(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("URL,AU1,AU2\n")
    with pytest.raises(DataFormatError, match=r"empty\.csv: the file has a header but no data"):
        affectkeras.data.read(f"emotionet:{path}")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("sub/face_9.jpg\t1\tx" + "\t0" * 9, r"emotionet\.tsv:7: AU2 value 'x' is not 0, 1 or 999"),
        ("sub/face_9.jpg\t1\t0", r"emotionet\.tsv:7: expected 12 fields like the header"),
    ],
)
def test_emotionet_word_or_ragged_line_is_reported(tmp_path, line, message):
    path = write_emotionet(tmp_path / "emotionet")
    path.write_text(path.read_text() + line + "\n")
    with pytest.raises(DataFormatError, match=message):
        affectkeras.data.read(f"emotionet:{path}")
