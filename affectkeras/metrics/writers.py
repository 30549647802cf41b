"""ABAW submission writers: uni-task per-video txt files and the multi-task (MTL) csv.

Uni-task files (Aff-Wild2 annotation layout, ../shared/FORMATS.md): one ``<video>.txt`` per
video; line 1 is the task's header, line k + 1 holds frame k (1-based):

- EXPR: header ``Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise`` (+ ``,Other`` for 8
  classes), one class index per line;
- AU: header ``AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26``, twelve 0/1 per line;
- VA: header ``valence,arousal``, two floats per line.

The challenge wants a line for every frame of a video, also those where no face was found;
``fill="nearest"`` (default) copies the prediction of the nearest frame that has one (the earlier
on a tie), ``fill="error"`` refuses gaps. The MTL csv has the header
``image,valence,arousal,expression,aus`` and one line ``<video>/<frame>.jpg,v,a,e,AU1,...,AU26``
per image (16 fields), the layout the ``affwild2-mtl`` reader also reads.

Example:
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from affectkeras.metrics import write_video_file
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = write_video_file(folder / "v1.txt", "va", np.array([[0.5, -0.25], [0.0, 1.0]]))
    >>> print(path.read_text())
    valence,arousal
    0.500000,-0.250000
    0.000000,1.000000
    <BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from affectkeras import labels
from affectkeras.output_spec import TASK_KEYS

MTL_HEADER = "image,valence,arousal,expression,aus"
AU_THRESHOLD = 0.5
FILL_POLICIES = ("nearest", "error")


def task_key(task: str) -> str:
    """``expr``/``au``/``va`` for a task key or output name."""
    for key, name in TASK_KEYS.items():
        if task in (key, name):
            return key
    raise ValueError(f"Unknown task {task!r}; use one of {sorted(TASK_KEYS)}")


def expression_header(num_classes: int) -> str:
    """``Neutral,Anger,...,Surprise`` (7 classes) or with ``,Other`` (8)."""
    return ",".join(name.capitalize() for name in labels.expression_names(num_classes))


def task_header(task: str, num_classes: int = 7) -> str:
    """The header line of a uni-task file."""
    key = task_key(task)
    if key == "expr":
        return expression_header(num_classes)
    if key == "au":
        return ",".join(labels.ACTION_UNITS)
    return ",".join(labels.VALENCE_AROUSAL)


def expression_classes(predictions, num_classes: int | None = None) -> tuple[np.ndarray, int]:
    """Class indices from [N, C] probabilities or [N] indices, checked against C."""
    predictions = np.asarray(predictions)
    if predictions.ndim == 2:
        classes = num_classes or predictions.shape[1]
        predictions = np.argmax(predictions, axis=1)
    elif predictions.ndim == 1:
        classes = num_classes or len(labels.EXPRESSIONS)
    else:
        raise ValueError(f"expression predictions must be [N, C] or [N], got {predictions.shape}")
    if predictions.size and not np.isin(predictions, np.arange(classes)).all():
        raise ValueError(f"expression predictions must be classes 0..{classes - 1}")
    return predictions.astype(np.int64), classes


def au_decisions(predictions) -> np.ndarray:
    """0/1 decisions from [N, 12] probabilities or 0/1 values (present when >= 0.5)."""
    predictions = np.asarray(predictions, np.float64)
    if predictions.ndim != 2 or predictions.shape[1] != len(labels.ACTION_UNITS):
        raise ValueError(f"AU predictions must be [N, 12], got {predictions.shape}")
    return (predictions >= AU_THRESHOLD).astype(np.int64)


def va_values(predictions) -> np.ndarray:
    """Finite [N, 2] (valence, arousal) values."""
    predictions = np.asarray(predictions, np.float64)
    if predictions.ndim != 2 or predictions.shape[1] != len(labels.VALENCE_AROUSAL):
        raise ValueError(f"VA predictions must be [N, 2], got {predictions.shape}")
    if not np.isfinite(predictions).all():
        raise ValueError("VA predictions hold NaN or infinite values")
    return predictions


def task_lines(task: str, predictions, num_classes: int | None = None) -> list[str]:
    """Header plus one line per row of ``predictions`` (row k-1 = frame k)."""
    key = task_key(task)
    if key == "expr":
        classes, size = expression_classes(predictions, num_classes)
        return [expression_header(size), *(str(c) for c in classes)]
    if key == "au":
        rows = au_decisions(predictions)
        return [task_header("au"), *(",".join(str(v) for v in row) for row in rows)]
    rows = va_values(predictions)
    return [task_header("va"), *(f"{v:.6f},{a:.6f}" for v, a in rows)]


def write_video_file(path, task: str, predictions, num_classes: int | None = None) -> Path:
    """Writes one video's uni-task file: header, then frame k's prediction on line k + 1."""
    path = Path(path)
    if len(predictions) == 0:
        raise ValueError(f"No prediction to write to {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(task_lines(task, predictions, num_classes)) + "\n", encoding="utf-8")
    return path


def every_frame(
    frames: Sequence[int], predictions, num_frames: int | None = None, fill: str = "nearest"
) -> np.ndarray:
    """Predictions of frames 1..num_frames from those of some frames (see ``fill``).

    Args:
        frames: 1-based frame numbers, unique.
        predictions: one row per entry of ``frames``.
        num_frames: the video's frame count (default: the largest frame given).
        fill: ``"nearest"`` or ``"error"`` for frames without a prediction.
    """
    if fill not in FILL_POLICIES:
        raise ValueError(f"fill must be one of {FILL_POLICIES}, got {fill!r}")
    frames = np.asarray(frames, np.int64)
    predictions = np.asarray(predictions)
    if frames.size == 0:
        raise ValueError("No frame has a prediction")
    if len(predictions) != frames.size:
        raise ValueError(f"{frames.size} frames but {len(predictions)} predictions")
    if frames.min() < 1 or np.unique(frames).size != frames.size:
        raise ValueError("frame numbers must be unique and 1-based")
    total = int(num_frames or frames.max())
    if frames.max() > total:
        raise ValueError(f"frame {frames.max()} is beyond the video's {total} frames")
    order = np.argsort(frames)
    frames, predictions = frames[order], predictions[order]
    wanted = np.arange(1, total + 1)
    if fill == "error" and frames.size != total:
        gaps = np.setdiff1d(wanted, frames)
        raise ValueError(f"{gaps.size} frames have no prediction, first frame {gaps[0]}")
    after = np.clip(np.searchsorted(frames, wanted), 0, frames.size - 1)
    before = np.clip(after - 1, 0, frames.size - 1)
    use_before = np.abs(frames[before] - wanted) <= np.abs(frames[after] - wanted)
    return predictions[np.where(use_before, before, after)]


TASK_COLUMNS: dict[str, tuple[str, ...]] = {
    "expr": ("expression",),
    "au": labels.ACTION_UNITS,
    "va": labels.VALENCE_AROUSAL,
}


def write_uni_task_submission(
    out_dir,
    task: str,
    table,
    num_frames: Mapping[str, int] | None = None,
    num_classes: int | None = None,
    fill: str = "nearest",
    video_column: str = "video",
) -> list[Path]:
    """Writes ``<out_dir>/<video>.txt`` for every video of a prediction table.

    Args:
        out_dir: the submission folder of the task.
        task: ``expr``, ``au`` or ``va`` (or the output name).
        table: a pandas DataFrame with ``video_column``, ``frame`` (1-based) and the task's
            columns: ``expression`` (class index), ``AU1`` ... ``AU26`` (probabilities or 0/1)
            or ``valence``, ``arousal``. Rows whose task columns are empty (no face) are gaps.
        num_frames: frames per video (default: each video's last frame in the table).
        num_classes: expression classes of the header (default 7, as ABAW2; 8 for ABAW3+).
        fill: ``nearest`` or ``error`` (see ``every_frame``).
        video_column: the column holding the video's name (``image`` in predict's CSV).

    Returns:
        The files written, in video order.
    """
    key = task_key(task)
    columns = list(TASK_COLUMNS[key])
    missing = [c for c in [video_column, "frame", *columns] if c not in table.columns]
    if missing:
        raise ValueError(f"The prediction table lacks columns {missing}")
    rows = table.dropna(subset=columns)
    written = []
    for video in sorted(table[video_column].astype(str).unique()):
        group = rows[rows[video_column].astype(str) == video]
        if key == "expr":
            values = group["expression"].to_numpy().astype(np.int64)
        else:
            values = group[columns].to_numpy(np.float64)
        total = (num_frames or {}).get(video)
        if total is None:  # the video's last frame in the table, predicted or not (a gap)
            total = int(table.loc[table[video_column].astype(str) == video, "frame"].max())
        try:
            per_frame = every_frame(group["frame"].to_numpy(), values, total, fill)
        except ValueError as error:
            raise ValueError(f"Video {video!r}: {error}") from None
        classes = num_classes or (len(labels.EXPRESSIONS) - 1)
        written.append(write_video_file(Path(out_dir) / f"{video}.txt", key, per_frame, classes))
    return written


def write_mtl_submission(
    path, images: Sequence[str], valence_arousal, expression, action_units
) -> Path:
    """Writes the ABAW4 multi-task csv (header ``image,valence,arousal,expression,aus``).

    Args:
        path: the csv file to write.
        images: ``<video>/<frame>.jpg`` names, one per row.
        valence_arousal: [N, 2].
        expression: [N, C] probabilities or [N] class indices (8-class space).
        action_units: [N, 12] probabilities or 0/1.
    """
    va = va_values(valence_arousal)
    classes, _ = expression_classes(expression, len(labels.EXPRESSIONS))
    aus = au_decisions(action_units)
    if not len(images) == len(va) == len(classes) == len(aus):
        raise ValueError(
            f"MTL rows disagree: {len(images)} images, {len(va)} VA, {len(classes)} "
            f"expressions, {len(aus)} AU rows"
        )
    lines = [MTL_HEADER]
    for image, (v, a), c, units in zip(images, va, classes, aus, strict=True):
        if "," in str(image):
            raise ValueError(f"Image name {image!r} contains a comma")
        lines.append(f"{image},{v:.6f},{a:.6f},{c}," + ",".join(str(u) for u in units))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
