"""Image decoding for the no-TensorFlow path (OpenCV), and the checks both paths share.

``read_image`` returns RGB uint8 [H, W, 3] whatever the file holds: grey images are repeated
to three channels, an alpha channel is dropped, EXIF orientation is ignored (TensorFlow's
decoders ignore it too, so both paths see the same pixels). An optional crop box (the table's
``box_*`` columns) is applied before resizing to the model size with bilinear interpolation
(half-pixel centres, no antialiasing: ``cv2.INTER_LINEAR``, the same sampling grid as
``tf.image.resize(method="bilinear")``).

A file that is empty, is not a JPEG/PNG/BMP/GIF/WebP by its first bytes, is a JPEG without its
end-of-image marker or a PNG without its ``IEND`` chunk (an interrupted copy), or that the
decoder rejects is *bad*: ``read_image`` returns None and the caller skips and counts it.

Example:
    >>> import tempfile, pathlib, cv2, numpy as np
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = cv2.imwrite(str(folder / "g.png"), np.full((4, 6), 200, np.uint8))
    >>> read_image(folder / "g.png", size=(2, 3)).shape
    (2, 3, 3)
    >>> (folder / "empty.jpg").write_bytes(b"")
    0
    >>> read_image(folder / "empty.jpg") is None
    True
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

TAIL_BYTES = 1024
"""A JPEG's end-of-image marker must lie within its last TAIL_BYTES (trailing padding is ok)."""

INTERPOLATIONS = ("bilinear", "area")


def image_size(size: int | Sequence[int]) -> tuple[int, int]:
    """``112`` or ``(112, 112)`` -> ``(height, width)``."""
    if isinstance(size, int | np.integer):
        return int(size), int(size)
    height, width = (int(v) for v in size)
    if height < 1 or width < 1:
        raise ValueError(f"image size must be positive, got {size!r}")
    return height, width


def looks_complete(data: bytes) -> bool:
    """Cheap structural check of encoded image bytes (see the module docstring).

    Example:
        >>> looks_complete(b""), looks_complete(b"\\xff\\xd8\\xff\\xe0 ... \\xff\\xd9")
        (False, True)
    """
    if len(data) < 8:
        return False
    if data[:3] == b"\xff\xd8\xff":
        return b"\xff\xd9" in data[-TAIL_BYTES:]
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return b"IEND" in data[-TAIL_BYTES:]
    return (
        data[:2] == b"BM" or data[:4] == b"GIF8" or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def crop_box(box: Sequence[float]) -> tuple[int, int, int, int] | None:
    """Rounds a table box ``(x, y, w, h)`` to integer pixels; None when there is no box (NaN)."""
    values = np.asarray(box, dtype=np.float64)
    if not np.isfinite(values).all():
        return None
    x, y, w, h = np.round(values).astype(np.int64)
    return int(x), int(y), max(int(w), 1), max(int(h), 1)


def decode(
    data: bytes,
    size: tuple[int, int] | None = None,
    box: tuple[int, int, int, int] | None = None,
    interpolation: str = "bilinear",
) -> np.ndarray | None:
    """Decodes encoded bytes to RGB uint8 [H, W, 3] (cropped, resized); None when bad."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if not looks_complete(data):
        return None
    import cv2  # here, so that the table-level modules importing this one stay OpenCV-free

    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None or image.size == 0:
        return None
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if box is not None:
        x, y, w, h = box
        x0, y0 = min(max(x, 0), image.shape[1] - 1), min(max(y, 0), image.shape[0] - 1)
        x1, y1 = max(min(x + w, image.shape[1]), x0 + 1), max(min(y + h, image.shape[0]), y0 + 1)
        image = image[y0:y1, x0:x1]
    if size is not None and image.shape[:2] != tuple(size):
        method = cv2.INTER_LINEAR if interpolation == "bilinear" else cv2.INTER_AREA
        image = cv2.resize(image, (size[1], size[0]), interpolation=method)
    return np.ascontiguousarray(image)


def read_image(
    path: str | os.PathLike,
    size: int | Sequence[int] | None = None,
    box: Sequence[float] | None = None,
    interpolation: str = "bilinear",
) -> np.ndarray | None:
    """Reads and decodes one image file; None when it is missing or bad.

    Args:
        path: the image file.
        size: model size ``(height, width)`` or an int; None keeps the decoded size.
        box: optional crop box ``(x, y, w, h)`` in pixels (NaN = none), as in the table.
        interpolation: ``"bilinear"`` (default) or ``"area"``.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return decode(
        data,
        None if size is None else image_size(size),
        None if box is None else crop_box(box),
        interpolation,
    )
