"""What per-epoch validation costs on videos, and what a frame stride or cap saves (not a test).

Run from the repository root: ``python benchmarks/validation_cost.py [--videos 8] [--frames 300]
[--backbone tiny]``; prints one JSON line per setting. It writes a synthetic Aff-Wild2 tree
(cropped-aligned 112 px frames; about a third of the videos are validation videos), then trains
``single_task`` (expressions) for 2 epochs with each of: every frame, ``validation_frame_stride``
5 and 25, ``validation_max_frames`` 50. For each it reports the seconds of the epoch-end
validation (``ValidationScores``, timed around its ``on_epoch_end``; the median of the 2
epochs), the validation frames scored per second, the training epoch's seconds, and the
seconds a whole-set pass would take at that rate on Aff-Wild2's ~300k validation frames. The
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
            rate = frames / seconds if seconds else float("nan")
            print(
                json.dumps(
                    {
                        "setting": name,
                        "overrides": overrides,
                        "validation_frames_scored": frames,
                        "validation_s": round(seconds, 2),
                        "validation_frames_per_s": round(rate, 1),
                        "epoch_s": round(statistics.median(timer.seconds), 2),
                        "affwild2_300k_frames_s": round(AFFWILD2_VALIDATION_FRAMES / rate, 0),
                        "backbone": args.backbone,
                        "load_before": round(load, 2),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
