"""Writes the small ``.keras`` predictors that tests/compat checks still load after a move.

Run at commit 56c8b82 (the main before the layout of issue 20), from the repository root:

    python -m tests.compat.make_legacy_models

It trains each recipe for one epoch on a synthetic Aff-Wild2 tree at 32 px with the ``tiny``
backbone, copies each run's predictor to ``tests/compat/legacy/<recipe>.keras`` and writes the
inputs and the outputs that this code predicted to ``<recipe>.npz``. Rerunning it on a later
main would rewrite the files with that main's classes and defeat the test: keep the committed
files unless the saved format is meant to change (say so in CHANGELOG.md).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np

from affectkeras.cli.main import main
from affectkeras.data.synthetic.writer import write_affwild2

HERE = Path(__file__).parent / "legacy"
TINY = ["backbone=tiny", "image_size=32", "batch_size=16", "verbose=0", "epochs=1"]
RUNS = {
    "mtl_fusion": [],
    "temporal_stat": ["window=4", "lstm_units=4", "branch_units=8", "variants=2,5"],
    "sjmt": [],
    "teacher_student": [
        "gru_batch_size=4",
        "sequence_length=4",
        "gru_units=4",
        "validation_split=validation",
    ],
}


def _inputs(model, rng):
    names = [tensor.name.split(":")[0] for tensor in model.inputs]
    if "pixels" in names:  # a window predictor: pixels [B, T, H, W, 3] + mask [B, T]
        steps = model.inputs[names.index("pixels")].shape[1]
        mask = np.ones((3, steps), bool)
        mask[0, : steps // 2] = False
        return {
            "pixels": rng.integers(0, 256, (3, steps, 32, 32, 3), dtype=np.uint8),
            "mask": mask,
        }
    return rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)


def main_() -> int:
    HERE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "affwild2"
        write_affwild2(tree, videos=6, frames=24, seed=3, size=32, progress=False)
        for recipe, extra in RUNS.items():
            keras.utils.set_random_seed(0)
            run = Path(tmp) / recipe
            argv = ["-q", "train", "--recipe", recipe, "--data", f"affwild2:{tree}"]
            argv += ["--out", str(run)]
            for item in [*TINY, *extra]:
                argv += ["--set", item]
            if main(argv) != 0:
                return 1
            target = HERE / f"{recipe}.keras"
            shutil.copyfile(run / "model.keras", target)
            model = keras.models.load_model(target, compile=False)
            inputs = _inputs(model, np.random.default_rng(7))
            outputs = model.predict(inputs, verbose=0)
            arrays = (
                {f"in_{k}": v for k, v in inputs.items()}
                if isinstance(inputs, dict)
                else {"in_image": inputs}
            )
            arrays.update({f"out_{k}": np.asarray(v) for k, v in outputs.items()})
            np.savez_compressed(HERE / f"{recipe}.npz", **arrays)
            print(recipe, target.stat().st_size, sorted(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main_())
