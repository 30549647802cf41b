"""SFEW 2.0: class folders of movie frames, Train and Val splits, 7 expressions.

Layout (../shared/FORMATS.md)::

    ROOT/Train/<Angry|Disgust|Fear|Happy|Neutral|Sad|Surprise>/*.png   -> split "train"
    ROOT/Val/<class>/*.png                                              -> split "validation"

The aligned faces, where present, are read instead with ``images=aligned`` (the default): the
first of ``ROOT/Train/Train_Aligned_Faces/<class>/``, ``ROOT/Train_Aligned_Faces/<class>/`` (and
``Val_Aligned_Faces`` likewise) that exists; else the class folders above. ``images=original``
always reads ``ROOT/<Train|Val>/<class>/``. The unlabelled ``Test`` set is not read.
``label_native`` is the folder's class name in lower case.

Spec options: ``images=aligned|original``, ``classes=7|8`` (default 7; SFEW has no Other).

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read("sfew:/data/SFEW_2?split=validation")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import list_images
from affectkeras.data.readers.label_columns import canonical_codes
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

SPLIT_FOLDERS: dict[str, str] = {"Train": "train", "Val": "validation"}
CLASS_FOLDERS: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")
ALIGNED_SUFFIX = "_Aligned_Faces"


def class_root(root: Path, split_folder: str, kind: str) -> Path | None:
    """The folder holding the class folders of one split, or None when the split is absent."""
    candidates = []
    if kind == "aligned":
        aligned = split_folder + ALIGNED_SUFFIX
        candidates += [root / split_folder / aligned, root / aligned]
    candidates.append(root / split_folder)
    return next((folder for folder in candidates if folder.is_dir()), None)


def scan_class_folders(folder: Path) -> tuple[list[str], list[str]]:
    """Image paths and native class names of ``folder/<class>/*``."""
    paths: list[str] = []
    native: list[str] = []
    names = {name.lower(): name for name in CLASS_FOLDERS}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if sub.name.endswith(ALIGNED_SUFFIX):
            continue
        if sub.name.lower() not in names:
            raise DataFormatError(
                sub, None, f"unknown SFEW class folder; expected one of {', '.join(CLASS_FOLDERS)}"
            )
        images = list_images(sub)
        paths += [str(p) for p in images]
        native += [sub.name.lower()] * len(images)
    return paths, native


def read_sfew(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads SFEW 2.0's Train/Val class folders into a sample table (see the module docstring)."""
    root = spec.path
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (data spec {spec})")
    kind = spec.choice("images", ("aligned", "original"), "aligned")
    classes = spec.num_classes() or 7
    columns: dict[str, list] = {"path": [], "split": [], "native": []}
    available = []
    for split_folder, split in SPLIT_FOLDERS.items():
        folder = class_root(root, split_folder, kind)
        if folder is None:
            continue
        available.append(split)
        paths, native = scan_class_folders(folder)
        columns["path"] += paths
        columns["native"] += native
        columns["split"] += [split] * len(paths)
    if not available:
        raise DataFormatError(root, None, "no SFEW split folders (expected Train/ and/or Val/)")
    native = np.asarray(columns["native"], dtype=object)
    table = make_table(
        {
            "path": columns["path"],
            "split": columns["split"],
            "expression": canonical_codes(native, classes),
            "label_native": native,
        },
        "sfew",
        classes,
    )
    table.attrs["available_splits"] = available
    return table


register_reader(
    Reader(
        name="sfew",
        read=read_sfew,
        summary="SFEW 2.0 class folders Train/ and Val/ (aligned faces when present)",
        options={
            "images": "aligned|original: *_Aligned_Faces folders when present, or the class "
            "folders (default aligned)",
            "classes": "7|8 expression classes of the table (default 7; SFEW has no Other)",
        },
    )
)
