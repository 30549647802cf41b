"""The demo's test clip: a synthetic person, pasted into larger frames, with known labels.

The clip is video number ``videos`` of the synthetic set (the first index ``synth`` did not
write, so a person the model never saw), pasted by ``composite.composite_video`` into a
cluttered 480x360 background where it drifts slowly, so ``predict`` must find the face first.
``clip_scores`` compares ``predict``'s rows with the video's clean labels: for every frame, the
row whose box overlaps the pasted square most.

Example:
    >>> import tempfile, pathlib
    >>> clip = draw_clip(pathlib.Path(tempfile.mkdtemp()) / "clip.avi", seed=0, index=7,
    ...                  frames=3, fps=10)
    >>> clip.path.name, clip.boxes.shape, clip.video.expression.shape
    ('clip.avi', (3, 4), (3,))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.synthetic import SyntheticVideo, composite, make_video
from affectkeras.demo.baselines import trivial_scores
from affectkeras.inference.tracks import box_iou
from affectkeras.inference.video import write_video
from affectkeras.metrics import abaw_scores

MIN_IOU = 0.3
"""Least overlap of a detected box with the pasted square for the row to count as that face."""
PREDICTED_COLUMNS = {
    "expression": ["expression"],
    "action_units": list(labels.ACTION_UNITS),
    "valence_arousal": list(labels.VALENCE_AROUSAL),
}
"""The predict CSV's columns of each task (decisions, not probabilities)."""
SCORE_ARGUMENTS = {
    "expression": ("expression_true", "expression_pred"),
    "action_units": ("au_true", "au_pred"),
    "valence_arousal": ("va_true", "va_pred"),
}


@dataclass
class Clip:
    """A written clip: its file, the synthetic video drawn and the pasted boxes [T, 4]."""

    path: Path
    video: SyntheticVideo
    boxes: np.ndarray


def draw_clip(path: str | Path, seed: int, index: int, frames: int, fps: float) -> Clip:
    """Draws synthetic video ``index`` into larger frames and writes it (MJPG ``.avi``)."""
    video = make_video(seed, index, frames, name=Path(path).stem)
    pictures, boxes = composite.composite_video(video, seed=seed + index)
    return Clip(write_video(path, pictures, fps), video, boxes)


def matched_rows(table: pd.DataFrame, boxes: np.ndarray) -> dict[int, int]:
    """0-based frame -> index of the ``table`` row whose box overlaps that frame's ``boxes`` row
    most (at least ``MIN_IOU``); frames where no detection does are left out."""
    faces = table[table["face"] >= 0]
    matched: dict[int, int] = {}
    for frame, rows in faces.groupby("frame"):
        index = int(frame) - 1
        if not 0 <= index < len(boxes):
            continue
        found = rows[["box_x", "box_y", "box_w", "box_h"]].to_numpy("float64")
        overlap = box_iou(found, boxes[index : index + 1])[:, 0]
        if overlap.max() >= MIN_IOU:
            matched[index] = int(rows.index[int(overlap.argmax())])
    return matched


def clip_scores(table: pd.DataFrame, clip: Clip, num_classes: int, majority: int) -> dict[str, Any]:
    """Scores of ``predict``'s table on the clip against its clean labels.

    Args:
        table: ``predict``'s table for the clip.
        clip: the drawn clip.
        num_classes: the model's expression space (7 or 8).
        majority: the class a trivial predictor always answers (the validation majority).

    Returns:
        ``frames``, ``found`` (frames where the pasted face was detected), the ``abaw_scores``
        of the model's rows on those frames, and the same scores of the trivial predictor under
        ``trivial`` (every key absent when no frame was found).
    """
    video = clip.video
    matched = matched_rows(table, clip.boxes)
    result: dict[str, Any] = {"frames": int(video.frames), "found": len(matched)}
    if not matched:
        return result
    frames = np.array(sorted(matched))
    rows = table.loc[[matched[int(f)] for f in frames]]
    truth = {
        "expression": video.expression[frames],
        "action_units": video.aus[frames],
        "valence_arousal": video.va[frames],
    }
    used, arguments = {}, {}
    for task, columns in PREDICTED_COLUMNS.items():
        values = rows[columns]
        if values.isna().any().any():
            continue  # a task the model does not predict
        predicted = values.to_numpy("float64")
        if task == "expression":
            predicted = predicted[:, 0].astype("int64")
        true_key, predicted_key = SCORE_ARGUMENTS[task]
        arguments.update({true_key: truth[task], predicted_key: predicted})
        used[task] = truth[task]
    result.update(abaw_scores(**arguments, num_classes=num_classes))
    result["trivial"] = trivial_scores(used, num_classes, majority=majority)
    return result
