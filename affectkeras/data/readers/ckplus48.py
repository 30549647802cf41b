"""CK+48: class folders of 48x48 CK+ crops (the last 3 frames of each labelled sequence).

Layout::

    ROOT/<anger|contempt|disgust|fear|happy|sadness|surprise>/S010_004_00000017.png

The folder is the expression (``label_native``; contempt per ``contempt=``); the file name gives
``subject`` (S010), ``video`` (the sequence, S010_004) and ``frame`` (17). Every image is split
``train``: CK+ has no official split, and its 3 near-identical frames per sequence must be split
by subject, never by image.

With ``labels=PATH``, a CSV with columns ``path,label`` and any of ``subject, sequence, frame,
video, au_combination`` and binary FACS AU columns (``AU1, AU2, ...``; ../shared/data/README.md)
adds subjects and AUs: ``path`` is relative to the CSV's folder (or absolute) and each row is
matched to its image in the folders. The canonical AUs fill ``AU1 ... AU26`` (those the CSV does
not have stay MISSING), the others become extra columns ``AU<k>``; ``au_combination`` is kept as an
extra column. A CSV row whose image is not in the folders is dropped (``missing_image``); an image
the CSV does not list keeps its folder label with AUs MISSING (``attrs["unlabelled_aus"]`` counts
them). A CSV label that disagrees with the image's folder is an error.

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read(  # doctest: +SKIP
    ...     "ckplus:/data/ckplus48/CK+48?labels=/data/ckplus48/labels.csv")
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers.images import list_images
from affectkeras.data.readers.label_columns import au_columns, au_number, canonical_codes
from affectkeras.data.readers.label_columns import expression_options as _expression_options
from affectkeras.data.readers.text_files import first_row, not_utf8
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

logger = logging.getLogger("affectkeras.data")

CLASS_FOLDERS: tuple[str, ...] = (
    "anger",
    "contempt",
    "disgust",
    "fear",
    "happy",
    "neutral",
    "sadness",
    "surprise",
)
ID_COLUMNS: tuple[str, ...] = ("subject", "sequence", "frame", "video", "au_combination")


def is_ckplus48(root: Path) -> bool:
    """Whether ROOT's sub-folders are CK+48 class folders (at least one, no others)."""
    folders = [p.name.lower() for p in root.iterdir() if p.is_dir()]
    return bool(folders) and all(name in CLASS_FOLDERS for name in folders)


def scan_folders(root: Path) -> pd.DataFrame:
    """One row per image: absolute path, native class, subject/video/frame from the file name."""
    paths, native = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        images = list_images(folder)
        paths += [os.path.normpath(p) for p in images]
        native += [folder.name.lower()] * len(images)
    frame = pd.DataFrame({"path": paths, "label_native": native})
    parts = frame["path"].map(os.path.basename).str.extract(r"^(S\d+)_(\d+)_(\d+)\.")
    frame["subject"] = parts[0].fillna("")
    frame["video"] = (parts[0] + "_" + parts[1]).fillna("")
    frame["frame"] = pd.to_numeric(parts[2], errors="coerce").fillna(-1).astype(np.int64)
    return frame


def read_labels_csv(path: Path) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """The labels CSV (paths made absolute) and its AU columns keyed by AU number (0/1/-1)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    except pd.errors.ParserError as error:
        raise DataFormatError(path, None, f"not a CSV file: {error}") from None
    frame.columns = [name.strip() for name in frame.columns]
    lower = {name.lower(): name for name in frame.columns}
    if "path" not in lower or "label" not in lower:
        raise DataFormatError(
            path, 1, f"expected columns path,label,..., got {list(frame.columns)}"
        )
    if frame.empty:
        raise DataFormatError(path, None, "the file lists no images")
    aus: dict[int, np.ndarray] = {}
    for name in frame.columns:
        number = au_number(name) if name.lower().startswith("au") else None
        if number is None:
            continue
        text = frame[name].str.strip()
        values = pd.to_numeric(text.replace("", str(labels.MISSING_AU)), errors="coerce")
        values = values.to_numpy(np.float64)
        row = first_row(~np.isin(values, (0.0, 1.0, float(labels.MISSING_AU))))
        if row is not None:
            raise DataFormatError(
                path, row + 2, f"{name} value {text.iloc[row]!r} is not 0, 1 or -1 (unknown)"
            )
        aus[number] = values.astype(np.int8)
    base = str(path.parent)
    relative = frame[lower["path"]].str.strip().str.replace("\\", "/", regex=False)
    absolute = [
        os.path.normpath(p if os.path.isabs(p) else os.path.join(base, p)) for p in relative
    ]
    table = pd.DataFrame(
        {"path": absolute, "csv_label": frame[lower["label"]].str.strip().str.lower()}
    )
    for name in ID_COLUMNS:
        if name in lower:
            table[f"csv_{name}"] = frame[lower[name]].str.strip().to_numpy()
    duplicated = first_row(table["path"].duplicated().to_numpy())
    if duplicated is not None:
        raise DataFormatError(path, duplicated + 2, f"{relative.iloc[duplicated]!r} listed twice")
    return table, aus


def read_ckplus48(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads CK+48 class folders, optionally with its labels CSV (see the module docstring)."""
    classes, contempt = _expression_options(spec)
    images = scan_folders(spec.path)
    columns: dict = {}
    labels_path = spec.path_option("labels")
    if labels_path is not None:
        if not labels_path.is_file():
            raise FileNotFoundError(f"{labels_path}: no such labels file (data spec {spec})")
        csv_rows, aus = read_labels_csv(labels_path)
        csv_rows["row"] = np.arange(len(csv_rows))
        merged = images.merge(csv_rows, on="path", how="left", validate="one_to_one")
        listed = merged["row"].notna().to_numpy()
        in_tree = csv_rows["path"].isin(images["path"]).to_numpy()
        skips.add("missing_image", list(csv_rows["path"][~in_tree]))
        disagree = first_row(listed & (merged["csv_label"] != merged["label_native"]).to_numpy())
        if disagree is not None:
            line = int(merged["row"].iloc[disagree]) + 2
            raise DataFormatError(
                labels_path,
                line,
                f"label {merged['csv_label'].iloc[disagree]!r} disagrees with the image's "
                f"folder {merged['label_native'].iloc[disagree]!r}",
            )
        rows = merged["row"].fillna(-1).to_numpy(np.int64)
        per_au = {
            number: np.where(listed, values[rows], labels.MISSING_AU)
            for number, values in aus.items()
        }
        columns.update(au_columns(per_au, len(merged)))
        for name in ("subject", "video"):
            if f"csv_{name}" in merged:
                columns[name] = np.where(listed, merged[f"csv_{name}"], merged[name])
        if "csv_au_combination" in merged:
            columns["au_combination"] = merged["csv_au_combination"].fillna("").to_numpy(object)
        unlabelled = int((~listed).sum())
        if unlabelled:
            logger.warning(
                "%s: %d image(s) not in %s: AUs MISSING", spec.path, unlabelled, labels_path
            )
    else:
        unlabelled = len(images)
    native = images["label_native"].to_numpy(object)
    table = make_table(
        {
            "path": images["path"].to_numpy(object),
            "split": "train",
            "subject": images["subject"].to_numpy(object),
            "video": images["video"].to_numpy(object),
            "frame": images["frame"].to_numpy(),
            "expression": canonical_codes(native, classes, contempt),
            "label_native": native,
            **columns,
        },
        "ckplus",
        classes,
    )
    table.attrs["available_splits"] = ["train"]
    table.attrs["unlabelled_aus"] = unlabelled
    return table
