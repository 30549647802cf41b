"""AffectNet (manually annotated part): 11 expression codes, valence/arousal and a face box per row.

Layout (../shared/FORMATS.md)::

    ROOT/training.csv            -> split "train"
    ROOT/validation.csv          -> split "validation"
    ROOT/Manually_Annotated_Images/<subDirectory_filePath>

Columns ``subDirectory_filePath, face_x, face_y, face_width, face_height, facial_landmarks,
expression, valence, arousal``. The header line is optional (the released ``validation.csv`` has
none); a headerless file must hold the columns in that order. Codes ``0 Neutral, 1 Happy, 2 Sad,
3 Surprise, 4 Fear, 5 Disgust, 6 Anger, 7 Contempt, 8 None, 9 Uncertain, 10 No-Face``: 8-10 are
not expressions (expression MISSING, ``label_native`` none / uncertain / no-face) but their
valence/arousal is kept when annotated; -2 valence/arousal means not annotated (-> -5). Rows with
neither an expression nor valence/arousal are dropped (``no_label``). The face box becomes
``box_x, box_y, box_w, box_h``.

Spec options: ``contempt=missing|other``, ``classes=7|8`` (default 8 with contempt=other, else 7),
``image_root=PATH`` (default ``ROOT/Manually_Annotated_Images``). ROOT may also be one CSV file.

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read("affectnet:/data/AffectNet?contempt=other")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.readers.label_columns import (
    CONTEMPT_OPTION,
    canonical_codes,
    expression_options,
)
from affectkeras.data.readers.text_files import first_row, not_utf8
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import concat_tables, empty_table, make_table

SPLIT_FILES: dict[str, str] = {"training.csv": "train", "validation.csv": "validation"}
COLUMNS: tuple[str, ...] = (
    "subDirectory_filePath",
    "face_x",
    "face_y",
    "face_width",
    "face_height",
    "facial_landmarks",
    "expression",
    "valence",
    "arousal",
)
NUMBER_COLUMNS: tuple[str, ...] = (
    "face_x",
    "face_y",
    "face_width",
    "face_height",
    "expression",
    "valence",
    "arousal",
)
CODE_NAMES: dict[int, str] = labels.DATASET_EXPRESSION_CODES["affectnet"]
NOT_ANNOTATED_VA = -2.0
IMAGE_FOLDERS: tuple[str, ...] = (
    "Manually_Annotated_Images",
    "Manually_Annotated/Manually_Annotated_Images",
)


def read_affectnet(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads AffectNet's training/validation CSVs into a sample table (see the module docstring)."""
    root = spec.path
    if root.is_file():
        files, folder = {root: SPLIT_FILES.get(root.name.lower(), "train")}, root.parent
    elif root.is_dir():
        folder = root
        files = {
            root / name: split for name, split in SPLIT_FILES.items() if (root / name).is_file()
        }
        if not files:
            raise DataFormatError(
                root, None, f"no AffectNet annotation files here (expected {list(SPLIT_FILES)})"
            )
    else:
        raise FileNotFoundError(f"{root}: no such file or folder (data spec {spec})")
    classes, contempt = expression_options(spec)
    image_root = spec.path_option("image_root") or _default_image_root(folder)
    wanted = spec.splits()
    tables = []
    for path, split in files.items():
        if wanted is not None and split not in wanted:
            continue
        columns = parse_affectnet_csv(path, image_root, classes, contempt, skips)
        columns["split"] = split
        exists = existing_mask(list(columns["path"]), skips)
        tables.append(
            make_table({k: _take(v, exists) for k, v in columns.items()}, "affectnet", classes)
        )
    table = concat_tables(tables) if tables else empty_table("affectnet", classes)
    table.attrs["expression_classes"] = classes
    table.attrs["available_splits"] = sorted(set(files.values()))
    return table


def _default_image_root(folder: Path) -> Path:
    for name in IMAGE_FOLDERS:
        if (folder / name).is_dir():
            return folder / name
    return folder / IMAGE_FOLDERS[0]


def _take(value, mask: np.ndarray):
    return value[mask] if isinstance(value, np.ndarray) else value


