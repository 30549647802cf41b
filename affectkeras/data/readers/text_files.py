"""Parsing of comma-separated annotation text files with exact file:line error messages.

The fast path hands the lines to ``numpy.loadtxt``; only when that fails is the file scanned line
by line to say which line is wrong and why, so a 2.6M-frame Aff-Wild2 set parses in seconds and a
bad file still gets a precise message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from affectkeras.data.reading.errors import DataFormatError


def read_lines(path: Path) -> list[str]:
    """The file's lines (BOM and line endings removed), trailing blank lines dropped.

    Raises:
        DataFormatError: if the file is empty or not UTF-8 text.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataFormatError(path, None, "the file is empty")
    return lines


def not_utf8(path: Path, error: UnicodeDecodeError) -> DataFormatError:
    """The error for a file that is not UTF-8 text."""
    return DataFormatError(
        path, None, f"not UTF-8 text (byte {error.start}: {error.reason}); save it as UTF-8"
    )


def split_header(path: Path, lines: list[str]) -> list[str]:
    """The header's comma-separated names, stripped."""
    return [name.strip() for name in lines[0].split(",")]


def parse_numeric_rows(path: Path, body: list[str], n_columns: int, first_line: int) -> np.ndarray:
    """Parses lines of ``n_columns`` comma-separated numbers into a float64 [len(body), n] array.

    Args:
        path: the file, for messages.
        body: the data lines (no header).
        n_columns: the number of values every line must hold.
        first_line: the 1-based line number of ``body[0]`` in the file.

    Raises:
        DataFormatError: naming the first blank, ragged, non-numeric or non-finite line.
    """
    if not body:
        raise DataFormatError(path, None, "the file has a header but no data lines")
    for index, line in enumerate(body):
        if not line.strip():
            raise DataFormatError(
                path, first_line + index, "blank line inside the data (it would shift every frame)"
            )
    try:
        values = np.loadtxt(body, delimiter=",", dtype=np.float64, ndmin=2, comments=None)
    except ValueError as error:
        _raise_first_bad_line(path, body, n_columns, first_line)
        raise DataFormatError(path, None, f"could not parse the numbers: {error}") from None
    if values.shape[1] != n_columns:
        _raise_first_bad_line(path, body, n_columns, first_line)
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        raise DataFormatError(path, first_line + row, f"NaN or infinite value in {body[row]!r}")
    return values


def _raise_first_bad_line(path: Path, body: list[str], n_columns: int, first_line: int) -> None:
    for index, line in enumerate(body):
        fields = line.split(",")
        if len(fields) != n_columns:
            raise DataFormatError(
                path,
                first_line + index,
                f"expected {n_columns} comma-separated values, found {len(fields)}: {line!r}",
            )
        for value in fields:
            if not is_number(value):
                raise DataFormatError(
                    path, first_line + index, f"{value.strip()!r} is not a number"
                )


def is_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal number as numpy.loadtxt reads it (no ``1_0``)."""
    if "_" in text:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def first_row(mask: np.ndarray) -> int | None:
    """Index of the first True in a boolean vector, or None."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def check_expression_codes(
    path: Path, values: np.ndarray, n_classes: int, first_line: int, body: list[str]
) -> np.ndarray:
    """Checks integer codes in -1 .. n_classes-1 and returns them as int64."""
    bad = (values != np.round(values)) | (values < -1) | (values > n_classes - 1)
    row = first_row(bad)
    if row is not None:
        raise DataFormatError(
            path,
            first_line + row,
            f"expression label {body[row].strip()!r} is not an integer in -1..{n_classes - 1}",
        )
    return values.astype(np.int64)


def check_au_values(path: Path, values: np.ndarray, first_line: int, body: list[str]) -> np.ndarray:
    """Checks AU occurrences in {-1, 0, 1} per element and returns them as int8."""
    bad = ~np.isin(values, (-1.0, 0.0, 1.0)).all(axis=1)
    row = first_row(bad)
    if row is not None:
        raise DataFormatError(
            path, first_line + row, f"AU values must be 0, 1 or -1 (not annotated): {body[row]!r}"
        )
    return values.astype(np.int8)


def check_va_values(
    path: Path, values: np.ndarray, first_line: int, body: list[str], missing: float = -5.0
) -> np.ndarray:
    """Checks each valence/arousal value is in [-1, 1] or the MISSING sentinel."""
    in_range = (values >= -1.0) & (values <= 1.0)
    bad = ~((values == missing) | in_range).all(axis=1)
    row = first_row(bad)
    if row is not None:
        raise DataFormatError(
            path,
            first_line + row,
            f"valence/arousal must be in [-1, 1], or {missing:g} (not annotated): {body[row]!r}",
        )
    return values
