"""ExpW (Expression in-the-Wild): one row per face, boxes into ``box_*``.

Layout (../shared/FORMATS.md)::

    ROOT/label/label.lst      lines "<image_name> <face_id> <top> <left> <right> <bottom>
                              <confidence> <expression>"
    ROOT/image/origin/<image_name>

Expressions ``0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral``. ``face`` is the
face id, the box is ``box_x = left, box_y = top, box_w = right - left, box_h = bottom - top`` (the
image is cropped downstream), and the detector's confidence is kept in an extra column
``face_confidence``. ExpW has no official split: every row is ``train``. Faces whose box is empty
(right <= left or bottom <= top) are dropped (``empty_box``).

Spec options: ``classes=7|8`` (default 7; ExpW has no Other), ``image_root=PATH`` (default
``ROOT/image/origin``). ROOT may also be ``label.lst`` itself.

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read("expw:/data/ExpW")  # doctest: +SKIP
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.readers.label_columns import canonical_codes
from affectkeras.data.readers.text_files import is_number, read_lines
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

CODE_NAMES: dict[int, str] = labels.DATASET_EXPRESSION_CODES["expw"]
N_FIELDS = 8


def parse_label_list(path: Path) -> tuple[list[str], np.ndarray]:
    """Image names and the 7 numbers (face, top, left, right, bottom, confidence, code) per line."""
    lines = read_lines(path)
    try:
        # Fast path: the C reader splits on whitespace and parses the numbers; any problem
        # falls back to a line scan that names the first bad line.
        frame = pd.read_csv(
            io.StringIO("\n".join(lines)),
            sep=r"\s+",
            header=None,
            dtype={0: str, **{i: np.float64 for i in range(1, N_FIELDS)}},
            keep_default_na=False,
        )
        if frame.shape != (len(lines), N_FIELDS) or frame.isna().to_numpy().any():
            raise ValueError("ragged")  # pandas pads a short line with NaN
    except (pd.errors.ParserError, ValueError):
        _raise_first_bad_line(path, [line.split() for line in lines])
    names = frame[0].tolist()
    values = frame.iloc[:, 1:].to_numpy(np.float64)
    codes = values[:, 6]
    integers = values[:, [0, 6]]
    bad = (integers != np.round(integers)).any(axis=1) | (codes < 0) | (codes > max(CODE_NAMES))
    bad |= ~np.isfinite(values).all(axis=1) | (values[:, 0] < 0)
    if bad.any():
        line = int(np.flatnonzero(bad)[0])
        raise DataFormatError(
            path,
            line + 1,
            f"face id must be an integer >= 0 and expression an integer 0-6: {lines[line]!r}",
        )
    return names, values


def _raise_first_bad_line(path: Path, rows: list[list[str]]) -> None:
    for index, row in enumerate(rows):
        if len(row) != N_FIELDS or not all(is_number(v) for v in row[1:]):
            raise DataFormatError(
                path,
                index + 1,
                f"expected '<image> <face_id> <top> <left> <right> <bottom> <confidence> "
                f"<expression>', found {' '.join(row)!r}",
            )
    raise DataFormatError(path, None, "could not parse the label list")


def read_expw(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads ExpW's label list into a sample table, one row per face (see the module docstring)."""
    root = spec.path
    if root.is_file():
        label_file = root
        base = root.parent.parent if root.parent.name == "label" else root.parent
    elif root.is_dir():
        label_file, base = root / "label" / "label.lst", root
        if not label_file.is_file():
            raise DataFormatError(root, None, "no ExpW label list (expected label/label.lst)")
    else:
        raise FileNotFoundError(f"{root}: no such file or folder (data spec {spec})")
    classes = spec.num_classes() or 7
    image_root = spec.path_option("image_root") or base / "image" / "origin"
    names, values = parse_label_list(label_file)
    prefix = str(image_root).rstrip("/\\") + "/"
    paths = np.asarray([prefix + name for name in names], dtype=object)
    face, top, left, right, bottom, confidence, codes = values.T
    empty = (right <= left) | (bottom <= top)
    skips.add("empty_box", list(paths[empty]))
    exists = np.zeros(len(paths), dtype=bool)
    exists[~empty] = existing_mask(list(paths[~empty]), skips)
    native = np.asarray([CODE_NAMES[c] for c in sorted(CODE_NAMES)], dtype=object)[
        codes.astype(np.int64)
    ]
    return make_table(
        {
            "path": paths[exists],
            "split": "train",
            "face": face[exists].astype(np.int64),
            "box_x": left[exists],
            "box_y": top[exists],
            "box_w": (right - left)[exists],
            "box_h": (bottom - top)[exists],
            "expression": canonical_codes(native[exists], classes),
            "label_native": native[exists],
            "face_confidence": confidence[exists],
        },
        "expw",
        classes,
    )


register_reader(
    Reader(
        name="expw",
        read=read_expw,
        summary="ExpW label.lst: one row per face with its box, 7 expressions, split train",
        options={
            "classes": "7|8 expression classes of the table (default 7; ExpW has no Other)",
            "image_root": "folder of the images (default ROOT/image/origin)",
        },
    )
)
