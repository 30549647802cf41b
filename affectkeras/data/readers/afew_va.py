"""AFEW-VA: per-clip JSON files with valence/arousal in [-10, 10] and 68 landmarks per frame.

Layout (../shared/FORMATS.md)::

    ROOT/<clip>/<clip>.json    {"frames": {"00000": {"valence": v, "arousal": a,
                                                      "landmarks": [[x, y] x 68]}, ...}}
    ROOT/<clip>/00000.png

Clips are found at any depth (the archive ships as parts ``01/ ... 12/`` of clip folders), as a
``<clip>.json`` inside a folder named ``<clip>``. Valence and arousal are integers divided by 10;
``frame`` is the frame name's number + 1 (1-based); ``video`` is the clip; ``subject`` is the
JSON's ``actor`` when present. The crop box is the bounding box of the frame's landmarks
(``box_x = min x, box_y = min y, box_w = max x - min x, box_h = max y - min y``; a crop usually
adds a margin). AFEW-VA has no official split: every row is ``train``.

Spec options: none beyond ``split``.

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read("afew-va:/data/AFEW-VA")  # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import empty_table, make_table

SCALE = 10.0


def find_clips(root: Path) -> list[Path]:
    """Every ``<clip>/<clip>.json`` under ROOT, sorted."""
    return sorted(p for p in root.rglob("*.json") if p.stem == p.parent.name)


def parse_clip(path: Path) -> dict[str, np.ndarray | str]:
    """One clip's frames: frame numbers (1-based), valence, arousal, landmark boxes, actor."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as error:
        raise DataFormatError(path, None, f"not UTF-8 text: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise DataFormatError(path, error.lineno, f"not valid JSON: {error.msg}") from None
    frames = document.get("frames") if isinstance(document, dict) else None
    if not isinstance(frames, dict) or not frames:
        raise DataFormatError(path, None, 'expected {"frames": {"00000": {...}, ...}}')
    keys = sorted(frames)
    numbers = np.empty(len(keys), np.int64)
    va = np.empty((len(keys), 2), np.float64)
    boxes = np.full((len(keys), 4), np.nan)
    for index, key in enumerate(keys):
        entry = frames[key]
        if not key.isdigit() or not isinstance(entry, dict):
            raise DataFormatError(path, None, f"frame {key!r}: expected a numbered frame object")
        numbers[index] = int(key) + 1
        for column, name in enumerate(("valence", "arousal")):
            value = entry.get(name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value != round(value)
                or not -SCALE <= value <= SCALE
            ):
                raise DataFormatError(
                    path, None, f"frame {key}: {name} {value!r} is not an integer in [-10, 10]"
                )
            va[index, column] = value / SCALE
        boxes[index] = _landmark_box(path, key, entry.get("landmarks"))
    actor = document.get("actor", "")
    return {
        "frame": numbers,
        "key": np.asarray(keys, dtype=object),
        "va": va,
        "box": boxes,
        "actor": actor if isinstance(actor, str) else str(actor),
    }


def _landmark_box(path: Path, key: str, landmarks) -> np.ndarray:
    if landmarks is None:
        return np.full(4, np.nan)
    try:
        points = np.asarray(landmarks, dtype=np.float64)
    except (TypeError, ValueError):
        points = np.zeros((0, 0))
    if points.ndim != 2 or points.shape[0] < 2 or points.shape[1] != 2:
        raise DataFormatError(path, None, f"frame {key}: landmarks must be a list of [x, y]")
    low, high = points.min(axis=0), points.max(axis=0)
    return np.array([low[0], low[1], high[0] - low[0], high[1] - low[1]])


def read_afew_va(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads every AFEW-VA clip under ROOT into a sample table (see the module docstring)."""
    root = spec.path
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (data spec {spec})")
    clips = find_clips(root)
    if not clips:
        raise DataFormatError(root, None, "no AFEW-VA clips found (expected <clip>/<clip>.json)")
    parts: dict[str, list] = {
        name: [] for name in ("path", "video", "subject", "frame", "va", "box")
    }
    for clip_json in clips:
        clip = parse_clip(clip_json)
        n = len(clip["frame"])
        folder = str(clip_json.parent)
        parts["path"].append(np.asarray([f"{folder}/{key}.png" for key in clip["key"]], object))
        parts["video"].append(np.full(n, clip_json.stem, dtype=object))
        parts["subject"].append(np.full(n, clip["actor"], dtype=object))
        for name in ("frame", "va", "box"):
            parts[name].append(clip[name])
    columns = {name: np.concatenate(values) for name, values in parts.items()}
    exists = existing_mask(list(columns["path"]), skips)
    if not exists.any():
        return empty_table("afew-va")
    va, box = columns.pop("va")[exists], columns.pop("box")[exists]
    table = {name: values[exists] for name, values in columns.items()}
    table.update(
        split="train",
        valence=va[:, 0],
        arousal=va[:, 1],
        box_x=box[:, 0],
        box_y=box[:, 1],
        box_w=box[:, 2],
        box_h=box[:, 3],
    )
    return make_table(table, "afew-va")


register_reader(
    Reader(
        name="afew-va",
        read=read_afew_va,
        summary="AFEW-VA clips: valence/arousal (/10) per frame, landmark-derived face boxes",
        options={},
    )
)
