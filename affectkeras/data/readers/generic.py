"""Generic data: a class-folder tree (``folder``) or a CSV of paths and labels (``csv``).

``folder:ROOT``: ``ROOT/<class>/*.jpg``, or ``ROOT/<split>/<class>/*.jpg`` when every sub-folder of
ROOT is a canonical split name (``train``, ``validation``, ``test``, ``public_test``,
``private_test``). A class folder is read by its name (canonical names and common synonyms such as
``happy``, ``angry``, ``sad``; ``contempt`` per ``contempt=``); ``mapping=`` renames folders:
``mapping=ha:happiness,ne:neutral,xx:ignore`` (targets: canonical names, synonyms, ``contempt``,
or ``ignore`` to leave the folder out). Without split folders every image is ``as_split``
(default ``train``). ``label_native`` is the folder name.

``csv:FILE``: a CSV with a ``path`` column (relative to the CSV's folder, or ``image_root=``) and
any of ``expression``, AU columns (``AU1`` ... ``AU26``; other ``AU<k>`` columns are kept as
extras), ``valence``, ``arousal``, plus optional ``split``, ``subject``, ``video``, ``frame``,
``face``, ``box_x, box_y, box_w, box_h`` and ``label_native``. ``expression`` holds canonical
indices (0-7, -1 missing) or names (``happiness``, ``happy``, ``contempt``...); an empty cell is
MISSING in every label column; AUs are 0, 1 or -1; valence/arousal in [-1, 1] or -5. Rows without
any label are kept (unlabelled data, e.g. for distillation). Other columns are kept as extras.

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read(  # doctest: +SKIP
    ...     "folder:/data/faces?mapping=joy:happiness,calm:neutral&split=train")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.generic_csv import read_csv_table
from affectkeras.data.readers.images import list_images
from affectkeras.data.readers.label_columns import (
    CONTEMPT_OPTION,
    canonical_codes,
    expression_options,
)
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

IGNORE = "ignore"


def parse_mapping(spec: DataSpec) -> dict[str, str]:
    """The ``mapping=folder:label,...`` option as folder -> label (lower-case labels)."""
    text = spec.options.get("mapping", "")
    mapping: dict[str, str] = {}
    for item in (part for part in text.split(",") if part.strip()):
        folder, colon, label = item.rpartition(":")
        if not colon or not folder.strip() or not label.strip():
            raise ValueError(f"Data spec {spec}: mapping item {item!r} must be folder:label")
        mapping[folder.strip()] = label.strip().lower()
    return mapping


def _class_label(spec: DataSpec, folder: Path, mapping: dict[str, str]) -> str:
    label = mapping.get(folder.name, folder.name.lower())
    if label in (IGNORE, labels.CONTEMPT) or label in labels.NOT_EXPRESSIONS:
        return label
    try:
        labels.canonical_expression(label)
    except ValueError:
        raise DataFormatError(
            folder,
            None,
            f"class folder {folder.name!r} is not an expression name; map it with "
            f"mapping={folder.name}:<{'|'.join(labels.EXPRESSIONS)}|contempt|ignore>",
        ) from None
    return label


def read_folder(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads a class-folder tree (see the module docstring)."""
    root = spec.path
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (data spec {spec})")
    classes, contempt = expression_options(spec)
    mapping = parse_mapping(spec)
    subfolders = sorted(p for p in root.iterdir() if p.is_dir())
    if not subfolders:
        raise DataFormatError(root, None, "no class folders here")
    if all(p.name in labels.SPLITS for p in subfolders):
        trees = [(p, p.name) for p in subfolders]
    else:
        trees = [(root, spec.choice("as_split", labels.SPLITS, "train"))]
    unused = set(mapping)
    paths: list[str] = []
    splits: list[str] = []
    native: list[str] = []
    for tree, split in trees:
        for folder in sorted(p for p in tree.iterdir() if p.is_dir()):
            unused.discard(folder.name)
            label = _class_label(spec, folder, mapping)
            images = list_images(folder)
            if label == IGNORE:
                skips.add("ignored_class", [str(p) for p in images])
                continue
            paths += [str(p) for p in images]
            splits += [split] * len(images)
            native += [label] * len(images)
    if unused:
        raise ValueError(f"Data spec {spec}: mapping names no folder: {', '.join(sorted(unused))}")
    native_array = np.asarray(native, dtype=object)
    table = make_table(
        {
            "path": paths,
            "split": splits,
            "expression": canonical_codes(native_array, classes, contempt),
            "label_native": native_array,
        },
        "folder",
        classes,
    )
    table.attrs["available_splits"] = sorted({split for _, split in trees})
    return table


def read_csv(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads a generic CSV of paths and labels (see the module docstring)."""
    _, contempt = expression_options(spec)
    if not spec.path.is_file():
        raise FileNotFoundError(f"{spec.path}: no such file (data spec {spec})")
    image_root = spec.path_option("image_root") or spec.path.parent
    split = spec.choice("as_split", labels.SPLITS, "train")
    columns, classes = read_csv_table(
        spec.path, image_root, spec.num_classes(), contempt, split, skips
    )
    table = make_table(columns, "csv", classes)
    table.attrs["available_splits"] = sorted(set(table["split"]))
    return table


_COMMON = {
    "classes": "7|8 expression classes (default 8 with contempt=other, else 7)",
    "contempt": CONTEMPT_OPTION,
    "as_split": "split of rows that name none (default train)",
}

register_reader(
    Reader(
        name="folder",
        read=read_folder,
        summary="generic class folders ROOT/[<split>/]<class>/*.jpg with an optional mapping",
        options={
            "mapping": "folder:label,... renaming class folders (label: canonical name, "
            "synonym, contempt or ignore)",
            **_COMMON,
        },
    )
)
register_reader(
    Reader(
        name="csv",
        read=read_csv,
        summary="generic CSV: path plus any of expression, AU1..AU26, valence, arousal, split",
        options={
            "image_root": "folder relative paths start from (default the CSV's folder)",
            **_COMMON,
        },
    )
)
