"""The FER2013 reader against fixture trees in its three common layouts (../shared/FORMATS.md).

1. The Kaggle CSV ``fer2013.csv`` (``emotion,pixels,Usage``), decoded once into a PNG cache.
2. Class folders ``train/<class>/*.jpg`` and ``test/<class>/*.jpg``.
3. Class folders plus ``labels.csv`` (``path,label,usage``, paths relative to the root).

No test here writes outside ``tmp_path``: every test runs with ``AFFECTKERAS_CACHE`` pointing into
it, and the CSV tests also pass ``cache=`` explicitly.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import affectkeras

AUS = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"]
# Written out by hand (FORMATS.md): FER2013 code -> its own name -> canonical index, where the
# canonical order is neutral, anger, disgust, fear, happiness, sadness, surprise, other.
FER_NAMES = {
    0: "angry",
    1: "disgust",
    2: "fear",
    3: "happy",
    4: "sad",
    5: "surprise",
    6: "neutral",
}
CANONICAL_OF_NAME = {
    "angry": 1,
    "disgust": 2,
    "fear": 3,
    "happy": 4,
    "sad": 5,
    "surprise": 6,
    "neutral": 0,
}
USAGE_SPLITS = {"Training": "train", "PublicTest": "public_test", "PrivateTest": "private_test"}
CSV_HEADER = "emotion,pixels,Usage"

# (emotion code, Usage) per CSV row, in file order: every code and every usage at least once.
CSV_ROWS = [
    (0, "Training"),
    (1, "Training"),
    (2, "PublicTest"),
    (3, "PrivateTest"),
    (4, "Training"),
    (5, "PublicTest"),
    (6, "PrivateTest"),
    (3, "Training"),
]


@pytest.fixture(autouse=True)
def cache_in_tmp_path(tmp_path, monkeypatch):
    """Keeps the default cache root out of the home folder for every test of this file."""
    root = tmp_path / "env-cache"
    monkeypatch.setenv("AFFECTKERAS_CACHE", str(root))
    return root


def random_faces(n: int, seed: int = 0) -> np.ndarray:
    faces = np.random.default_rng(seed).integers(0, 256, size=(n, 48, 48), dtype=np.uint8)
    faces[0, 0, 0], faces[0, 0, 1] = 0, 255  # both ends of the range appear
    return faces


def pixels_text(face: np.ndarray) -> str:
    return " ".join(str(int(v)) for v in face.ravel())


def write_kaggle_csv(folder: Path, rows=CSV_ROWS, faces=None) -> tuple[Path, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    faces = random_faces(len(rows)) if faces is None else faces
    lines = [CSV_HEADER]
    for (code, usage), face in zip(rows, faces, strict=True):
        lines.append(f"{code},{pixels_text(face)},{usage}")
    path = folder / "fer2013.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, faces


def write_image(path: Path, value: int = 128) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.full((48, 48), value, np.uint8))


def read(spec: str):
    return affectkeras.data.read(spec)


def files_under(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` -> its modification time (ns)."""
    return {
        str(path.relative_to(folder)): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file()
    }


def assert_still_image_defaults(table) -> None:
    assert (table["frame"] == -1).all()
    assert (table["video"] == "").all()
    assert (table["face"] == 0).all()
    for au in AUS:
        assert (table[au] == -1).all(), au
    assert (table["valence"] == -5).all()
    assert (table["arousal"] == -5).all()
    assert (table["dataset"] == "fer2013").all()
    assert all(Path(p).is_absolute() for p in table["path"])
    assert all(Path(p).is_file() for p in table["path"])


def row_of_face(faces: np.ndarray, image: np.ndarray) -> int:
    """The index of the CSV row whose pixels equal ``image`` (each random face is unique)."""
    hits = [i for i, face in enumerate(faces) if np.array_equal(face, image)]
    assert len(hits) == 1, f"decoded image matches CSV rows {hits}"
    return hits[0]


# ------------------------------------------------------------------- layout 1: Kaggle CSV


def test_fer_csv_decodes_pixels_exactly_into_cache_pngs(tmp_path):
    _, faces = write_kaggle_csv(tmp_path / "fer")
    cache = tmp_path / "cache"

    table = read(f"fer2013:{tmp_path / 'fer'}?cache={cache}")

    assert len(table) == len(CSV_ROWS)
    matched = []
    for path in table["path"]:
        assert Path(path).is_relative_to(cache)
        image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        assert image is not None and image.shape == (48, 48) and image.dtype == np.uint8
        matched.append(row_of_face(faces, image))
    assert sorted(matched) == list(range(len(CSV_ROWS)))


