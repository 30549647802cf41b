"""RAF-DB (basic emotions): one label file, aligned or original images, split by file-name prefix.

Layout (../shared/FORMATS.md)::

    ROOT/EmoLabel/list_patition_label.txt      lines "train_00001.jpg 5" (the file name is sic)
    ROOT/Image/aligned/train_00001_aligned.jpg (images=aligned, the default)
    ROOT/Image/original/train_00001.jpg        (images=original)

Labels ``1 Surprise, 2 Fear, 3 Disgust, 4 Happiness, 5 Sadness, 6 Anger, 7 Neutral``; the split is
``train`` or ``test`` from the ``train_`` / ``test_`` prefix. ``label_native`` keeps the RAF-DB
name. The correctly spelled ``list_partition_label.txt`` is read too when the sic one is absent.

Spec options: ``images=aligned|original``, ``classes=7|8`` (default 7; RAF-DB has no Other).

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read("rafdb:/data/RAF-DB/basic?split=test")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.readers.label_columns import canonical_codes
from affectkeras.data.readers.text_files import read_lines
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

LABEL_FILES: tuple[str, ...] = ("list_patition_label.txt", "list_partition_label.txt")
CODE_NAMES: dict[int, str] = labels.DATASET_EXPRESSION_CODES["rafdb"]
PREFIX_SPLITS: dict[str, str] = {"train_": "train", "test_": "test"}
IMAGE_KINDS: tuple[str, ...] = ("aligned", "original")


def find_label_file(root: Path) -> Path:
    """``EmoLabel/list_patition_label.txt`` under ROOT (ROOT may be the file itself)."""
    if root.is_file():
        return root
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such file or folder")
    for base in (root / "EmoLabel", root):
        for name in LABEL_FILES:
            if (base / name).is_file():
                return base / name
    raise DataFormatError(root, None, f"no RAF-DB label file (expected EmoLabel/{LABEL_FILES[0]})")


def parse_label_file(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """File names, native names and splits of every line of the label file."""
    lines = read_lines(path)
    names = np.empty(len(lines), dtype=object)
    codes = np.empty(len(lines), dtype=np.int64)
    for index, line in enumerate(lines):
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) not in CODE_NAMES:
            raise DataFormatError(
                path, index + 1, f"expected '<image> <label 1-7>', found {line.strip()!r}"
            )
        names[index], codes[index] = fields[0], int(fields[1])
    splits = np.empty(len(lines), dtype=object)
    for index, name in enumerate(names):
        split = next((s for p, s in PREFIX_SPLITS.items() if name.startswith(p)), None)
        if split is None:
            raise DataFormatError(
                path, index + 1, f"image {name!r} starts with neither train_ nor test_"
            )
        splits[index] = split
    native = np.asarray([CODE_NAMES[c] for c in sorted(CODE_NAMES)], dtype=object)[codes - 1]
    return names, native, splits


def image_path(folder: Path, name: str, kind: str) -> str:
    """A label line's image: ``Image/aligned/<stem>_aligned.jpg`` or ``Image/original/<name>``."""
    if kind == "aligned":
        stem = name.rsplit(".", 1)[0]
        return str(folder / f"{stem}_aligned.jpg")
    return str(folder / name)


def read_rafdb(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads RAF-DB basic into a sample table (see the module docstring)."""
    label_file = find_label_file(spec.path)
    kind = spec.choice("images", IMAGE_KINDS, "aligned")
    classes = spec.num_classes() or 7
    root = label_file.parent.parent if label_file.parent.name == "EmoLabel" else label_file.parent
    names, native, splits = parse_label_file(label_file)
    folder = root / "Image" / kind
    paths = [image_path(folder, name, kind) for name in names]
    exists = existing_mask(paths, skips)
    table = make_table(
        {
            "path": np.asarray(paths, dtype=object)[exists],
            "split": splits[exists],
            "expression": canonical_codes(native[exists], classes),
            "label_native": native[exists],
        },
        "rafdb",
        classes,
    )
    table.attrs["available_splits"] = sorted(set(splits))
    return table


register_reader(
    Reader(
        name="rafdb",
        read=read_rafdb,
        summary="RAF-DB basic: 7 expressions, aligned or original images, train/test by prefix",
        options={
            "images": "aligned|original: Image/aligned/*_aligned.jpg or Image/original/ "
            "(default aligned)",
            "classes": "7|8 expression classes of the table (default 7; RAF-DB has no Other)",
        },
    )
)