def parse_affectnet_csv(
    path: Path, image_root: Path, classes: int, contempt: str, skips: SkipReport
) -> dict:
    """Parses one AffectNet CSV into table columns; unlabelled rows are dropped into ``skips``."""
    has_header = _has_header(path)
    first_line = 2 if has_header else 1
    try:
        # Fast path: the numbers parsed by the C reader. Any problem (a word, a blank line, a
        # missing field) re-reads the file as text to name the first bad line.
        frame = _read(path, has_header, typed=True)
        numbers = {name: frame[name].to_numpy(np.float64) for name in NUMBER_COLUMNS}
        if not all(np.isfinite(values).all() for values in numbers.values()):
            raise ValueError("non-finite number")
    except (pd.errors.ParserError, ValueError):
        frame = _read(path, has_header, typed=False)
        numbers = _checked_numbers(path, frame, first_line)
    if frame.empty:
        raise DataFormatError(path, None, "the file lists no images")
    codes = numbers["expression"]
    row = first_row((codes != np.round(codes)) | (codes < 0) | (codes > max(CODE_NAMES)))
    if row is not None:
        raise DataFormatError(
            path,
            first_line + row,
            f"expression '{codes[row]:g}' is not an AffectNet code 0-10",
        )
    va = np.stack([numbers["valence"], numbers["arousal"]], axis=1)
    bad = ~((va == NOT_ANNOTATED_VA) | ((va >= -1.0) & (va <= 1.0))).all(axis=1)
    row = first_row(bad)
    if row is not None:
        raise DataFormatError(
            path,
            first_line + row,
            f"valence/arousal {va[row, 0]:g},{va[row, 1]:g} must be in [-1, 1] or -2 "
            "(not annotated)",
        )
    va = np.where(va == NOT_ANNOTATED_VA, labels.MISSING_VA, va)
    native = np.asarray([CODE_NAMES[c] for c in range(len(CODE_NAMES))], dtype=object)[
        codes.astype(np.int64)
    ]
    expression = canonical_codes(native, classes, contempt)
    relative = frame["subDirectory_filePath"].str.strip().str.replace("\\", "/", regex=False)
    paths = (str(image_root).rstrip("/\\") + "/" + relative).to_numpy(dtype=object)
    keep = (expression != labels.MISSING_EXPRESSION) | (va != labels.MISSING_VA).any(axis=1)
    # Codes 9 (uncertain) and 10 (no-face) usually come with -2 VA: not samples of any task.
    skips.add("no_label", list(paths[~keep]))
    return {
        "path": paths[keep],
        "box_x": numbers["face_x"][keep],
        "box_y": numbers["face_y"][keep],
        "box_w": numbers["face_width"][keep],
        "box_h": numbers["face_height"][keep],
        "expression": expression[keep],
        "valence": va[keep, 0],
        "arousal": va[keep, 1],
        "label_native": native[keep],
    }


def _read(path: Path, has_header: bool, typed: bool) -> pd.DataFrame:
    dtype = {name: np.float64 for name in NUMBER_COLUMNS} if typed else {}
    try:
        return pd.read_csv(
            path,
            header=0 if has_header else None,
            names=list(COLUMNS),
            usecols=[c for c in COLUMNS if c != "facial_landmarks"],
            dtype={**{name: str for name in COLUMNS}, **dtype},
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    except (pd.errors.ParserError, ValueError):
        if typed:
            raise
        _raise_ragged_line(path)
        raise


def _checked_numbers(path: Path, frame: pd.DataFrame, first_line: int) -> dict[str, np.ndarray]:
    """The numeric columns parsed from text, naming the first line that holds no number."""
    numbers = {}
    for name in NUMBER_COLUMNS:
        text = frame[name].fillna("")
        values = pd.to_numeric(text.str.strip(), errors="coerce").to_numpy(np.float64)
        row = first_row(~np.isfinite(values))
        if row is not None:
            raise DataFormatError(
                path, first_line + row, f"{name} {text.iloc[row]!r} is not a number"
            )
        numbers[name] = values
    return numbers


def _has_header(path: Path) -> bool:
    """Whether line 1 names the columns (else it must be a data line)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            first = next(csv.reader(handle), [])
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    if not first:
        raise DataFormatError(path, 1, "the file is empty or starts with a blank line")
    names = [name.strip().lower() for name in first]
    if names == [name.lower() for name in COLUMNS]:
        return True
    if len(first) == len(COLUMNS) and first[1].strip().lstrip("-").isdigit():
        return False
    raise DataFormatError(
        path, 1, f"unexpected header {','.join(first)!r}; expected {','.join(COLUMNS)!r}"
    )


def _raise_ragged_line(path: Path) -> None:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            if len(row) != len(COLUMNS):
                raise DataFormatError(
                    path, line, f"expected {len(COLUMNS)} comma-separated fields, found {len(row)}"
                )


register_reader(
    Reader(
        name="affectnet",
        read=read_affectnet,
        summary="AffectNet training/validation CSVs: 8 expressions (+contempt), VA, face boxes",
        options={
            "classes": "7|8 expression classes (default 8 with contempt=other, else 7)",
            "contempt": CONTEMPT_OPTION,
            "image_root": "folder the subDirectory_filePath values are relative to "
            "(default ROOT/Manually_Annotated_Images)",
        },
    )
)
