"""The recipe's cost over a plain Keras loop: same model, data, batch and device (not a test).

Run from the repository root, once per backend::

    python benchmarks/recipe_overhead.py [--backbones tiny,resnet32] [--sizes 48,112]
    KERAS_BACKEND=jax python benchmarks/recipe_overhead.py ...

It makes its own data in a temporary folder (synthetic expression stills at each size, 80 %
training / 20 % validation by identity, and with ``--affwild2`` a synthetic Aff-Wild2 tree of
cropped-aligned frames) and trains, in this one process, for each backbone and data set:

- ``recipe``: ``affectkeras.recipes.SingleTask().train`` with ``tasks=expr`` (the recipe's
  class-weighted cross-entropy, its training metrics, whole-set validation scores every epoch,
  best checkpoint, resume state, CSV log), augmentation off;
- ``plain``: ``model.fit`` of the same network (``build_task_model`` on the same backbone and
  head) on the decoded images as uint8 numpy arrays, cross-entropy and accuracy, with a
  ``model.predict`` of the validation images at each epoch end (what a user who scores a
  validation set every epoch writes by hand).

The time of an epoch is taken from a callback placed after every other callback, from its
``on_epoch_begin`` to its ``on_epoch_end``, so it holds the training steps and every epoch-end
callback (validation, checkpoint, resume state). The first epoch (tracing, compilation, the
decoded-pixel cache) is left out; ``step_ms`` is the median of the remaining epochs' times per
training step, over ``--repeats`` runs of each loop (default 2) that alternate which loop goes
first (a process's first minutes on a shared virtual machine run slower).
``ratio`` = recipe ``step_ms`` / plain ``step_ms`` (1.00 = no overhead). ``--profile`` adds
``recipe_epoch_end_s``: the median seconds of each of the recipe's callbacks at an epoch end
(validation scores, best checkpoint, resume state, CSV log). One
JSON line per (backbone, data) pair; the load average is printed with it because the machine
may be shared.
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

import cv2
import keras
import numpy as np

from affectkeras.data.reading.read import read_datasets
from affectkeras.data.synthetic import write_stills
from affectkeras.data.synthetic.writer import write_affwild2
from affectkeras.data.table import expression_classes
from affectkeras.models import build_task_model, get_backbone
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.single_task import SingleTask


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each epoch, steps and epoch-end callbacks included."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self.steps = 0
        self._start = self._cpu = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._cpu = time.perf_counter(), time.process_time()
        self.steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.cpu_seconds.append(time.process_time() - self._cpu)


class PredictEachEpoch(keras.callbacks.Callback):
    """The plain loop's per-epoch validation: predict the validation images."""

    def __init__(self, images: np.ndarray, batch_size: int) -> None:
        super().__init__()
        self.images = images
        self.batch_size = batch_size

    def on_epoch_end(self, epoch, logs=None):
        self.model.predict(self.images, batch_size=self.batch_size, verbose=0)


class EpochEndProfile:
    """Seconds each callback spends in ``on_epoch_end`` (``--profile``), by class name.

    Wraps ``keras.callbacks.CallbackList.on_epoch_end`` for the process (a benchmark's licence:
    the recipe builds its callbacks inside ``train``, out of reach otherwise).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        original = keras.callbacks.CallbackList.on_epoch_end

        def timed_epoch_end(callback_list, epoch, logs=None):
            from keras.src.utils import python_utils

            logs = python_utils.pythonify_logs(logs)
            for callback in callback_list.callbacks:
                start = time.perf_counter()
                callback.on_epoch_end(epoch, logs)
                name = type(callback).__name__
                self.seconds.setdefault(name, []).append(time.perf_counter() - start)

        self.original = original
        keras.callbacks.CallbackList.on_epoch_end = timed_epoch_end

    def take(self) -> dict[str, float]:
        """Median seconds per epoch end of each callback since the last call (then reset)."""
        out = {k: round(statistics.median(v), 3) for k, v in self.seconds.items() if v}
        self.seconds = {}
        return {k: v for k, v in out.items() if v >= 0.001}


def step_ms(seconds: list[float], steps: int) -> float:
    return round(1000.0 * statistics.median(seconds) / steps, 2)


def timed(timers: list[EpochTimer]) -> dict:
    """Median step times over the runs' epochs, each run's first epoch left out."""
    steps = timers[0].steps  # training batches of an epoch (every epoch has as many)
    seconds = [s for timer in timers for s in (timer.seconds[1:] or timer.seconds)]
    cpu = [s for timer in timers for s in (timer.cpu_seconds[1:] or timer.cpu_seconds)]
    return {
        "step_ms": step_ms(seconds, steps),
        "cpu_step_ms": step_ms(cpu, steps),
        "steps": steps,
        "epochs_s": [round(s, 2) for timer in timers for s in timer.seconds],
    }


def decoded(table, size: int) -> np.ndarray:
    """The table's images as uint8 RGB arrays at ``size``."""
    out = np.empty((len(table), size, size, 3), np.uint8)
    for i, path in enumerate(table["path"]):
        image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        out[i] = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return out


