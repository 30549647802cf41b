"""FER2013 in its three common layouts (../shared/FORMATS.md), 7 expressions, 48x48 grey.

1. The Kaggle CSV ``fer2013.csv`` (``emotion,pixels,Usage``; ROOT may be the file or its folder):
   decoded once into a PNG cache (option ``cache=``, default ``$AFFECTKERAS_CACHE`` or
   ``~/.cache/affectkeras``); ``path`` points into the cache.
2. Class folders ``train/<class>/*.jpg`` and ``test/<class>/*.jpg``; in ``test/`` the file-name
   prefixes ``PublicTest_`` / ``PrivateTest_`` give the split, else it is ``test``. Folders named
   ``public_test``, ``private_test`` and ``validation`` are read as those splits.
3. Class folders plus ``labels.csv`` with ``path,label,usage`` (paths relative to ROOT); the CSV is
   the list of samples, so files not in it are ignored.

Classes: ``angry, disgust, fear, happy, neutral, sad, surprise`` (CSV codes 0-6 in that order but
with neutral last: ``0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral``).
``label_native`` keeps the FER2013 name. Usage ``Training | PublicTest | PrivateTest`` becomes
split ``train | public_test | private_test``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.fer2013_pixels import (
    USAGE_SPLITS,
    decoded_index,
    default_cache_root,
    usage_split,
)
from affectkeras.data.readers.images import existing_mask, list_images
from affectkeras.data.readers.text_files import not_utf8
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

CODE_NAMES: dict[int, str] = labels.DATASET_EXPRESSION_CODES["fer2013"]
CLASS_NAMES: tuple[str, ...] = tuple(sorted(CODE_NAMES.values()))
FOLDER_SPLITS: dict[str, str | None] = {
    "train": "train",
    "test": None,  # mixed: the file-name prefix decides
    "public_test": "public_test",
    "private_test": "private_test",
    "validation": "validation",
}
PREFIX_SPLITS: dict[str, str] = {"PublicTest_": "public_test", "PrivateTest_": "private_test"}
LABELS_FILE = "labels.csv"
KAGGLE_FILE = "fer2013.csv"


def read_fer2013(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads FER2013 in whichever layout ROOT holds (see the module docstring)."""
    root = spec.path
    if root.is_file():
        columns = _read_csv_file(root, spec, skips)
    elif root.is_dir():
        if (root / LABELS_FILE).is_file():
            columns = _read_labels_csv(root / LABELS_FILE, skips)
        elif (root / KAGGLE_FILE).is_file():
            columns = _read_kaggle_csv(root / KAGGLE_FILE, spec)
        else:
            columns = _read_class_folders(root)
    else:
        raise FileNotFoundError(f"{root}: no such file or folder (data spec {spec})")
    return _to_table(columns, spec)


def _read_csv_file(path: Path, spec: DataSpec, skips: SkipReport) -> dict[str, list]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = [name.strip().lower() for name in next(csv.reader(handle), [])]
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    if "pixels" in header:
        return _read_kaggle_csv(path, spec)
    if {"path", "label"} <= set(header):
        return _read_labels_csv(path, skips)
    raise DataFormatError(
        path,
        1,
        f"neither a Kaggle FER2013 CSV (emotion,pixels,Usage) nor a path,label,usage "
        f"list: header {header}",
    )


def _read_kaggle_csv(path: Path, spec: DataSpec) -> dict[str, list]:
    cache_root = spec.path_option("cache") or default_cache_root()
    index = decoded_index(path, cache_root)
    return {
        "path": list(index["path"]),
        "split": list(index["split"]),
        "native": [CODE_NAMES[int(code)] for code in index["code"]],
    }


def _read_labels_csv(path: Path, skips: SkipReport) -> dict[str, list]:
    try:
        columns = _labels_csv_columns(path)
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    if not columns["path"]:
        raise DataFormatError(path, None, "the file lists no images")
    exists = existing_mask(columns["path"], skips)
    return {name: list(np.asarray(values, object)[exists]) for name, values in columns.items()}


def _labels_csv_columns(path: Path) -> dict[str, list]:
    root = path.parent
    columns: dict[str, list] = {"path": [], "split": [], "native": []}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
        if "path" not in fieldnames or "label" not in fieldnames:
            raise DataFormatError(path, 1, f"expected columns path,label[,usage], got {fieldnames}")
        reader.fieldnames = fieldnames
        for row in reader:
            line = reader.line_num
            if None in row or any(value is None for value in row.values()):
                raise DataFormatError(path, line, "wrong number of fields")
            native = row["label"].strip().lower()
            if native not in CLASS_NAMES:
                raise DataFormatError(
                    path, line, f"label {row['label']!r} is not one of {', '.join(CLASS_NAMES)}"
                )
            usage = (row.get("usage") or "").strip()
            split = usage_split(usage) if usage else None
            if usage and split is None:
                raise DataFormatError(
                    path, line, f"usage {usage!r} is not one of {', '.join(USAGE_SPLITS)}"
                )
            image = root.joinpath(*row["path"].strip().replace("\\", "/").split("/"))
            columns["path"].append(str(image))
            columns["split"].append(split or _split_of_folder(image, root))
            columns["native"].append(native)
    return columns


def _split_of_folder(image: Path, root: Path) -> str:
    top = image.relative_to(root).parts[0] if image.is_relative_to(root) else ""
    split = FOLDER_SPLITS.get(top.lower())
    return split or _split_of_name(image.name)


def _split_of_name(name: str) -> str:
    return next((s for prefix, s in PREFIX_SPLITS.items() if name.startswith(prefix)), "test")


def _read_class_folders(root: Path) -> dict[str, list]:
    columns: dict[str, list] = {"path": [], "split": [], "native": []}
    split_folders = [
        p for p in sorted(root.iterdir()) if p.is_dir() and p.name.lower() in FOLDER_SPLITS
    ]
    if not split_folders:
        raise DataFormatError(
            root,
            None,
            f"no FER2013 data: expected {KAGGLE_FILE}, {LABELS_FILE}, or split folders "
            f"({', '.join(FOLDER_SPLITS)}) of class folders ({', '.join(CLASS_NAMES)})",
        )
    for split_folder in split_folders:
        fixed_split = FOLDER_SPLITS[split_folder.name.lower()]
        for class_folder in sorted(p for p in split_folder.iterdir() if p.is_dir()):
            native = class_folder.name.lower()
            if native not in CLASS_NAMES:
                raise DataFormatError(
                    class_folder,
                    None,
                    f"unknown FER2013 class folder; expected one of {', '.join(CLASS_NAMES)}",
                )
            for image in list_images(class_folder):
                columns["path"].append(str(image))
                columns["split"].append(fixed_split or _split_of_name(image.name))
                columns["native"].append(native)
    return columns


def _to_table(columns: dict[str, list], spec: DataSpec) -> pd.DataFrame:
    classes = spec.num_classes() or 7
    native = np.asarray(columns["native"], dtype=object)
    expression = np.array([labels.canonical_expression(n, classes) for n in native], np.int64)
    return make_table(
        {
            "path": columns["path"],
            "split": columns["split"],
            "expression": expression,
            "label_native": native,
        },
        "fer2013",
        classes,
    )


register_reader(
    Reader(
        name="fer2013",
        read=read_fer2013,
        summary="FER2013: Kaggle CSV (decoded once into a cache), class folders, or + labels.csv",
        options={
            "classes": "7|8 expression classes of the table (default 7; FER2013 has no Other)",
            "cache": "cache root for the decoded CSV images (default $AFFECTKERAS_CACHE or "
            "~/.cache/affectkeras)",
        },
    )
)
