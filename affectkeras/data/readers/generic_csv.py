"""Parsing of the generic ``csv`` reader's file (columns documented in ``readers.generic``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.readers.label_columns import au_columns, au_number, canonical_codes
from affectkeras.data.readers.text_files import first_row, not_utf8
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.skips import SkipReport

FLOAT_COLUMNS: tuple[str, ...] = ("box_x", "box_y", "box_w", "box_h")
INT_COLUMNS: dict[str, int] = {"frame": -1, "face": 0}
TEXT_COLUMNS: tuple[str, ...] = ("subject", "video", "label_native")


def read_csv_table(
    path: Path,
    image_root: Path,
    classes: int | None,
    contempt: str,
    default_split: str,
    skips: SkipReport,
) -> tuple[dict, int]:
    """Table columns of a generic CSV and its expression space.

    Rows whose image is missing are dropped into ``skips``.

    Args:
        classes: the ``classes=`` option, or None: 8 when the file has ``other``, else 7 (8 too
            with ``contempt=other``).
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    except pd.errors.ParserError as error:
        raise DataFormatError(path, None, f"not a CSV file: {error}") from None
    frame.columns = [name.strip() for name in frame.columns]
    if "path" not in frame.columns:
        raise DataFormatError(path, 1, f"no 'path' column in the header {list(frame.columns)}")
    if frame.empty:
        raise DataFormatError(path, None, "the file lists no images")
    text = {name: frame[name].str.strip() for name in frame.columns}
    columns: dict = {"path": _paths(text["path"], image_root)}
    if "expression" in text:
        codes, native, own_classes = _expressions(path, text["expression"], classes, contempt)
        columns["expression"], columns["label_native"] = codes, native
        classes = own_classes
    aus = {}
    for name in frame.columns:
        number = _au_column(name)
        if number is not None:
            aus[number] = _numbers(path, name, text[name], labels.MISSING_AU, (-1.0, 0.0, 1.0))
    columns.update(au_columns(aus, len(frame)) if aus else {})
    for name in labels.VALENCE_AROUSAL:
        if name in text:
            columns[name] = _numbers(path, name, text[name], labels.MISSING_VA, None)
    for name in FLOAT_COLUMNS:
        if name in text:
            columns[name] = _numbers(path, name, text[name], np.nan, None, check=False)
    for name, default in INT_COLUMNS.items():
        if name in text:
            columns[name] = _numbers(path, name, text[name], default, None, check=False)
    for name in TEXT_COLUMNS:
        if name in text:
            columns[name] = text[name].to_numpy(object)
    columns["split"] = _splits(path, text.get("split"), default_split, len(frame))
    used = {"path", "expression", "split", *labels.VALENCE_AROUSAL, *FLOAT_COLUMNS}
    used |= {*INT_COLUMNS, *TEXT_COLUMNS}
    for name in frame.columns:
        if name not in used and name not in columns and _au_column(name) is None:
            columns[name] = text[name].to_numpy(object)
    exists = existing_mask(list(columns["path"]), skips)
    columns = {k: (np.asarray(v)[exists] if np.ndim(v) else v) for k, v in columns.items()}
    return columns, classes or 7


def _au_column(name: str) -> int | None:
    """The AU number of an ``AU<k>`` column name (``AU12``, ``au 12``), else None."""
    return au_number(name) if name.lower().startswith("au") else None


def _paths(text: pd.Series, image_root: Path) -> np.ndarray:
    root = str(image_root)
    relative = text.str.replace("\\", "/", regex=False)
    return np.asarray(
        [p if os.path.isabs(p) else os.path.normpath(os.path.join(root, p)) for p in relative],
        dtype=object,
    )


def _expressions(
    path: Path, text: pd.Series, classes: int | None, contempt: str
) -> tuple[np.ndarray, np.ndarray, int]:
    numeric = pd.to_numeric(text, errors="coerce").to_numpy(np.float64)
    given = (text != "").to_numpy()
    names = text.str.lower().to_numpy(object)
    if given.any() and np.isfinite(numeric[given]).all():
        bad = first_row(given & ((numeric != np.round(numeric)) | (numeric < -1) | (numeric > 7)))
        if bad is not None:
            raise DataFormatError(path, bad + 2, f"expression {text.iloc[bad]!r} is not in -1..7")
        codes = np.where(given, numeric, -1).astype(np.int64)
        names = np.where(codes >= 0, np.asarray(labels.EXPRESSIONS, object)[codes], "")
    else:
        names = np.where(given & (names != str(labels.MISSING_EXPRESSION)), names, "")
    own = classes or (8 if contempt == "other" or (names == "other").any() else 7)
    try:
        codes = canonical_codes(names, own, contempt)
    except ValueError as error:
        row = next(i for i, name in enumerate(names) if name and not _is_expression(name))
        raise DataFormatError(path, row + 2, str(error)) from None
    return codes, names.astype(object), own


def _is_expression(name: str) -> bool:
    try:
        labels.canonical_expression(name)
    except ValueError:
        return False
    return True


def _numbers(path, name, text, default, allowed, check=True) -> np.ndarray:
    """A numeric column, empty cells -> ``default``; checked against ``allowed`` (or VA range)."""
    values = pd.to_numeric(text.replace("", "nan"), errors="coerce").to_numpy(np.float64)
    bad = first_row((text != "").to_numpy() & ~np.isfinite(values))
    if bad is not None:
        raise DataFormatError(path, bad + 2, f"{name} {text.iloc[bad]!r} is not a number")
    values = np.where(np.isfinite(values), values, default)
    if check:
        if allowed is not None:
            wrong, expected = ~np.isin(values, allowed), "0, 1 or -1"
        else:
            wrong = ~((values == default) | ((values >= -1.0) & (values <= 1.0)))
            expected = f"in [-1, 1] or {default:g}"
        bad = first_row(wrong)
        if bad is not None:
            raise DataFormatError(path, bad + 2, f"{name} {text.iloc[bad]!r} is not {expected}")
    return values


def _splits(path: Path, text: pd.Series | None, default: str, n: int) -> np.ndarray:
    if text is None:
        return np.full(n, default, dtype=object)
    splits = np.where((text == "").to_numpy(), default, text.str.lower().to_numpy(object))
    bad = first_row(~np.isin(splits, labels.SPLITS))
    if bad is not None:
        raise DataFormatError(
            path, bad + 2, f"split {text.iloc[bad]!r} is not one of {', '.join(labels.SPLITS)}"
        )
    return splits.astype(object)