def test_fer_csv_maps_emotion_codes_usage_and_native_names(tmp_path):
    _, faces = write_kaggle_csv(tmp_path / "fer")

    table = read(f"fer2013:{tmp_path / 'fer'}?cache={tmp_path / 'cache'}")

    assert table.attrs["expression_classes"] == 7
    assert table.attrs["skipped"] == 0
    for row in table.itertuples():
        code, usage = CSV_ROWS[row_of_face(faces, cv2.imread(row.path, cv2.IMREAD_GRAYSCALE))]
        assert row.label_native == FER_NAMES[code]
        assert row.expression == CANONICAL_OF_NAME[FER_NAMES[code]]
        assert row.split == USAGE_SPLITS[usage]
    assert sorted(table["label_native"]) == sorted(FER_NAMES[code] for code, _ in CSV_ROWS)
    assert_still_image_defaults(table)


def test_fer_csv_second_read_reuses_the_cache(tmp_path, monkeypatch):
    write_kaggle_csv(tmp_path / "fer")
    cache = tmp_path / "cache"
    spec = f"fer2013:{tmp_path / 'fer'}?cache={cache}"
    first = read(spec)
    before = files_under(cache)
    assert any(name.endswith("index.csv") for name in before)
    assert sum(name.endswith(".png") for name in before) == len(CSV_ROWS)

    def no_decoding(*args, **kwargs):
        raise AssertionError("the second read decoded the CSV again")

    monkeypatch.setattr(cv2, "imwrite", no_decoding)
    second = read(spec)

    assert files_under(cache) == before  # same files, same mtimes: index.csv and every PNG
    assert list(second["path"]) == list(first["path"])
    assert list(second["expression"]) == list(first["expression"])
    assert list(second["split"]) == list(first["split"])


def test_fer_csv_edited_after_decoding_is_decoded_again(tmp_path):
    csv_path, _ = write_kaggle_csv(tmp_path / "fer")
    spec = f"fer2013:{csv_path}?cache={tmp_path / 'cache'}"
    read(spec)
    rows = [(6, "PublicTest"), (0, "PrivateTest")]
    _, faces = write_kaggle_csv(tmp_path / "fer", rows=rows, faces=random_faces(2, seed=1))

    table = read(spec)

    assert sorted(table["split"]) == ["private_test", "public_test"]
    for row in table.itertuples():
        code, usage = rows[row_of_face(faces, cv2.imread(row.path, cv2.IMREAD_GRAYSCALE))]
        assert row.expression == CANONICAL_OF_NAME[FER_NAMES[code]]
        assert row.split == USAGE_SPLITS[usage]


def test_fer_csv_spec_path_may_be_the_csv_file_or_its_folder(tmp_path):
    csv_path, _ = write_kaggle_csv(tmp_path / "fer")
    cache = tmp_path / "cache"

    from_file = read(f"fer2013:{csv_path}?cache={cache}")
    from_folder = read(f"fer2013:{tmp_path / 'fer'}?cache={cache}")

    columns = ["path", "split", "expression", "label_native"]
    assert len(from_file) == len(CSV_ROWS)
    assert from_file[columns].equals(from_folder[columns])


def test_fer_csv_without_cache_option_decodes_under_affectkeras_cache(tmp_path, cache_in_tmp_path):
    write_kaggle_csv(tmp_path / "fer")

    table = read(f"fer2013:{tmp_path / 'fer'}")

    assert len(table) == len(CSV_ROWS)
    assert all(Path(p).is_relative_to(cache_in_tmp_path) for p in table["path"])


def test_fer_csv_relative_affectkeras_cache_still_gives_absolute_paths(tmp_path, monkeypatch):
    write_kaggle_csv(tmp_path / "fer")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AFFECTKERAS_CACHE", "relative-cache")

    table = read(f"fer2013:{tmp_path / 'fer'}")

    assert all(Path(p).is_absolute() for p in table["path"])


@pytest.mark.parametrize(
    ("code", "pixels", "usage"),
    [
        pytest.param("3", " ".join(["7"] * 2303), "Training", id="2303-pixel-values"),
        pytest.param("7", " ".join(["7"] * 2304), "Training", id="emotion-7"),
        pytest.param("3", " ".join(["7"] * 2303 + ["256"]), "Training", id="pixel-256"),
        pytest.param("3", " ".join(["7"] * 2304), "Foo", id="usage-Foo"),
    ],
)
def test_fer_csv_bad_row_is_rejected_with_file_and_line(tmp_path, code, pixels, usage):
    csv_path, _ = write_kaggle_csv(tmp_path / "fer", rows=CSV_ROWS[:1], faces=random_faces(1))
    with open(csv_path, "a", encoding="utf-8") as handle:
        handle.write(f"{code},{pixels},{usage}\n")
        handle.write(f"3,{' '.join(['7'] * 2304)},Training\n")
    cache = tmp_path / "cache"

    with pytest.raises(ValueError) as caught:
        read(f"fer2013:{csv_path}?cache={cache}")

    assert f"{csv_path}:3:" in str(caught.value)
    # A failed decode leaves no index behind to be mistaken for a finished cache.
    assert not list(cache.rglob("index.csv"))


