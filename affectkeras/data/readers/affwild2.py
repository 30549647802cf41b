"""Aff-Wild2 uni-task annotations (ABAW 2020-2024): EXPR, AU and VA sets merged per frame.

Layout (../shared/FORMATS.md)::

    ROOT/annotations/EXPR_Set/Train_Set/<video>.txt          (ABAW2 naming)
    ROOT/annotations/EXPR_Classification_Challenge/...       (ABAW3+ naming; also AU_Detection_
                                                              Challenge, VA_Estimation_Challenge)
    ROOT/cropped_aligned/<video>/00001.jpg                   112x112 crops, 1-based frame numbers

``annotations/`` may also be ROOT itself. Line 1 of each file is a header; line k+1 holds frame k.
A frame labelled in several task sets becomes one row holding all its labels. A video labelled for
a task in Train and for another task in Validation keeps one row per (split, frame), since the
challenge's splits are per task. Frames a file marks not annotated (-1 / -5 throughout) are not
samples; annotated frames without a crop (face not detected) are dropped and counted.

Spec options: ``classes=7|8`` (default: 8 when any EXPR header has Other, else 7; ``other`` is
MISSING in the 7-class space), ``crops=PATH`` (default ``ROOT/cropped_aligned``).

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read("affwild2:/data/Aff-Wild2?split=validation")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.images import existing_mask
from affectkeras.data.readers.text_files import (
    check_au_values,
    check_expression_codes,
    check_va_values,
    parse_numeric_rows,
    read_lines,
    split_header,
)
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import empty_table, make_table

logger = logging.getLogger("affectkeras.data")

TASK_FOLDERS: dict[str, tuple[str, ...]] = {
    "expr": ("EXPR_Set", "EXPR_Classification_Challenge", "EXPR_Recognition_Challenge"),
    "au": ("AU_Set", "AU_Detection_Challenge"),
    "va": ("VA_Set", "VA_Estimation_Challenge"),
}
SPLIT_FOLDERS: dict[str, str] = {"Train_Set": "train", "Validation_Set": "validation"}
EXPR_HEADERS: dict[int, tuple[str, ...]] = {
    n: tuple(name.capitalize() for name in labels.expression_names(n))
    for n in labels.EXPRESSION_CLASS_COUNTS
}
AU_HEADER: tuple[str, ...] = labels.ACTION_UNITS
VA_HEADER: tuple[str, ...] = labels.VALENCE_AROUSAL


@dataclass(frozen=True)
class TaskFile:
    """One annotation file: a video's labels for one task in one split."""

    task: str
    split: str
    path: Path

    @property
    def video(self) -> str:
        return self.path.stem


@dataclass
class TaskLabels:
    """The labelled frames of one annotation file."""

    source: TaskFile
    frames: np.ndarray  # int64 [n], 1-based
    values: np.ndarray  # [n] expression codes, [n, 12] AUs or [n, 2] VA


def find_task_files(root: Path) -> list[TaskFile]:
    """Every ``<task folder>/<split folder>/<video>.txt`` under ``root/annotations`` or ``root``."""
    found: list[TaskFile] = []
    for base in (root / "annotations", root):
        for task, folder_names in TASK_FOLDERS.items():
            for folder_name in folder_names:
                for split_folder, split in SPLIT_FOLDERS.items():
                    folder = base / folder_name / split_folder
                    if folder.is_dir():
                        found.extend(
                            TaskFile(task, split, path) for path in sorted(folder.glob("*.txt"))
                        )
        if found:
            return found
    return found


