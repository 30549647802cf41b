"""Writes Aff-Wild2 uni-task trees exactly as the ABAW challenges ship them (FORMATS.md)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.images import write_image

TASK_FOLDERS = {
    "abaw2": {"expr": "EXPR_Set", "au": "AU_Set", "va": "VA_Set"},
    "abaw3": {
        "expr": "EXPR_Classification_Challenge",
        "au": "AU_Detection_Challenge",
        "va": "VA_Estimation_Challenge",
    },
}
SPLIT_FOLDERS = {"train": "Train_Set", "validation": "Validation_Set"}
EXPR_HEADER_7 = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise"
EXPR_HEADER_8 = EXPR_HEADER_7 + ",Other"
AU_HEADER = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26"
VA_HEADER = "valence,arousal"


def annotation_path(root: Path, task: str, split: str, video: str, naming: str = "abaw2") -> Path:
    return root / "annotations" / TASK_FOLDERS[naming][task] / SPLIT_FOLDERS[split] / f"{video}.txt"


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def write_annotation(
    root: Path,
    task: str,
    split: str,
    video: str,
    header: str,
    rows: list,
    naming: str = "abaw2",
) -> Path:
    """One annotation file: the header line, then one line per frame (frame k on line k+1).

    ``rows`` holds ints (EXPR), sequences of 12 ints (AU) or (valence, arousal) pairs; strings
    are written as they are, so tests can plant malformed lines.
    """
    lines = [header]
    for row in rows:
        if isinstance(row, str):
            lines.append(row)
        elif isinstance(row, (list, tuple)):
            lines.append(",".join(str(value) for value in row))
        else:
            lines.append(str(row))
    return write_text(annotation_path(root, task, split, video, naming), "\n".join(lines) + "\n")


def write_crops(root: Path, video: str, frames: range | list[int], missing=()) -> None:
    """``cropped_aligned/<video>/%05d.jpg`` for each frame except those in ``missing``."""
    for frame in frames:
        if frame not in missing:
            write_image(root / "cropped_aligned" / video / f"{frame:05d}.jpg")
