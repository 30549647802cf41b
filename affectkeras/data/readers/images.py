"""Finding image files: existence checks by folder listing, class-folder scans."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from affectkeras.data.skips import SkipReport

IMAGE_SUFFIXES: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def existing_mask(
    paths: Sequence[str], skips: SkipReport, reason: str = "missing_image"
) -> np.ndarray:
    """Which of ``paths`` exist as files, listing each folder once (not one stat per frame).

    The paths that do not exist are recorded in ``skips`` under ``reason``.
    """
    listings: dict[str, set[str]] = {}
    mask = np.zeros(len(paths), dtype=bool)
    for index, path in enumerate(paths):
        folder, name = os.path.split(path)
        names = listings.get(folder)
        if names is None:
            try:
                names = {entry.name for entry in os.scandir(folder) if entry.is_file()}
            except (FileNotFoundError, NotADirectoryError):
                names = set()
            listings[folder] = names
        mask[index] = name in names
    skips.add(reason, [p for p, ok in zip(paths, mask, strict=True) if not ok])
    return mask


def list_images(folder: Path) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name (suffix test is case-insensitive)."""
    return sorted(
        entry
        for entry in folder.iterdir()
        if entry.is_file() and entry.suffix.lower() in IMAGE_SUFFIXES
    )
