"""Decoded pixels cached on disk: a Feed's images decoded once into a memory-mapped ``.npy``.

For training sets too large for memory (``max_memory_gb``) but not for the disk: the first run
decodes every image the feed uses into ``FOLDER/pixels-KEY.npy`` (uint8 [N, H, W, 3], zeros
for unused and bad rows) and ``FOLDER/pixels-KEY.ok.npy`` (bool [N]); every epoch after that,
and every later run with the same key, reads batches from the memory map (the page cache keeps
what fits in RAM). The key hashes what the pixels depend on: each row's path, file size and
modification time, crop box, the model size and the interpolation. An edited image file or a
new crop box gives a new key, never stale pixels.

Writing is safe: the space is reserved up front (``posix_fallocate``), so a full disk is one
``WriteError`` naming the file before any decoding, never a crash while writing through the map;
the images are written under a temporary name and renamed once complete, after the ``ok`` file,
so a killed run leaves no cache that looks finished.

Example:
    >>> import tempfile, pathlib, cv2, numpy as np
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.data.feeding.feed import make_feed
    >>> from affectkeras.output_spec import OutputSpec
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = cv2.imwrite(str(folder / "a.png"), np.full((8, 8, 3), 7, np.uint8))
    >>> table = make_table({"path": [str(folder / "a.png")], "split": "train",
    ...                     "expression": [1]}, "rafdb")
    >>> feed = make_feed(table, OutputSpec.create("expr"), image_size=4, shuffle=False)
    >>> store = disk_store(feed, folder / "cache")
    >>> int(store.images[0, 0, 0, 0]), store.ok.tolist(), type(store.images).__name__
    (7, [True], 'memmap')
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from affectkeras.data.feeding.feed import Feed
from affectkeras.data.feeding.in_memory import ImageStore, decode_rows
from affectkeras.data.skips import SkipReport
from affectkeras.safe_files import cleaned_on_failure, temporary_name, write_atomically

logger = logging.getLogger("affectkeras.data")

CHUNK_ROWS = 2048
"""Rows decoded per chunk (bounded memory while writing)."""


def used_rows(feed: Feed) -> np.ndarray:
    """The table rows whose images the feed's samples need (sorted)."""
    if not feed.rows.size:
        return np.zeros(0, np.int64)
    return np.unique(feed.rows[feed.rows >= 0])


def pixel_bytes(feed: Feed) -> int:
    """Bytes of the decoded images the feed uses (uint8 RGB at the model size)."""
    height, width = feed.image_size
    return len(used_rows(feed)) * height * width * 3


def cache_key(feed: Feed, interpolation: str = "bilinear") -> str:
    """A hash of what the decoded pixels depend on (see the module doc)."""
    digest = hashlib.sha256()
    digest.update(repr((tuple(feed.image_size), interpolation, len(feed.paths))).encode())
    for row in used_rows(feed):
        path = str(feed.paths[row])
        try:
            stat = os.stat(path)
            signature = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            signature = (-1, -1)  # a missing file is a bad image; its row stays zeros
        digest.update(f"{row}\0{path}\0{signature}\0{feed.boxes[row].tolist()}\n".encode())
    return digest.hexdigest()[:20]


def disk_store(
    feed: Feed,
    folder: str | os.PathLike,
    workers: int | None = None,
    interpolation: str = "bilinear",
    progress: bool = False,
) -> ImageStore:
    """The feed's decoded images as a read-only memory map under ``folder`` (made once).

    Raises:
        WriteError: the folder has no room (or no write permission) for the cache.
    """
    folder = Path(folder)
    key = cache_key(feed, interpolation)
    images_path = folder / f"pixels-{key}.npy"
    ok_path = folder / f"pixels-{key}.ok.npy"
    if not (images_path.is_file() and ok_path.is_file()):
        _write(feed, images_path, ok_path, workers, interpolation, progress)
    else:
        logger.info("decoded pixels from the cache %s", images_path)
    images = np.load(images_path, mmap_mode="r")
    ok = np.load(ok_path)
    height, width = feed.image_size
    if images.shape != (len(feed.paths), height, width, 3) or ok.shape != (len(feed.paths),):
        raise ValueError(f"{images_path}: shape {images.shape} does not fit the data; delete it")
    skips = SkipReport()
    rows = used_rows(feed)
    skips.add("bad_image", [str(p) for p in feed.paths[rows[~ok[rows]]]])
    if skips.total:
        skips.log("affectkeras.data.feeding.pixel_cache")
    return ImageStore(images, ok, skips)


def _write(feed, images_path: Path, ok_path: Path, workers, interpolation, progress) -> None:
    folder = images_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    height, width = feed.image_size
    shape = (len(feed.paths), height, width, 3)
    rows = used_rows(feed)
    logger.info(
        "decoding %d images into the pixel cache %s (%.1f MB)",
        len(rows),
        images_path,
        np.prod(shape) / 1e6,
    )
    temporary = temporary_name(images_path, ".npy")
    with cleaned_on_failure(images_path, temporary):
        _reserve(temporary, shape)
        images = np.lib.format.open_memmap(temporary, mode="r+")
        ok = np.zeros(len(feed.paths), bool)
        bar = tqdm(total=len(rows), desc="pixel cache", unit="img", disable=not progress)
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start : start + CHUNK_ROWS]
            images[chunk], ok[chunk] = decode_rows(feed, chunk, workers, interpolation)
            bar.update(len(chunk))
        bar.close()
        images.flush()
        del images
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        write_atomically(ok_path, _npy_bytes(ok), durable=True)
        os.replace(temporary, images_path)


def _reserve(path: Path, shape: tuple[int, ...]) -> None:
    """Writes the ``.npy`` header and reserves the whole file's space (ENOSPC now, not later
    as a SIGBUS while writing through the memory map)."""
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "|u1", "fortran_order": False, "shape": shape}
        )
        offset = handle.tell()
        size = offset + int(np.prod(shape))
        with contextlib.suppress(AttributeError):  # posix_fallocate is POSIX-only
            os.posix_fallocate(handle.fileno(), 0, size)
        handle.truncate(size)


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()
