"""Tiny image files and sample tables for the input-pipeline tests (no real data).

``row_image`` encodes a row number into its pixels (lossless PNG), so a test can tell which
table row a batch image or window step came from: ``row_of`` reads it back.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.table import make_table


def row_image(row: int, side: int = 16) -> np.ndarray:
    """RGB uint8 [side, side, 3]: red = row % 256, green = row // 256, blue = a gradient."""
    image = np.zeros((side, side, 3), np.uint8)
    image[..., 0] = row % 256
    image[..., 1] = row // 256
    image[..., 2] = np.linspace(0, 255, side, dtype=np.uint8)[None, :]
    return image


def row_of(image: np.ndarray) -> int:
    """The row a ``row_image`` (any size, not augmented) encodes."""
    centre = np.asarray(image)[image.shape[0] // 2, image.shape[1] // 2]
    return int(centre[0]) + 256 * int(centre[1])


def textured_image(rng: np.random.Generator, side: int = 16) -> np.ndarray:
    """RGB uint8 noise-plus-gradient image (JPEG has real work to do on it)."""
    base = np.linspace(0, 200, side)[None, :, None] + np.linspace(0, 50, side)[:, None, None]
    return np.clip(base + rng.integers(0, 56, (side, side, 3)), 0, 255).astype(np.uint8)


def write_rgb(path: Path, image: np.ndarray, quality: int = 90) -> str:
    """Writes an RGB image as JPEG or PNG (from the suffix); returns the path as a string."""
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix == ".jpg" else []
    bgr = image[..., ::-1] if image.ndim == 3 and image.shape[-1] == 3 else image
    if image.ndim == 3 and image.shape[-1] == 4:
        bgr = image[..., [2, 1, 0, 3]]
    if not cv2.imwrite(str(path), np.ascontiguousarray(bgr), params):
        raise OSError(f"could not write {path}")
    return str(path)


def random_labels(rng: np.random.Generator, n: int, missing: float = 0.3) -> dict[str, np.ndarray]:
    """Expression/AU/VA columns with MISSING entries at rate ``missing`` (AUs one by one)."""
    expression = rng.integers(0, 7, n)
    expression[rng.random(n) < missing] = labels.MISSING_EXPRESSION
    columns: dict[str, np.ndarray] = {"expression": expression}
    au_rows_missing = rng.random(n) < missing
    for au in labels.ACTION_UNITS:
        values = rng.integers(0, 2, n)
        values[rng.random(n) < missing / 3] = labels.MISSING_AU
        values[au_rows_missing] = labels.MISSING_AU
        columns[au] = values
    for name in labels.VALENCE_AROUSAL:
        values = rng.uniform(-1, 1, n)
        values[rng.random(n) < missing] = labels.MISSING_VA
        columns[name] = values
    return columns


def video_table(
    folder: Path, videos: dict[str, list[int]], side: int = 16, seed: int = 0
) -> pd.DataFrame:
    """A table of PNG frames: video name -> frame numbers (rows shuffled, labels random)."""
    rng = np.random.default_rng(seed)
    paths, names, frames = [], [], []
    for video, numbers in videos.items():
        for frame in numbers:
            paths.append(str(folder / video / f"{frame:05d}.png"))
            names.append(video)
            frames.append(frame)
    order = rng.permutation(len(paths))
    paths = [paths[i] for i in order]
    for row, path in enumerate(paths):
        write_rgb(Path(path), row_image(row, side))
    columns = {
        "path": paths,
        "split": "train",
        "video": [names[i] for i in order],
        "frame": [frames[i] for i in order],
        **random_labels(rng, len(paths)),
    }
    return make_table(columns, "affwild2")


def still_table(
    folder: Path, n: int, side: int = 16, suffix: str = ".png", seed: int = 0
) -> pd.DataFrame:
    """A table of ``n`` still images (row-encoded PNGs, or textured JPEGs), random labels."""
    rng = np.random.default_rng(seed)
    paths = []
    for row in range(n):
        image = row_image(row, side) if suffix == ".png" else textured_image(rng, side)
        paths.append(write_rgb(folder / f"img_{row:04d}{suffix}", image))
    return make_table({"path": paths, "split": "train", **random_labels(rng, n)}, "rafdb")
