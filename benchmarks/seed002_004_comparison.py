"""Seeds 002 and 004 on synthetic Aff-Wild2: the directions of their ablation tables.

Seed 002 (Vu et al., Tables 1-3): the distilled CNN student against its CNN teacher, and the
BiGRU (teacher and student) over the student CNN's features against the CNN alone. Seed 004
(Do et al., Table II): the frame model and Table I's models 2 (Emotion VA Image), 4 (+ STAT)
and 6 (+ STAT + LSTM), and their average fusion. Scores are the Aff-Wild2-style validation
scores of each stage's ``metrics.json``: expression 0.67 F1 + 0.33 accuracy, CCC of valence and
arousal.

The data: ``affectkeras synth`` videos (per-video task annotation as Aff-Wild2), plus, for seed
002's EXPR_VA set, the doubly labelled frames of a second synthetic tree (other identities) as
an AffectNet-like still set. Tiny settings for a shared 2-core CPU: the ``tiny`` backbone at
32 px without pretrained weights, so unlike the papers (pretrained ResNet-50 at 1e-4) we train
every layer at learning rate 3e-3 (seed 004's ``trainable=all``), few epochs, windows and
sequences of 8 frames.

Seed 002's GRU student is also scored read both ways (issue 21, item 8): ``gru_read_per_step``
(each frame at its own step of a whole sequence, the saved predictor) and ``gru_read_last_step``
(the same weights read at the last step of the window ending at each frame, as before).

Run: ``nice -n 10 python benchmarks/seed002_004_comparison.py --out /tmp/bench`` (prints JSON;
``--json FILE`` also writes it); ``--skip-seed004`` runs seed 002 only.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

KEYS = ("expr_score_abaw2", "va_ccc_valence", "va_ccc_arousal", "va_ccc")


def make_data(root: Path, videos: int, frames: int) -> list[str]:
    from affectkeras.data import read
    from affectkeras.data.synthetic.writer import write_affwild2
    from affectkeras.data.table import labelled_expression_va

    write_affwild2(
        root / "affwild2", videos=videos, frames=frames, seed=11, size=32, progress=False
    )
    write_affwild2(
        root / "other", videos=videos // 2, frames=frames, seed=12, size=32, progress=False
    )
    other = read(f"affwild2:{root / 'other'}")
    expression, va = labelled_expression_va(other)
    rows = other[expression & va & (other["expression"] < 7)]
    pd.DataFrame(
        {
            "path": rows["path"],
            "expression": rows["expression"],
            "valence": rows["valence"],
            "arousal": rows["arousal"],
            "split": "train",
        }
    ).to_csv(root / "expr_va.csv", index=False)
    return [f"affwild2:{root / 'affwild2'}", f"csv:{root / 'expr_va.csv'}"]


def scores(path: Path) -> dict[str, float]:
    metrics = json.loads((path / "metrics.json").read_text())
    return {key: round(float(metrics[key]), 4) for key in KEYS if key in metrics}


def seed002(data: list[str], out: Path, seed: int, epochs: int, extra: list[str]) -> dict:
    from affectkeras import recipes

    overrides = [
        "backbone=tiny",
        "image_size=32",
        "learning_rate=3e-3",
        f"epochs={epochs}",
        f"gru_epochs={max(2, epochs // 2)}",
        "batch_size=64",
        "gru_batch_size=16",
        "sequence_length=8",
        "gru_units=32",
        "validation_split=validation",
        f"seed={seed}",
        "verbose=0",
        *extra,
    ]
    recipes.train("teacher_student", data, out, overrides=overrides)
    result = {stage: scores(out / stage) for stage in ("teacher", "student", "gru_teacher", "gru")}
    result.update(gru_readouts(out / "gru", data[0]))
    return result


def gru_readouts(run: Path, affwild2: str) -> dict:
    """The GRU student on the validation videos read both ways (issue 21, item 8): each frame
    at its own step of a whole sequence (the predictor as saved), and at the last step of the
    window ending at it (the read-out before issue 21, rebuilt around the same weights)."""
    import keras

    from affectkeras.data import read
    from affectkeras.evaluation.evaluate import evaluate_table
    from affectkeras.models.layers import TakeStep
    from affectkeras.predictor import describe_inputs, load_predictor

    sequence = load_predictor(run)
    shape = describe_inputs(sequence)
    inputs = {
        "pixels": keras.Input(
            (shape.window, shape.height, shape.width, 3), dtype="uint8", name="pixels"
        ),
        "mask": keras.Input((shape.window,), dtype="bool", name="mask"),
    }
    steps = sequence(inputs)  # nested, so the read-out layers may take the outputs' names
    outputs = {name: TakeStep(-1, name=name)(t) for name, t in steps.items()}
    last = keras.Model(inputs, outputs)
    table = read(f"{affwild2}?split=validation")
    found = {}
    for name, model in (("gru_read_per_step", sequence), ("gru_read_last_step", last)):
        metrics = evaluate_table(model, table)
        found[name] = {key: round(float(metrics[key]), 4) for key in KEYS if key in metrics}
    return found


def seed004(data: str, out: Path, seed: int, epochs: int) -> dict:
    from affectkeras import recipes

    overrides = [
        "backbone=tiny",
        "image_size=32",
        "learning_rate=3e-3",
        f"epochs={max(2, epochs * 2 // 3)}",
        "batch_size=32",
        "window=8",
        "variants=2,4,6",
        "lstm_units=64",
        "branch_units=64",
        "trainable=all",
        f"seed={seed}",
        "verbose=0",
    ]
    recipes.train("temporal_stat", data, out, overrides=overrides)
    result = {stage: scores(out / stage) for stage in ("frame", "temporal2", "temporal4")}
    result["temporal6"] = scores(out / "temporal6")
    result["fusion"] = scores(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--json", default=None, help="also write the JSON here")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--videos", type=int, default=30)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--skip-seed004", action="store_true", help="run seed 002 only")
    parser.add_argument(
        "--seed002-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another config key for seed 002's runs, e.g. balance=none (repeatable)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    root = Path(args.out or tempfile.mkdtemp(prefix="seed002_004_"))
    started = time.time()
    data = make_data(root / "data", args.videos, args.frames)
    runs: dict = {"seed002": {}, "seed004": {}}
    for seed in args.seeds:
        runs["seed002"][seed] = seed002(
            data, root / f"ts{seed}", seed, args.epochs, args.seed002_set
        )
        if not args.skip_seed004:
            runs["seed004"][seed] = seed004(data[0], root / f"stat{seed}", seed, args.epochs)
    summary: dict = {}
    for paper, per_seed in runs.items():
        if not per_seed:
            continue
        models = next(iter(per_seed.values())).keys()
        summary[paper] = {
            model: {
                key: round(float(np.mean([per_seed[s][model][key] for s in per_seed])), 4)
                for key in per_seed[next(iter(per_seed))][model]
            }
            for model in models
        }
    report = {
        "settings": vars(args) | {"backbone": "tiny", "image_size": 32},
        "runs": runs,
        "mean_over_seeds": summary,
        "seconds": round(time.time() - started, 1),
    }
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