def parse_task_file(task_file: TaskFile) -> TaskLabels:
    """Parses and checks one annotation file; returns its annotated frames only."""
    path = task_file.path
    lines = read_lines(path)
    header = [name.lower() for name in split_header(path, lines)]
    body = lines[1:]
    if task_file.task == "expr":
        classes = next(
            (n for n, names in EXPR_HEADERS.items() if header == [x.lower() for x in names]), None
        )
        if classes is None:
            _bad_header(path, lines[0], ",".join(EXPR_HEADERS[7]) + "[,Other]")
        codes = parse_numeric_rows(path, body, 1, first_line=2)[:, 0]
        values = check_expression_codes(path, codes, classes, 2, body)
        keep = values != labels.MISSING_EXPRESSION
    elif task_file.task == "au":
        if header != [x.lower() for x in AU_HEADER]:
            _bad_header(path, lines[0], ",".join(AU_HEADER))
        values = check_au_values(path, parse_numeric_rows(path, body, 12, 2), 2, body)
        keep = (values != labels.MISSING_AU).any(axis=1)
    else:
        if header != list(VA_HEADER):
            _bad_header(path, lines[0], ",".join(VA_HEADER))
        values = check_va_values(path, parse_numeric_rows(path, body, 2, 2), 2, body)
        keep = (values != labels.MISSING_VA).any(axis=1)
    frames = np.arange(1, len(body) + 1, dtype=np.int64)
    return TaskLabels(task_file, frames[keep], values[keep])


def _bad_header(path: Path, line: str, expected: str) -> None:
    raise DataFormatError(path, 1, f"unexpected header {line!r}; expected {expected!r}")


