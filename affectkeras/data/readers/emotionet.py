"""EmotioNet (AU annotations): a CSV or tab file, image path/URL then AU columns.

Format (../shared/FORMATS.md): a header line naming the columns (first the image, then ``AU1, AU2,
AU4, AU5, AU6, AU9, AU12, AU17, AU20, AU25, AU26, ...``; ``AU 1`` and bare numbers are read too),
then one line per image; tab-separated when the header holds a tab, else comma-separated. AU
values: 1 present, 0 absent, 999 not annotated (-> MISSING, per AU). The AUs shared with the
canonical 12 fill ``AU1 ... AU26`` (the canonical AUs EmotioNet does not code stay MISSING); every
other AU is kept as an extra column ``AU<k>`` (0/1/-1) for SJMT's union label space. An optional
``emotion`` (or ``expression``) column holds the basic or compound emotion of the images that have
one (seed 003's compound subset): a basic emotion fills ``expression``, a compound one
(``happily_surprised`` or ``happily surprised``) stays MISSING there; either is ``label_native``.
Rows with no label at all are dropped (``no_label``).

Image paths: a URL keeps its file name and is looked up in ``image_root``; a relative path is
joined to ``image_root`` (default: the annotation file's folder). Every row is split ``train``
unless ``as_split=`` says otherwise (the challenge ships its sets as separate files).

Spec options: ``image_root=PATH``, ``as_split=SPLIT``, ``classes=7|8`` (default 7). ROOT is the
annotation file, or a folder holding exactly one ``.csv``/``.tsv``/``.txt`` file.

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read(  # doctest: +SKIP
    ...     "emotionet:/data/EmotioNet/train.csv?image_root=/data/EmotioNet/images")
"""

from __future__ import annotations

import csv
import io
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.readers.label_columns import any_label, au_columns, au_number
from affectkeras.data.readers.text_files import first_row, is_number, read_lines
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

logger = logging.getLogger("affectkeras.data")

NOT_ANNOTATED = 999
EMOTION_COLUMNS: tuple[str, ...] = ("emotion", "expression")
SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt")


def find_annotation_file(root: Path) -> Path:
    if root.is_file():
        return root
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such file or folder")
    found = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if len(found) != 1:
        raise DataFormatError(
            root,
            None,
            f"expected one EmotioNet annotation file ({'/'.join(SUFFIXES)}) here, found "
            f"{len(found)}; give the file itself as the data spec path",
        )
    return found[0]


def resolve_images(values: list[str], image_root: Path) -> np.ndarray:
    """Local paths of the image column: URLs by file name, relative paths under ``image_root``."""
    root = str(image_root).rstrip("/\\") + "/"

    def local(value: str) -> str:
        value = value.strip()
        if "://" in value:
            return root + value.split("?", 1)[0].rsplit("/", 1)[-1]
        if os.path.isabs(value):
            return value
        return root + value.replace("\\", "/")

    return np.asarray([local(value) for value in values], dtype=object)


def parse_emotionet(path: Path, image_root: Path, classes: int) -> tuple[dict, np.ndarray]:
    """Table columns of every row (before the image check) and the rows that carry a label."""
    lines = read_lines(path)
    separator = "\t" if "\t" in lines[0] else ","
    header = [name.strip() for name in lines[0].split(separator)]
    if len(header) > 1 and all(is_number(v) for v in header[1:]):
        raise DataFormatError(path, 1, "the first line is data; EmotioNet files need a header")
    if len(lines) < 2:
        raise DataFormatError(path, None, "the file has a header but no data lines")
    au_fields = {
        column: au_number(name) for column, name in enumerate(header) if column and au_number(name)
    }
    counts = np.fromiter((line.count(separator) for line in lines), np.int64, len(lines))
    row = first_row(counts != len(header) - 1)
    if row is not None:
        raise DataFormatError(
            path, row + 1, f"expected {len(header)} fields like the header: {lines[row]!r}"
        )
    body = "\n".join(lines[1:])
    try:
        # Fast path: AU columns parsed as numbers by the C reader; on any problem the text
        # is read again as strings so the checks below can name the first bad line.
        frame = _read(body, separator, len(header), {c: np.float64 for c in au_fields})
        if frame[list(au_fields)].isna().to_numpy().any():
            raise ValueError("empty AU cell")
    except ValueError:
        frame = _read(body, separator, len(header), {})
    frame.columns = range(len(header))
    aus: dict[int, np.ndarray] = {}
    emotion_column = None
    for column, name in enumerate(header[1:], start=1):
        number = au_number(name)
        if number is not None:
            if number in aus:
                raise DataFormatError(path, 1, f"AU{number} is named twice in the header")
            aus[number] = _au_values(path, name, frame[column])
        elif name.lower() in EMOTION_COLUMNS and emotion_column is None:
            emotion_column = column
        else:
            logger.warning("%s: column %r is neither an AU nor an emotion; ignored", path, name)
    if not aus and emotion_column is None:
        raise DataFormatError(path, 1, f"no AU columns in the header {header}")
    n = len(frame)
    native = np.full(n, "", dtype=object)
    expression = np.full(n, labels.MISSING_EXPRESSION, np.int64)
    if emotion_column is not None:
        native, expression = _emotions(path, frame[emotion_column], classes)
    columns = au_columns(aus, n)
    columns.update(
        path=resolve_images(frame[0].tolist(), image_root),
        expression=expression,
        label_native=native,
    )
    labelled = any_label(expression, columns) | (native != "")
    for name, values in columns.items():
        if name.startswith("AU"):
            labelled |= np.asarray(values) != labels.MISSING_AU
    return columns, labelled


