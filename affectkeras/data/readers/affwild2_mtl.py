"""s-Aff-Wild2, the ABAW4 multi-task-learning set: one file per split, all three tasks per line.

Layout (../shared/FORMATS.md)::

    ROOT/training_set_annotations.txt      -> split "train"
    ROOT/validation_set_annotations.txt    -> split "validation"
    ROOT/cropped_aligned/<video>/<frame>.jpg

After one header line, each line reads ``<video>/<frame>.jpg,valence,arousal,expression,AU1,...,
AU26`` (16 fields); MISSING is -5 for VA, -1 for the expression and for each AU. The header has
been published in several spellings, so any first line that does not parse as data is accepted
as the header, and a file whose first line parses as data is rejected (its header is missing).
Expressions are in the 8-class space (ABAW4 includes Other).

Spec options: ``classes=7|8`` (default 8; ``other`` becomes MISSING with 7), ``crops=PATH``
(default ``ROOT/cropped_aligned``). ROOT may also be one of the two annotation files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.readers.text_files import (
    check_au_values,
    check_expression_codes,
    check_va_values,
    is_number,
    parse_numeric_rows,
    read_lines,
)
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import concat_tables, empty_table, make_table

SPLIT_FILES: dict[str, str] = {
    "training_set_annotations.txt": "train",
    "validation_set_annotations.txt": "validation",
}
N_FIELDS = 1 + len(labels.VALENCE_AROUSAL) + 1 + len(labels.ACTION_UNITS)
MTL_CLASSES = 8


def is_data_line(line: str) -> bool:
    """True when ``line`` has 16 fields of which the last 15 are numbers."""
    fields = line.split(",")
    return len(fields) == N_FIELDS and all(is_number(value) for value in fields[1:])


def parse_mtl_file(path: Path, split: str, crops: Path, classes: int) -> pd.DataFrame:
    """Parses one annotation file into table columns (images not yet checked)."""
    lines = read_lines(path)
    if is_data_line(lines[0]):
        raise DataFormatError(
            path,
            1,
            "the first line is data, but s-Aff-Wild2 files start with a header line "
            "such as 'image,valence,arousal,expression,aus'",
        )
    body = lines[1:]
    for index, line in enumerate(body):
        if line.count(",") != N_FIELDS - 1:
            raise DataFormatError(
                path,
                index + 2,
                f"expected {N_FIELDS} comma-separated fields (image, valence, arousal, expression, "
                f"12 AUs), found {line.count(',') + 1}: {line!r}",
            )
    images = [line.split(",", 1)[0].strip().replace("\\", "/") for line in body]
    numbers = [line.partition(",")[2] for line in body]
    values = parse_numeric_rows(path, numbers, N_FIELDS - 1, first_line=2)
    va = check_va_values(path, values[:, 0:2], 2, body)
    codes = check_expression_codes(path, values[:, 2], MTL_CLASSES, 2, body)
    aus = check_au_values(path, values[:, 3:], 2, body)
    videos, frames = _split_image_names(path, images)
    labelled = (
        (codes != labels.MISSING_EXPRESSION)
        | (aus != labels.MISSING_AU).any(axis=1)
        | (va != labels.MISSING_VA).any(axis=1)
    )
    keep = np.flatnonzero(labelled)
    native = np.where(codes >= 0, np.asarray(labels.EXPRESSIONS, dtype=object)[codes], "")
    columns: dict[str, object] = {
        "path": [os.path.join(crops, *images[i].split("/")) for i in keep],
        "split": split,
        "video": videos[keep],
        "frame": frames[keep],
        "expression": np.where(codes < classes, codes, labels.MISSING_EXPRESSION)[keep],
        "valence": va[keep, 0],
        "arousal": va[keep, 1],
        "label_native": native[keep],
    }
    for index, name in enumerate(labels.ACTION_UNITS):
        columns[name] = aus[keep, index]
    return pd.DataFrame(columns)


def _split_image_names(path: Path, images: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Video and 1-based frame number of each ``<video>/<frame>.jpg``; each image listed once."""
    videos = np.empty(len(images), dtype=object)
    frames = np.empty(len(images), dtype=np.int64)
    first_line: dict[str, int] = {}
    for index, image in enumerate(images):
        video, slash, name = image.rpartition("/")
        stem = name.rsplit(".", 1)[0]
        if not slash or not video or not stem.isdigit() or int(stem) < 1:
            raise DataFormatError(
                path,
                index + 2,
                f"image {image!r} is not of the form <video>/<frame>.jpg with frame >= 1",
            )
        if image in first_line:
            raise DataFormatError(
                path,
                index + 2,
                f"image {image!r} is listed again (first on line "
                f"{first_line[image]}); each frame has one line",
            )
        first_line[image] = index + 2
        videos[index], frames[index] = video, int(stem)
    return videos, frames


def read_affwild2_mtl(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads the s-Aff-Wild2 MTL annotation files into a sample table."""
    root = spec.path
    if root.is_file():
        if root.name not in SPLIT_FILES:
            raise DataFormatError(
                root, None, f"not an s-Aff-Wild2 annotation file (expected {list(SPLIT_FILES)})"
            )
        files, folder = {root.name: SPLIT_FILES[root.name]}, root.parent
    elif root.is_dir():
        files = {name: split for name, split in SPLIT_FILES.items() if (root / name).is_file()}
        folder = root
        if not files:
            raise DataFormatError(
                root, None, f"no s-Aff-Wild2 annotation files here (expected {list(SPLIT_FILES)})"
            )
    else:
        raise FileNotFoundError(f"{root}: no such file or folder (data spec {spec})")
    classes = spec.num_classes() or MTL_CLASSES
    crops = spec.path_option("crops") or folder / "cropped_aligned"
    wanted = spec.splits()
    tables = []
    for name, split in files.items():
        if wanted is not None and split not in wanted:
            continue
        columns = parse_mtl_file(folder / name, split, crops, classes)
        exists = existing_mask(list(columns["path"]), skips)
        tables.append(
            make_table(columns.loc[exists].reset_index(drop=True), "affwild2-mtl", classes)
        )
    table = concat_tables(tables) if tables else empty_table("affwild2-mtl", classes)
    table.attrs["available_splits"] = sorted(set(files.values()))
    return table


register_reader(
    Reader(
        name="affwild2-mtl",
        read=read_affwild2_mtl,
        summary="s-Aff-Wild2 (ABAW4 multi-task): VA + 8 expressions + 12 AUs per line",
        options={
            "classes": "7|8 expression classes (default 8; other is MISSING with 7)",
            "crops": "folder of the cropped_aligned frames (default: beside the annotation files)",
        },
    )
)