def read_affwild2(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads an Aff-Wild2 uni-task tree into a sample table (see the module docstring)."""
    root = spec.path
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (data spec {spec})")
    task_files = find_task_files(root)
    if not task_files:
        raise DataFormatError(
            root,
            None,
            "no Aff-Wild2 annotations found: expected annotations/<EXPR_Set|AU_Set|VA_Set or "
            "the ABAW3+ *_Challenge folders>/<Train_Set|Validation_Set>/<video>.txt",
        )
    check_one_split_per_task(task_files)
    available = sorted({f.split for f in task_files})
    # The expression space comes from every EXPR header, whatever split= keeps, so that the
    # train and validation reads of one tree always share it.
    classes = spec.num_classes() or expr_header_classes(task_files)
    wanted = spec.splits()
    if wanted is not None:
        task_files = [f for f in task_files if f.split in wanted]
    parsed = _parse_all(task_files)
    crops = spec.path_option("crops") or root / "cropped_aligned"
    per_task = [
        _task_frame(task, [p for p in parsed if p.source.task == task], classes)
        for task in TASK_FOLDERS
    ]
    frames = [f for f in per_task if f is not None]
    if not frames:
        table = empty_table("affwild2", classes)
        table.attrs["available_splits"] = available
        return table
    merged = frames[0]
    for other in frames[1:]:
        merged = merged.merge(other, on=["split", "video", "frame"], how="outer")
    merged = merged.sort_values(["split", "video", "frame"], ignore_index=True)
    prefix = os.path.join(crops, "")
    paths = [
        f"{prefix}{video}{os.sep}{frame:05d}.jpg"
        for video, frame in zip(merged["video"], merged["frame"], strict=True)
    ]
    exists = existing_mask(paths, skips)
    merged = merged.loc[exists].reset_index(drop=True)
    merged["path"] = np.asarray(paths, dtype=object)[exists]
    table = make_table(_fill_missing(merged), "affwild2", classes)
    table.attrs["available_splits"] = available
    return table


def check_one_split_per_task(task_files: list[TaskFile]) -> None:
    """A video is in one split per task; a video split differently across tasks is logged.

    Raises:
        DataFormatError: when one task annotates a video in both Train_Set and Validation_Set.
    """
    by_task: dict[tuple[str, str], TaskFile] = {}
    splits_of_video: dict[str, set[str]] = {}
    for task_file in task_files:
        key = (task_file.task, task_file.video)
        first = by_task.setdefault(key, task_file)
        if first.split != task_file.split:
            raise DataFormatError(
                task_file.path,
                None,
                f"video {task_file.video!r} is annotated for {task_file.task} in both "
                f"{first.split} ({first.path}) and {task_file.split}",
            )
        splits_of_video.setdefault(task_file.video, set()).add(task_file.split)
    mixed = sorted(video for video, splits in splits_of_video.items() if len(splits) > 1)
    if mixed:
        logger.warning(
            "%d video(s) are in one split for a task and in another for another task (e.g. %s); "
            "their frames get one row per split, each with the labels of that split's tasks",
            len(mixed),
            ", ".join(mixed[:3]),
        )


def expr_header_classes(task_files: list[TaskFile]) -> int:
    """8 when any EXPR file's header lists Other, else 7 (headers are fully checked later)."""
    other = EXPR_HEADERS[8][-1].lower()
    for task_file in task_files:
        if task_file.task == "expr":
            with open(task_file.path, encoding="utf-8-sig", errors="replace") as handle:
                header = [name.strip().lower() for name in handle.readline().split(",")]
            if header[-1:] == [other]:
                return 8
    return 7


def _parse_all(task_files: list[TaskFile]) -> list[TaskLabels]:
    seen: dict[tuple[str, str, str], TaskLabels] = {}
    for task_file in tqdm(
        task_files, desc="Aff-Wild2 annotations", unit="file", leave=False, disable=None
    ):
        parsed = parse_task_file(task_file)
        key = (task_file.task, task_file.split, task_file.video)
        if key in seen:
            first = seen[key]
            same = np.array_equal(first.frames, parsed.frames) and np.array_equal(
                first.values, parsed.values
            )
            if not same:
                raise DataFormatError(
                    task_file.path,
                    None,
                    f"video {task_file.video!r} is annotated for {task_file.task} in "
                    f"{first.source.path} too, with different labels",
                )
            logger.info("%s repeats %s; read once", task_file.path, first.source.path)
            continue
        seen[key] = parsed
    return list(seen.values())


def _task_frame(task: str, parsed: list[TaskLabels], classes: int) -> pd.DataFrame | None:
    if not parsed:
        return None
    columns: dict[str, np.ndarray] = {
        "split": np.concatenate([np.full(len(p.frames), p.source.split, object) for p in parsed]),
        "video": np.concatenate([np.full(len(p.frames), p.source.video, object) for p in parsed]),
        "frame": np.concatenate([p.frames for p in parsed]),
    }
    values = np.concatenate([p.values for p in parsed])
    if task == "expr":
        columns["label_native"] = np.asarray(labels.EXPRESSIONS, dtype=object)[values]
        columns["expression"] = np.where(values < classes, values, labels.MISSING_EXPRESSION)
    elif task == "au":
        for index, name in enumerate(labels.ACTION_UNITS):
            columns[name] = values[:, index]
    else:
        columns["valence"], columns["arousal"] = values[:, 0], values[:, 1]
    return pd.DataFrame(columns)


def _fill_missing(merged: pd.DataFrame) -> dict[str, object]:
    defaults = {
        "expression": labels.MISSING_EXPRESSION,
        **{name: labels.MISSING_AU for name in labels.ACTION_UNITS},
        "valence": labels.MISSING_VA,
        "arousal": labels.MISSING_VA,
        "label_native": "",
    }
    columns: dict[str, object] = {
        name: merged[name] for name in ("path", "split", "video", "frame")
    }
    for name, default in defaults.items():
        if name in merged:
            columns[name] = merged[name].fillna(default).to_numpy()
    return columns


register_reader(
    Reader(
        name="affwild2",
        read=read_affwild2,
        summary="Aff-Wild2 uni-task EXPR/AU/VA sets (ABAW2 and ABAW3+ namings), merged per frame",
        options={
            "classes": "7|8 expression classes (default: 8 when a header has Other, else 7)",
            "crops": "folder of the cropped_aligned frames (default: ROOT/cropped_aligned)",
        },
    )
)