def _read(body: str, separator: str, n_columns: int, numeric: dict) -> pd.DataFrame:
    """The data lines as a frame: text columns, except the ``numeric`` ones."""
    return pd.read_csv(
        io.StringIO(body),
        sep=separator,
        header=None,
        dtype={**{column: str for column in range(n_columns)}, **numeric},
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,
        skip_blank_lines=False,
    )


def _au_values(path: Path, name: str, column: pd.Series) -> np.ndarray:
    if column.dtype == np.float64:
        values = column.to_numpy(np.float64)
    else:
        values = pd.to_numeric(column.str.strip(), errors="coerce").to_numpy(np.float64)
    row = first_row(~np.isin(values, (0.0, 1.0, float(NOT_ANNOTATED))))
    if row is not None:
        value = column.iloc[row]
        shown = f"{value:g}" if isinstance(value, float) else str(value).strip()
        raise DataFormatError(path, row + 2, f"{name} value {shown!r} is not 0, 1 or 999")
    return np.where(values == NOT_ANNOTATED, labels.MISSING_AU, values).astype(np.int8)


def _emotions(path: Path, text: pd.Series, classes: int) -> tuple[np.ndarray, np.ndarray]:
    names = text.str.strip().str.lower().str.replace(" ", "_", regex=False).to_numpy(object)
    names = np.where(np.isin(names, ("", str(NOT_ANNOTATED))), "", names)
    expression = np.full(len(names), labels.MISSING_EXPRESSION, np.int64)
    for name in np.unique(names.astype(str)):
        if not name or name in labels.COMPOUND_EMOTIONS:
            continue
        try:
            code = labels.canonical_expression(name, classes)
        except ValueError:
            row = int(np.flatnonzero(names == name)[0])
            raise DataFormatError(
                path, row + 2, f"emotion {name!r} is neither a basic nor a compound emotion"
            ) from None
        expression[names == name] = code
    return names, expression


def read_emotionet(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads an EmotioNet annotation file into a sample table (see the module docstring)."""
    path = find_annotation_file(spec.path)
    classes = spec.num_classes() or 7
    split = spec.choice("as_split", labels.SPLITS, "train")
    image_root = spec.path_option("image_root") or path.parent
    columns, labelled = parse_emotionet(path, image_root, classes)
    skips.add("no_label", list(columns["path"][~labelled]))
    keep = np.flatnonzero(labelled)
    exists = existing_mask(list(columns["path"][keep]), skips)
    keep = keep[exists]
    table = make_table(
        {"split": split, **{name: np.asarray(v)[keep] for name, v in columns.items()}},
        "emotionet",
        classes,
    )
    table.attrs["available_splits"] = [split]
    return table


register_reader(
    Reader(
        name="emotionet",
        read=read_emotionet,
        summary="EmotioNet AU file (CSV/TSV): 999 -> MISSING per AU, extra AUs kept as columns",
        options={
            "image_root": "folder of the images; URLs are looked up by file name "
            "(default: the annotation file's folder)",
            "as_split": "split of every row (default train)",
            "classes": "7|8 expression classes for the optional emotion column (default 7)",
        },
    )
)