def plain_run(backbone: str, size: int, data: str, args) -> EpochTimer:
    table = read_datasets([data])
    table = table[(table["expression"] >= 0) & table["path"].map(os.path.isfile)]
    train = table[table["split"] == "train"]
    validation = table[table["split"] != "train"]
    x, y = decoded(train, size), train["expression"].to_numpy(np.int64)
    x_val = decoded(validation, size)
    keras.utils.set_random_seed(0)
    spec = OutputSpec.create("expr", expression_classes(table))
    model = build_task_model(get_backbone(backbone, input_shape=(size, size, 3)), spec)
    name = model.output_names[0]
    model.compile(
        optimizer=keras.optimizers.Adam(5e-5),
        loss={name: keras.losses.SparseCategoricalCrossentropy()},
        metrics={name: ["accuracy"]},
    )
    timer = EpochTimer()
    model.fit(
        x,
        {name: y},
        batch_size=args.batch_size,
        epochs=args.epochs,
        callbacks=[PredictEachEpoch(x_val, args.batch_size), timer],
        verbose=0,
    )
    return timer


def recipe_run(backbone: str, size: int, data: str, out: Path, args, extra=()) -> EpochTimer:
    recipe = SingleTask()
    overrides = [
        "tasks=expr",
        f"backbone={backbone}",
        f"image_size={size}",
        f"batch_size={args.batch_size}",
        f"epochs={args.epochs}",
        "verbose=0",
        "augment_flip=false",
        "augment_translate=0",
        *extra,
    ]
    timer = EpochTimer()
    result = recipe.train(data, out, recipe.config(overrides=overrides), callbacks=[timer])
    timer.pipeline = result.pipeline
    return timer


def make_data(folder: Path, args) -> dict[str, tuple[int, str]]:
    """name -> (image size, data spec)."""
    data = {}
    for size in args.sizes:
        root = folder / f"stills{size}"
        write_stills(root, "expression", args.images, seed=0, size=size, layout="csv")
        data[f"stills{size}"] = (size, f"csv:{root / 'labels.csv'}")
    if args.affwild2:
        root = folder / "affwild2"
        write_affwild2(root, videos=10, frames=args.images // 10, seed=0, size=112)
        data["affwild2"] = (112, f"affwild2:{root}")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbones", default="tiny", help="comma-separated backbone names")
    parser.add_argument("--sizes", default="48,112", help="still-image sides, comma-separated")
    parser.add_argument("--images", type=int, default=4000, help="images per data set")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--affwild2", action="store_true", help="also a synthetic Aff-Wild2 tree")
    parser.add_argument("--set", action="append", default=[], help="extra recipe overrides")
    parser.add_argument(
        "--profile", action="store_true", help="time each callback's epoch end (recipe runs)"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="runs of each loop, alternating which goes first"
    )
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    logging.basicConfig(level=logging.WARNING)
    profile = EpochEndProfile() if args.profile else None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = make_data(folder, args)
        for backbone in args.backbones.split(","):
            for name, (size, spec) in data.items():
                load = os.getloadavg()[0]
                plains, recipes = [], []
                for repeat in range(args.repeats):  # alternating which goes first
                    run = folder / f"run-{backbone}-{name}-{repeat}"
                    order = ("plain", "recipe") if repeat % 2 == 0 else ("recipe", "plain")
                    for kind in order:
                        if kind == "plain":
                            plains.append(plain_run(backbone, size, spec, args))
                            if profile:
                                profile.take()  # the recipe's callbacks only
                        else:
                            recipes.append(recipe_run(backbone, size, spec, run, args, args.set))
                            if profile:
                                recipe_profile = profile.take()
                plain, recipe = timed(plains), timed(recipes)
                recipe["pipeline"] = recipes[0].pipeline
                print(
                    json.dumps(
                        {
                            "backend": keras.backend.backend(),
                            "backbone": backbone,
                            "data": name,
                            "image_size": size,
                            "batch_size": args.batch_size,
                            "recipe_step_ms": recipe["step_ms"],
                            "plain_step_ms": plain["step_ms"],
                            "ratio": round(recipe["step_ms"] / plain["step_ms"], 3),
                            "recipe_cpu_step_ms": recipe["cpu_step_ms"],
                            "plain_cpu_step_ms": plain["cpu_step_ms"],
                            "cpu_ratio": round(recipe["cpu_step_ms"] / plain["cpu_step_ms"], 3),
                            "pipeline": recipe["pipeline"],
                            "steps_per_epoch": recipe["steps"],
                            "recipe_epochs_s": recipe["epochs_s"],
                            "plain_epochs_s": plain["epochs_s"],
                            "overrides": args.set,
                            **({"recipe_epoch_end_s": recipe_profile} if profile else {}),
                            "load_before": round(load, 2),
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
