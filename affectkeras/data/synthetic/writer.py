"""Writes synthetic videos in the Aff-Wild2 layout: ABAW2 uni-task sets, s-Aff-Wild2 MTL, crops.

Tree written under ``out`` (../shared/FORMATS.md)::

    cropped_aligned/<video>/00001.jpg                  one crop per frame where the face is found
    annotations/EXPR_Set/Train_Set/<video>.txt         (and Validation_Set/; 8-class header)
    annotations/AU_Set/...  annotations/VA_Set/...     only for the videos annotated for the task
    training_set_annotations.txt                       s-Aff-Wild2 MTL lines, Train videos
    validation_set_annotations.txt                     s-Aff-Wild2 MTL lines, Validation videos
    synth.json                                         parameters and the counts below

Each video has its own identity, so Train and Validation identities are disjoint. As in Aff-Wild2,
a video is annotated for only some tasks: the first video of each split for all three, the others
by a fixed cycle of task subsets, so from two videos per split (``videos >= 6`` gives two in
Validation) every task is labelled in both splits and some frames carry all three. Annotations
may also leave stretches unannotated (-1 / -5) and some annotated frames have no crop (face lost).

The annotation files hold the noisy per-frame labels (``SyntheticVideo.noisy_*``). Everything is a
function of the arguments: same arguments, same bytes.

Example:
    >>> import tempfile
    >>> from affectkeras.data.synthetic import write_affwild2
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     summary = write_affwild2(f"{tmp}/synth", videos=2, frames=5, progress=False)
    >>> sorted(summary.splits)
    ['train', 'validation']
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm.auto import tqdm

from affectkeras import labels
from affectkeras.data.synthetic.videos import SyntheticVideo, make_video

TASKS: tuple[str, ...] = ("expr", "au", "va")
TASK_FOLDERS: dict[str, str] = {"expr": "EXPR_Set", "au": "AU_Set", "va": "VA_Set"}
SPLIT_FOLDERS: dict[str, str] = {"train": "Train_Set", "validation": "Validation_Set"}
MTL_FILES: dict[str, str] = {
    "train": "training_set_annotations.txt",
    "validation": "validation_set_annotations.txt",
}
HEADERS: dict[str, str] = {
    "expr": ",".join(name.capitalize() for name in labels.EXPRESSIONS),
    "au": ",".join(labels.ACTION_UNITS),
    "va": ",".join(labels.VALENCE_AROUSAL),
}
MTL_HEADER = ",".join(("image", *labels.VALENCE_AROUSAL, "expression", *labels.ACTION_UNITS))
TASK_PATTERNS: tuple[tuple[str, ...], ...] = (
    ("expr", "au"),
    ("va",),
    ("au", "va"),
    ("expr",),
    ("expr", "va"),
    ("au",),
    ("expr", "au", "va"),
)
"""Task subsets of the 2nd, 3rd, ... video of a split (the 1st has all three), cycled."""
SUMMARY_FILE = "synth.json"
JPEG_QUALITY = 95


@dataclass
class SplitCounts:
    """What the readers will find in one split.

    ``rows``: frames with a crop and a label of any task (rows of the ``affwild2`` and
    ``affwild2-mtl`` tables); ``skipped``: annotated frames without a crop (dropped and counted
    by the ``affwild2`` reader); ``expr``, ``au``, ``va``: rows labelled for that task;
    ``all_three``: rows labelled for all three.
    """

    videos: int = 0
    frames: int = 0
    crops: int = 0
    rows: int = 0
    skipped: int = 0
    expr: int = 0
    au: int = 0
    va: int = 0
    all_three: int = 0


@dataclass
class SynthSummary:
    """Parameters and counts of a written tree (also saved as ``synth.json``)."""

    out: str
    seed: int
    size: int
    frames_per_video: int
    splits: dict[str, SplitCounts]
    videos: list[dict]

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("out")
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


def split_videos(videos: int) -> dict[str, list[int]]:
    """Video indices per split: a third (at least one) in Validation, the rest in Train."""
    if videos < 2:
        raise ValueError(f"videos must be >= 2 (one per split), got {videos}")
    n_validation = max(1, round(videos / 3))
    return {
        "train": list(range(videos - n_validation)),
        "validation": list(range(videos - n_validation, videos)),
    }


def video_tasks(position: int) -> tuple[str, ...]:
    """The tasks annotated for the ``position``-th (0-based) video of a split."""
    return TASKS if position == 0 else TASK_PATTERNS[(position - 1) % len(TASK_PATTERNS)]


def annotated_frames(seed: int, index: int, frames: int, tasks: tuple[str, ...]) -> dict:
    """Per task, bool [T]: frames the annotation labels (some videos leave a stretch out)."""
    rng = np.random.default_rng([int(seed), int(index), 7])
    masks = {}
    for task in TASKS:
        mask = np.zeros(frames, bool)
        if task in tasks:
            mask[:] = True
            if rng.uniform() < 0.3 and frames >= 20:
                length = int(frames * rng.uniform(0.05, 0.15))
                start = int(rng.integers(0, frames - length))
                mask[start : start + length] = False
        masks[task] = mask
    return masks


def write_affwild2(
    out: str | os.PathLike,
    videos: int = 12,
    frames: int = 200,
    seed: int = 0,
    size: int = 112,
    progress: bool = True,
    workers: int = 1,
) -> SynthSummary:
    """Writes a synthetic Aff-Wild2 tree (see the module docstring) and returns its counts.

    The tree is built beside ``out`` and moved into place at the end. An existing ``out`` is
    replaced only if it is an earlier synthetic tree (it holds ``synth.json``) or empty.

    Args:
        out: destination folder.
        videos: total number of videos (>= 2), split between Train and Validation.
        frames: frames per video (>= 1).
        seed: the data set's seed.
        size: crop height and width in pixels (>= 32).
        progress: show a progress bar.
        workers: processes drawing the crops (one video each at a time); the bytes written do
            not depend on it.

    Raises:
        ValueError: for bad arguments, or when ``out`` holds something else.
    """
    out = Path(out)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if size < 32:
        raise ValueError(f"size must be >= 32 pixels, got {size}")
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    splits = split_videos(videos)
    partial = prepare_partial(out)
    counts = {split: SplitCounts() for split in splits}
    records: list[dict] = []
    mtl_lines: dict[str, list[str]] = {split: [MTL_HEADER] for split in splits}
    bar = tqdm(total=videos * frames, desc="synth", unit="img", disable=not progress or None)
    try:
        for split, indices in splits.items():
            for position, index in enumerate(indices):
                tasks = video_tasks(position)
                video = make_video(seed, index, frames)
                masks = annotated_frames(seed, index, frames, tasks)
                _write_annotations(partial, split, video, tasks, masks)
                mtl_lines[split] += _mtl_lines(video, masks)
                _count(counts[split], video, masks)
                records.append(
                    {"video": video.name, "split": split, "tasks": list(tasks), "frames": frames}
                )
        for split, lines in mtl_lines.items():
            _write_text(partial / MTL_FILES[split], lines)
        _draw_all_crops(partial, seed, videos, frames, size, workers, bar)
        summary = SynthSummary(str(out), seed, size, frames, counts, records)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        bar.close()
    commit_partial(partial, out, json.loads(summary.to_json()))
    return summary


def prepare_partial(out: Path) -> Path:
    """Checks that ``out`` may be replaced; returns a fresh empty folder beside it to build in.

    Raises:
        ValueError: when ``out`` is a file, or a non-empty folder without ``synth.json``.
    """
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SUMMARY_FILE).is_file():
        raise ValueError(
            f"{out}: folder is not empty and is not a synthetic tree (no {SUMMARY_FILE}); "
            "choose another --out"
        )
    partial = out.parent / f".{out.name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    return partial


def commit_partial(partial: Path, out: Path, summary: dict) -> None:
    """Writes ``synth.json`` into ``partial`` and moves it to ``out`` (replacing it)."""
    text = json.dumps(summary, indent=2, sort_keys=True) + "\n"
    (partial / SUMMARY_FILE).write_bytes(text.encode("utf-8"))
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)


def _draw_all_crops(root: Path, seed, videos, frames, size, workers, bar) -> None:
    if workers == 1:
        for index in range(videos):
            _write_crops(root, make_video(seed, index, frames), size, bar)
        return
    jobs = [(str(root), seed, index, frames, size) for index in range(videos)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for done in pool.map(_crops_job, jobs):
            bar.update(done)


def _crops_job(job: tuple) -> int:
    root, seed, index, frames, size = job
    _write_crops(Path(root), make_video(seed, index, frames), size, None)
    return frames


def _write_crops(root: Path, video: SyntheticVideo, size: int, bar) -> None:
    folder = root / "cropped_aligned" / video.name
    folder.mkdir(parents=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    for i in range(video.frames):
        if video.detected[i]:
            image = cv2.cvtColor(video.render(i, size), cv2.COLOR_RGB2BGR)
            ok, data = cv2.imencode(".jpg", image, params)
            if not ok:
                raise OSError(f"OpenCV could not encode {folder / f'{i + 1:05d}.jpg'}")
            (folder / f"{i + 1:05d}.jpg").write_bytes(data.tobytes())
        if bar is not None:
            bar.update(1)


def _write_annotations(root, split, video: SyntheticVideo, tasks, masks) -> None:
    for task in tasks:
        mask = masks[task]
        if task == "expr":
            values = np.where(mask, video.noisy_expression, labels.MISSING_EXPRESSION)
            body = [str(v) for v in values]
        elif task == "au":
            aus = np.where(mask[:, None], video.noisy_aus, labels.MISSING_AU)
            body = [",".join(map(str, row)) for row in aus.tolist()]
        else:
            va = np.where(mask[:, None], video.noisy_va, labels.MISSING_VA)
            body = [_va_text(row) for row in va]
        path = (
            root / "annotations" / TASK_FOLDERS[task] / SPLIT_FOLDERS[split] / f"{video.name}.txt"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_text(path, [HEADERS[task], *body])


def _va_text(row) -> str:
    return ",".join(f"{value:.4f}" if value != labels.MISSING_VA else "-5" for value in row)


def _mtl_lines(video: SyntheticVideo, masks: dict) -> list[str]:
    lines = []
    for i in range(video.frames):
        if not video.detected[i] or not any(mask[i] for mask in masks.values()):
            continue
        va = video.noisy_va[i] if masks["va"][i] else (labels.MISSING_VA,) * 2
        expression = video.noisy_expression[i] if masks["expr"][i] else labels.MISSING_EXPRESSION
        aus = video.noisy_aus[i] if masks["au"][i] else (labels.MISSING_AU,) * 12
        fields = [f"{video.name}/{i + 1:05d}.jpg", _va_text(va), str(int(expression))]
        lines.append(",".join([*fields, *(str(int(v)) for v in aus)]))
    return lines


def _count(counts: SplitCounts, video: SyntheticVideo, masks: dict) -> None:
    labelled = masks["expr"] | masks["au"] | masks["va"]
    crop = video.detected
    counts.videos += 1
    counts.frames += video.frames
    counts.crops += int(crop.sum())
    counts.rows += int((labelled & crop).sum())
    counts.skipped += int((labelled & ~crop).sum())
    for task in TASKS:
        setattr(counts, task, getattr(counts, task) + int((masks[task] & crop).sum()))
    counts.all_three += int((masks["expr"] & masks["au"] & masks["va"] & crop).sum())


def _write_text(path: Path, lines: list[str]) -> None:
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


__all__ = ["SplitCounts", "SynthSummary", "split_videos", "write_affwild2"]