def test_fer_csv_rows_like_the_bad_ones_but_valid_are_read(tmp_path):
    csv_path, _ = write_kaggle_csv(tmp_path / "fer", rows=CSV_ROWS[:1], faces=random_faces(1))
    with open(csv_path, "a", encoding="utf-8") as handle:
        handle.write(f"6,{' '.join(['7'] * 2303 + ['255'])},PrivateTest\n")

    table = read(f"fer2013:{csv_path}?cache={tmp_path / 'cache'}")

    assert sorted(table["split"]) == ["private_test", "train"]
    assert sorted(table["expression"]) == [0, 1]


# ------------------------------------------------------------------- layout 2: class folders

# relative path -> (split, FER class name)
FOLDER_IMAGES = {
    "train/angry/Training_1.jpg": ("train", "angry"),
    "train/happy/Training_2.jpg": ("train", "happy"),
    "train/neutral/PublicTest_9.jpg": ("train", "neutral"),  # the train folder decides
    "test/sad/PublicTest_1.jpg": ("public_test", "sad"),
    "test/surprise/PrivateTest_2.jpg": ("private_test", "surprise"),
    "test/fear/PrivateTest_3.jpg": ("private_test", "fear"),
    "test/disgust/img_4.jpg": ("test", "disgust"),
    "test/happy/5.jpg": ("test", "happy"),
}


def write_class_folders(root: Path) -> None:
    for relative in FOLDER_IMAGES:
        write_image(root / relative)


def test_fer_folders_give_split_from_folder_and_test_file_prefix(tmp_path):
    write_class_folders(tmp_path)

    table = read(f"fer2013:{tmp_path}")

    got = {row.path: (row.split, row.label_native, row.expression) for row in table.itertuples()}
    expected = {
        str(tmp_path / relative): (split, name, CANONICAL_OF_NAME[name])
        for relative, (split, name) in FOLDER_IMAGES.items()
    }
    assert got == expected
    assert table.attrs["expression_classes"] == 7
    assert_still_image_defaults(table)


def test_fer_folders_split_option_keeps_public_test(tmp_path):
    write_class_folders(tmp_path)

    table = read(f"fer2013:{tmp_path}?split=public_test")

    assert list(table["path"]) == [str(tmp_path / "test/sad/PublicTest_1.jpg")]


def test_fer_folders_unknown_class_folder_is_rejected_by_name(tmp_path):
    write_class_folders(tmp_path)
    write_image(tmp_path / "test" / "contempt" / "PublicTest_7.jpg")

    with pytest.raises(ValueError, match="contempt") as caught:
        read(f"fer2013:{tmp_path}")

    assert str(tmp_path / "test" / "contempt") in str(caught.value)


# ------------------------------------------------------------------- layout 3: + labels.csv


