"""The Kaggle FER2013 CSV (``emotion,pixels,Usage``), decoded once into a cache of PNG files.

Each row holds a 48x48 grey face as 2304 space-separated integers. Decoding 35,887 rows takes a few
seconds, so it is done once per CSV: the images and an index land in a cache folder keyed by the
CSV's absolute path, size and modification time, written to a temporary folder and renamed into
place so an interrupted decode is never mistaken for a finished one.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from affectkeras.data.readers.text_files import not_utf8
from affectkeras.data.reading.errors import DataFormatError

logger = logging.getLogger("affectkeras.data")

SIDE = 48
_NOT_PIXEL_TEXT = re.compile(r"[^0-9 \t]")
USAGE_SPLITS: dict[str, str] = {
    "Training": "train",
    "PublicTest": "public_test",
    "PrivateTest": "private_test",
}
N_CODES = 7
_USAGE_BY_LOWER = {usage.lower(): split for usage, split in USAGE_SPLITS.items()}
INDEX_FILE = "index.csv"


def default_cache_root() -> Path:
    """``$AFFECTKERAS_CACHE`` or ``~/.cache/affectkeras``, as an absolute path."""
    root = os.environ.get("AFFECTKERAS_CACHE")
    folder = Path(root).expanduser() if root else Path.home() / ".cache" / "affectkeras"
    return Path(os.path.abspath(folder))


def cache_folder(csv_path: Path, cache_root: Path) -> Path:
    """The cache folder of one CSV file: ``<cache_root>/fer2013/<key>``."""
    stat = csv_path.stat()
    identity = f"{csv_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return cache_root / "fer2013" / hashlib.sha1(identity.encode()).hexdigest()[:16]


def decoded_index(csv_path: Path, cache_root: Path) -> pd.DataFrame:
    """The decoded images of a FER2013 CSV: decodes on first use, then reads the cache.

    Returns:
        A DataFrame with ``path`` (absolute PNG path), ``code`` (0-6), ``split`` and ``line``
        (the CSV line the image came from), in file order.
    """
    folder = cache_folder(csv_path, cache_root)
    if (folder / INDEX_FILE).is_file():
        index = _cached_index(folder)
        if index is not None:
            return index
        logger.warning("%s: cached images are missing; decoding %s again", folder, csv_path)
        shutil.rmtree(folder, ignore_errors=True)
    _decode_into(csv_path, folder)
    index = _cached_index(folder)
    if index is None:
        raise OSError(f"{folder}: decoded images vanished while reading them")
    return index


def _cached_index(folder: Path) -> pd.DataFrame | None:
    """The cache's index with absolute paths, or None when any cached image is missing."""
    index = pd.read_csv(folder / INDEX_FILE, dtype={"file": str, "split": str})
    index["path"] = [os.path.join(folder, *name.split("/")) for name in index["file"]]
    present = {
        f"{split}/{entry.name}"
        for split in set(index["split"])
        if (folder / split).is_dir()
        for entry in os.scandir(folder / split)
    }
    if not set(index["file"]) <= present:
        return None
    return index.drop(columns="file")


def _decode_into(csv_path: Path, folder: Path) -> None:
    import cv2  # decoding needs OpenCV; reading an existing cache does not

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
    try:
        rows = []
        for split in USAGE_SPLITS.values():
            (staging / split).mkdir()
        for line, code, split, pixels in tqdm(
            _rows(csv_path), desc=f"Decoding {csv_path.name}", unit="img", leave=False, disable=None
        ):
            name = f"{split}/{line:06d}.png"
            if not cv2.imwrite(str(staging / name), pixels):
                raise OSError(f"{staging / name}: could not write the decoded image")
            rows.append((name, code, split, line))
        if not rows:
            raise DataFormatError(csv_path, None, "the CSV has a header but no rows")
        pd.DataFrame(rows, columns=["file", "code", "split", "line"]).to_csv(
            staging / INDEX_FILE, index=False
        )
        try:
            os.replace(staging, folder)
        except OSError:
            if not (folder / INDEX_FILE).is_file():  # not a concurrent decode that won the race
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _rows(csv_path: Path):
    """Yields (line, code, split, 48x48 uint8 image) per row, checking every field."""
    try:
        yield from _checked_rows(csv_path)
    except UnicodeDecodeError as error:
        raise not_utf8(csv_path, error) from None


def _checked_rows(csv_path: Path):
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [name.strip().lower() for name in next(reader, [])]
        if "emotion" not in header or "pixels" not in header:
            raise DataFormatError(
                csv_path, 1, f"expected a header with emotion,pixels[,Usage], got {header}"
            )
        at_emotion, at_pixels = header.index("emotion"), header.index("pixels")
        at_usage = header.index("usage") if "usage" in header else None
        for fields in reader:
            line = reader.line_num
            if not fields:
                continue
            if len(fields) != len(header):
                raise DataFormatError(
                    csv_path, line, f"expected {len(header)} fields, found {len(fields)}"
                )
            yield (
                line,
                _code(csv_path, line, fields[at_emotion]),
                _split(csv_path, line, fields[at_usage] if at_usage is not None else "Training"),
                _pixels(csv_path, line, fields[at_pixels]),
            )


def _code(csv_path: Path, line: int, text: str) -> int:
    text = text.strip()
    if not text.isdigit() or int(text) >= N_CODES:
        raise DataFormatError(csv_path, line, f"emotion {text!r} is not an integer in 0..6")
    return int(text)


def _split(csv_path: Path, line: int, text: str) -> str:
    split = usage_split(text)
    if split is None:
        raise DataFormatError(
            csv_path, line, f"Usage {text.strip()!r} is not one of {', '.join(USAGE_SPLITS)}"
        )
    return split


def usage_split(text: str) -> str | None:
    """The canonical split of a FER2013 Usage value (any case), or None if unknown."""
    return _USAGE_BY_LOWER.get(text.strip().lower())


def _pixels(csv_path: Path, line: int, text: str) -> np.ndarray:
    if _NOT_PIXEL_TEXT.search(text):
        raise DataFormatError(
            csv_path,
            line,
            "pixels must be space-separated integers 0..255, found "
            f"{_NOT_PIXEL_TEXT.search(text).group()!r}",
        )
    # Only digits and blanks are left, which text-mode fromstring parses completely on every
    # numpy version (older ones stop silently at a bad character), ~5x faster than str.split.
    numbers = np.fromstring(text, dtype=np.int64, sep=" ")
    if numbers.size != SIDE * SIDE:
        raise DataFormatError(
            csv_path, line, f"pixels holds {numbers.size} values, expected {SIDE * SIDE} (48x48)"
        )
    if numbers.min() < 0 or numbers.max() > 255:
        raise DataFormatError(csv_path, line, "pixels holds a value outside 0..255")
    return numbers.astype(np.uint8).reshape(SIDE, SIDE)
