"""Tiny real image files for reader fixtures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_image(path: Path, side: int = 8, value: int = 128, channels: int = 3) -> Path:
    """Writes a small uniform JPEG/PNG (format from the suffix), creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (side, side, channels) if channels > 1 else (side, side)
    if not cv2.imwrite(str(path), np.full(shape, value, np.uint8)):
        raise OSError(f"could not write {path}")
    return path
