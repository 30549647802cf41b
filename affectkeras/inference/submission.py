"""``predict --format abaw``: a predict table written as ABAW challenge submission files.

Uses the writers of ``affectkeras.metrics``: a model predicting one task gets one
``<video>.txt`` per video in the folder (the Aff-Wild2 uni-task layout); a model predicting all
three gets the multi-task csv ``mtl_submission.csv`` (``<video>/<frame>.jpg`` rows, 8-class
expressions); a model predicting two gets one uni-task folder per task (``expr/``, ``au/``,
``va/``). The challenge wants a line per frame: frames without a face take the prediction of the
nearest frame with one. Only face 0 of each frame is written (one annotated subject per video).

Example:
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from affectkeras.inference.predict import rows_to_table
    >>> table = rows_to_table([
    ...     {"image": "v1", "frame": 1, "face": 0, "valence": 0.5, "arousal": 0.1},
    ...     {"image": "v1", "frame": 2, "face": -1},
    ... ])
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in write_abaw(table, folder)]
    ['v1.txt']
    >>> (folder / "v1.txt").read_text().splitlines()
    ['valence,arousal', '0.500000,0.100000', '0.500000,0.100000']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.metrics.writers import (
    every_frame,
    write_mtl_submission,
    write_uni_task_submission,
)

MTL_FILE = "mtl_submission.csv"
TASK_COLUMN = {"expr": "expression", "au": "p_AU1", "va": "valence"}


def predicted_tasks(table: pd.DataFrame) -> list[str]:
    """``expr``/``au``/``va`` keys of the tasks with at least one prediction in the table."""
    return [key for key, column in TASK_COLUMN.items() if table[column].notna().any()]


def expression_class_count(table: pd.DataFrame) -> int:
    """8 when the table has ``p_other`` values (an 8-class model), else 7."""
    return 8 if table["p_other"].notna().any() else 7


def write_abaw(
    table: pd.DataFrame, out_dir: str | Path, num_frames: Mapping[str, int] | None = None
) -> list[Path]:
    """Writes the ABAW submission files of a predict table into ``out_dir``.

    Args:
        table: ``predict``'s table of videos (or numbered frame folders).
        out_dir: the folder to write.
        num_frames: frames per video (default ``table.attrs["num_frames"]``, else the last
            frame of each video in the table).

    Returns:
        The files written.

    Raises:
        ValueError: when the table holds still images only, or no prediction at all.
    """
    out_dir = Path(out_dir)
    frames = table[table["frame"] > 0]
    if frames.empty:
        raise ValueError(
            "--format abaw writes per-video files: give a video or a folder of numbered frames"
        )
    frames = frames[frames["face"] <= 0]  # face 0, and the no-face rows (gaps to fill)
    tasks = predicted_tasks(frames)
    if not tasks:
        raise ValueError("no face was found in any frame: nothing to write")
    frames = frames.astype({"frame": "int64"}).copy()
    counts = frames.groupby("image")["frame"].max().astype(int).to_dict()
    counts.update(num_frames or table.attrs.get("num_frames") or {})
    for column in [c for c in frames.columns if str(frames[c].dtype) == "Int64"]:
        frames[column] = frames[column].astype("float64")
    classes = expression_class_count(frames)
    if len(tasks) == 1:
        return write_uni_task_submission(
            out_dir, tasks[0], frames, counts, classes, video_column="image"
        )
    if len(tasks) == 2:
        return [
            path
            for task in tasks
            for path in write_uni_task_submission(
                out_dir / task, task, frames, counts, classes, video_column="image"
            )
        ]
    return [write_mtl(frames, out_dir / MTL_FILE, counts)]


def write_mtl(frames: pd.DataFrame, path: Path, num_frames: Mapping[str, int]) -> Path:
    """The multi-task csv: every frame of every video, gaps filled from the nearest frame."""
    images, va, expression, aus = [], [], [], []
    for video in sorted(frames["image"].unique()):
        group = frames[(frames["image"] == video) & frames["valence"].notna()]
        if group.empty:
            raise ValueError(f"Video {video!r}: no frame has a prediction")
        total = int(num_frames[video])
        numbers = group["frame"].to_numpy()
        values = np.concatenate(
            [
                group[list(labels.VALENCE_AROUSAL)].to_numpy(np.float64),
                group["expression"].to_numpy(np.float64)[:, None],
                group[[f"p_{au}" for au in labels.ACTION_UNITS]].to_numpy(np.float64),
            ],
            axis=1,
        )
        filled = every_frame(numbers, values, total)
        images += [f"{video}/{k:05d}.jpg" for k in range(1, total + 1)]
        va.append(filled[:, :2])
        expression.append(filled[:, 2].astype(np.int64))
        aus.append(filled[:, 3:])
    return write_mtl_submission(
        path, images, np.concatenate(va), np.concatenate(expression), np.concatenate(aus)
    )
