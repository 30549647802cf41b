"""What per-epoch validation costs on videos, and what a frame stride or cap saves (not a test).

Run from the repository root: ``python benchmarks/validation_cost.py [--videos 8] [--frames 300]
[--backbone tiny]``; prints one JSON line per setting. It writes a synthetic Aff-Wild2 tree
(cropped-aligned 112 px frames; about a third of the videos are validation videos), then trains
``single_task`` (expressions) for 2 epochs with each of: every frame, ``validation_frame_stride``
5 and 25, ``validation_max_frames`` 50. For each it reports the seconds of the epoch-end
validation (``ValidationScores``, timed around its ``on_epoch_end``; the median of the 2
epochs), the whole epoch's seconds, and the seconds each setting's epoch-end validation would
take on Aff-Wild2 (~300k validation frames in ~70 videos) at the every-frame rate measured here. The
machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import ClassVar

import keras

from affectkeras.data.synthetic.writer import write_affwild2
from affectkeras.recipes.engine import callbacks
from affectkeras.recipes.single_task import SingleTask

AFFWILD2_VALIDATION_FRAMES = 300_000
AFFWILD2_VALIDATION_VIDEOS = 70  # the expression set's validation videos (ABAW)
SETTINGS = {
    "every frame": [],
    "stride 5": ["validation_frame_stride=5"],
    "stride 25": ["validation_frame_stride=25"],
    "at most 50 per video": ["validation_max_frames=50"],
}


class TimedValidation(callbacks.ValidationScores):
    """``ValidationScores`` that records how long each epoch-end pass takes."""

    seconds: ClassVar[list[float]] = []
    frames: ClassVar[list[int]] = []

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        super().on_epoch_end(epoch, logs)
        TimedValidation.seconds.append(time.perf_counter() - start)
        TimedValidation.frames.append(int(self.last_scores.get("n_expr", 0)))


class EpochSeconds(keras.callbacks.Callback):
    """Wall-clock seconds of each whole epoch (training steps and epoch-end callbacks)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--backbone", default="tiny")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from affectkeras.recipes.engine import base

    base.ValidationScores = TimedValidation  # the engine builds this class at each run
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "affwild2"
        write_affwild2(root, videos=args.videos, frames=args.frames, seed=0, size=112)
        full_rate = None
        for name, overrides in SETTINGS.items():
            TimedValidation.seconds, TimedValidation.frames = [], []
            timer = EpochSeconds()
            load = os.getloadavg()[0]
            recipe = SingleTask()
            config = recipe.config(
                overrides=[
                    "tasks=expr",
                    f"backbone={args.backbone}",
                    "epochs=2",
                    "verbose=0",
                    *overrides,
                ]
            )
            recipe.train(f"affwild2:{root}", Path(tmp) / name.replace(" ", "-"), config, [timer])
            seconds = statistics.median(TimedValidation.seconds)
            frames = TimedValidation.frames[-1]
            full_rate = full_rate or frames / seconds  # the first setting scores every frame
            print(
                json.dumps(
                    {
                        "setting": name,
                        "overrides": overrides,
                        "validation_frames_scored": frames,
                        "validation_s": round(seconds, 2),
                        "epoch_s": round(statistics.median(timer.seconds), 2),
                        "affwild2_validation_s": round(projected(name, frames, full_rate), 0),
                        "backbone": args.backbone,
                        "load_before": round(load, 2),
                    }
                ),
                flush=True,
            )


def projected(setting: str, frames: int, rate: float) -> float:
    """Seconds per epoch end on Aff-Wild2's validation set at the every-frame rate."""
    if setting.startswith("stride"):
        return AFFWILD2_VALIDATION_FRAMES / int(setting.split()[1]) / rate
    if setting.startswith("at most"):
        cap = int(setting.split()[2])
        return min(cap * AFFWILD2_VALIDATION_VIDEOS, AFFWILD2_VALIDATION_FRAMES) / rate
    return AFFWILD2_VALIDATION_FRAMES / rate


if __name__ == "__main__":
    main()