def write_labels_layout(root: Path, listed: list[tuple[str, str, str]], on_disk: list[str]) -> Path:
    for relative in on_disk:
        write_image(root / relative)
    path = root / "labels.csv"
    lines = ["path,label,usage", *(",".join(row) for row in listed)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


LISTED = [
    ("train/angry/Training_1.jpg", "angry", "Training"),
    ("train/neutral/Training_2.jpg", "neutral", "Training"),
    ("public_test/happy/PublicTest_3.jpg", "happy", "PublicTest"),
    ("public_test/sad/PublicTest_4.jpg", "sad", "PublicTest"),
]


def test_fer_labels_csv_lists_the_samples_and_ignores_unlisted_files(tmp_path):
    unlisted = ["train/angry/Training_99.jpg", "public_test/fear/PublicTest_98.jpg"]
    write_labels_layout(tmp_path, LISTED, [row[0] for row in LISTED] + unlisted)

    table = read(f"fer2013:{tmp_path}")

    got = {row.path: (row.split, row.label_native, row.expression) for row in table.itertuples()}
    expected = {
        str(tmp_path / relative): (USAGE_SPLITS[usage], label, CANONICAL_OF_NAME[label])
        for relative, label, usage in LISTED
    }
    assert got == expected
    assert table.attrs["skipped"] == 0
    assert_still_image_defaults(table)


def test_fer_labels_csv_spec_path_may_be_the_labels_file(tmp_path):
    labels_csv = write_labels_layout(tmp_path, LISTED, [row[0] for row in LISTED])

    table = read(f"fer2013:{labels_csv}")

    assert sorted(table["path"]) == sorted(str(tmp_path / row[0]) for row in LISTED)


def test_fer_labels_csv_listed_file_that_is_missing_is_dropped_and_counted(tmp_path):
    missing = "train/sad/Training_5.jpg"
    write_labels_layout(tmp_path, [*LISTED, (missing, "sad", "Training")], [r[0] for r in LISTED])

    table = read(f"fer2013:{tmp_path}")

    assert sorted(table["path"]) == sorted(str(tmp_path / row[0]) for row in LISTED)
    assert type(table.attrs["skipped"]) is int
    assert table.attrs["skipped"] == 1
    assert table.attrs["skipped_by_reason"]["missing_image"] == 1


def test_fer_labels_csv_bad_label_is_rejected_with_file_and_line(tmp_path):
    bad = [*LISTED[:2], ("train/angry/Training_7.jpg", "contempt", "Training"), *LISTED[2:]]
    labels_csv = write_labels_layout(tmp_path, bad, [row[0] for row in bad])

    with pytest.raises(ValueError) as caught:
        read(f"fer2013:{tmp_path}")

    assert f"{labels_csv}:4:" in str(caught.value)


def test_fer_unknown_option_is_rejected_by_name(tmp_path):
    write_class_folders(tmp_path)

    with pytest.raises(ValueError, match="bogus_option"):
        read(f"fer2013:{tmp_path}?bogus_option=1")


# ------------------------------------------------------------ regressions found in review


@pytest.mark.parametrize("last", ["3.9", "12abc", "-3", "0x1f"])
def test_fer_csv_pixel_text_that_older_numpy_would_truncate_is_rejected(tmp_path, last):
    csv_path, _ = write_kaggle_csv(tmp_path / "fer", rows=CSV_ROWS[:1], faces=random_faces(1))
    with open(csv_path, "a", encoding="utf-8") as handle:
        handle.write(f"3,{' '.join(['7'] * 2303 + [last])},Training\n")

    with pytest.raises(ValueError, match="space-separated integers") as caught:
        read(f"fer2013:{csv_path}?cache={tmp_path / 'cache'}")

    assert f"{csv_path}:3:" in str(caught.value)


def test_fer_usage_is_read_in_any_case(tmp_path):
    csv_path, _ = write_kaggle_csv(tmp_path / "fer", rows=[(3, "training"), (4, "PUBLICTEST")])

    table = read(f"fer2013:{csv_path}?cache={tmp_path / 'cache'}")

    assert sorted(table["split"]) == ["public_test", "train"]


def test_fer_cache_with_a_deleted_image_is_decoded_again(tmp_path):
    csv_path, faces = write_kaggle_csv(tmp_path / "fer")
    spec = f"fer2013:{csv_path}?cache={tmp_path / 'cache'}"
    first = read(spec)
    Path(first["path"].iloc[0]).unlink()

    again = read(spec)

    assert len(again) == len(CSV_ROWS) and again.attrs["skipped"] == 0
    for path in again["path"]:
        row_of_face(faces, cv2.imread(path, cv2.IMREAD_GRAYSCALE))  # every image is back


def test_fer_labels_csv_with_windows_separators_finds_the_images(tmp_path):
    write_image(tmp_path / "train" / "angry" / "a.jpg")
    (tmp_path / "labels.csv").write_text("path,label,usage\ntrain\\angry\\a.jpg,angry,Training\n")

    table = read(f"fer2013:{tmp_path}")

    assert list(table["path"]) == [str(tmp_path / "train" / "angry" / "a.jpg")]


@pytest.mark.parametrize("name", ["labels.csv", "fer2013.csv"])
def test_fer_csv_that_is_not_utf8_is_named(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"path,label,usage\ntrain/a.jpg,\xffangry,Training\n")

    with pytest.raises(ValueError, match="not UTF-8") as caught:
        read(f"fer2013:{tmp_path}")

    assert str(path) in str(caught.value)


def test_fer_tree_without_images_is_an_error_not_an_empty_table(tmp_path):
    (tmp_path / "train" / "angry").mkdir(parents=True)

    with pytest.raises(ValueError, match="no samples"):
        read(f"fer2013:{tmp_path}")
