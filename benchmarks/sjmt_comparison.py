"""Seed 003's comparison on synthetic stills: single-task nets vs alternating MTL vs SJMT.

Pons & Masip (seed 003, Tables 1, 2 and 4) claim that Selective Joint Multi-task learning (one
sigmoid layer over the union of the datasets' label spaces, selective cross-entropy) beats the
classical alternating multi-task network (their Fig. 1(b)), which beats single-task networks, for
expression and AU accuracy; and that SJMT trained with AUs beats a single compound-emotion
network. This script measures the same comparison on the synthetic still-image sets: an
expression-only colour "studio" set (like SFEW), an AU-only grayscale "lab" set (like
EmotioNet's AUs) and a small compound-emotion set. Methods (``METHODS``):

- ``single_expr``: ``single_task tasks=expr expr_loss=ce`` on the expression set;
- ``single_au``: ``single_task tasks=au au_loss=bce`` on the AU set;
- ``single_compound``: ``sjmt tasks=expr`` on the compound set alone: its joint output is just
  the 8 compound units, i.e. a single-task network with a sigmoid output layer;
- ``alternating``: ``sjmt mode=alternating`` on expression + AU sets (Fig. 1(b));
- ``sjmt``: ``sjmt`` on expression + AU sets (Fig. 1(c));
- ``sjmt_compound``: ``sjmt`` on expression + AU + compound sets.

Every run uses the same backbone, image size, optimiser, learning rate and schedule, batch size,
augmentation (pad-and-crop 0.125, no flip), checkpoint selection (``monitor=accuracy`` on the
validation split, checked every ``epoch_length`` steps) and exactly ``--steps`` optimiser steps,
from random weights (the paper started from FER2013/CIFAR-10 weights). Defaults: the ``tiny``
backbone (ResNet-32 ran ~0.45 s/step on 2 shared cores, too slow to learn anything in the time
budget), 32 px, batch 32, 1,500 steps, SGD (momentum 0.9) at the paper's learning rate 0.05 with
a cosine schedule (``--schedule exponential`` gives the paper's staircase, halved every
steps/8, which starves short runs). The sets are drawn once per invocation with data seed 0
(subject-disjoint train/validation splits); the training seeds vary. Scores are the saved
checkpoint's on the validation split. About 15-20 minutes on 2 CPU cores with the defaults.

Run from the repository root (TensorFlow backend by default)::

    PYTHONPATH=. python benchmarks/sjmt_comparison.py [--seeds 0 1 2] [--steps 1500]
        [--backbone tiny] [--image-size 32] [--images 800] [--compound-images 640]
        [--methods sjmt alternating ...] [--workdir DIR] [--out FILE.json]

Prints one JSON document (per-run scores and per-method mean/std); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SCORES = (
    "expr_acc",
    "expr_f1",
    "au_acc",
    "au_f1",
    "compound_acc",
    "compound_mean_class_acc",
)

# method -> (recipe, datasets, recipe-specific overrides)
METHODS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "single_expr": ("single_task", ("expression",), ("tasks=expr", "expr_loss=ce")),
    "single_au": ("single_task", ("au",), ("tasks=au", "au_loss=bce")),
    "single_compound": ("sjmt", ("compound",), ("tasks=expr", "mode=sjmt", "compound=true")),
    "alternating": ("sjmt", ("expression", "au"), ("tasks=expr,au", "mode=alternating")),
    "sjmt": ("sjmt", ("expression", "au"), ("tasks=expr,au", "mode=sjmt", "compound=false")),
    "sjmt_compound": (
        "sjmt",
        ("expression", "au", "compound"),
        ("tasks=expr,au", "mode=sjmt", "compound=true"),
    ),
}

NOTES = {
    "single_compound": "sjmt recipe on the compound set only: its joint sigmoid output is the "
    "8 compound units, i.e. a single-task compound network with a sigmoid output layer",
    "alternating": "classical multi-task (Fig. 1(b)): shared backbone, softmax-CE expression "
    "head + sigmoid-CE AU head, batches of each dataset in turn",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_sets(root: Path, images: int, compound_images: int, size: int) -> tuple[dict, dict]:
    """Writes the three still-image sets (data seed 0).

    Returns ``(specs, train_rows)``: kind -> ``csv:`` data spec, kind -> training rows.
    """
    from affectkeras.data.synthetic import write_stills

    specs, train_rows = {}, {}
    for kind, count in (("expression", images), ("au", images), ("compound", compound_images)):
        started = time.perf_counter()
        table = write_stills(
            root / kind, kind, count, seed=0, size=size, layout="csv", progress=False
        )
        counts = table["split"].value_counts().to_dict()
        log(f"wrote {kind}: {counts} in {time.perf_counter() - started:.1f}s")
        specs[kind] = f"csv:{root / kind / 'labels.csv'}"
        train_rows[kind] = int(counts.get("train", 0))
    return specs, train_rows


def epoch_length(args: argparse.Namespace, train_rows: dict[str, int]) -> int:
    """Steps between validation checks, the same for every method: the largest divisor of
    ``--steps`` not above ``--steps-per-epoch`` nor one pass over the smallest training set
    used (the recipes refuse a longer epoch)."""
    kinds = {kind for method in args.methods for kind in METHODS[method][1]}
    limit = min(-(-train_rows[kind] // args.batch_size) for kind in kinds)
    limit = max(1, min(limit, args.steps_per_epoch))
    return max(d for d in range(1, limit + 1) if args.steps % d == 0)


def common_overrides(args: argparse.Namespace, seed: int) -> list[str]:
    """The settings shared by every method (see the module doc)."""
    return [
        f"backbone={args.backbone}",
        f"image_size={args.image_size}",
        f"batch_size={args.batch_size}",
        "epochs=none",
        f"steps={args.steps}",
        f"steps_per_epoch={args.epoch_steps}",
        f"optimizer={args.optimizer}",
        "momentum=0.9",
        f"learning_rate={args.learning_rate}",
        f"schedule={args.schedule}",
        f"decay_steps={max(1, args.steps // 8)}",
        "decay_rate=0.5",
        "augment_flip=false",
        "augment_translate=0.125",
        "augment_rotation=0",
        "head=linear",
        "monitor=accuracy",
        "validation_split=auto",
        f"seed={seed}",
        "verbose=0",
    ]


def run_one(method: str, seed: int, specs: dict, runs: Path, args) -> dict:
    from affectkeras import recipes

    recipe, kinds, extra = METHODS[method]
    out = runs / f"{method}_seed{seed}"
    if out.exists():
        shutil.rmtree(out)  # a finished run dir would be returned as is, with no timing
    overrides = [*common_overrides(args, seed), *extra]
    result = recipes.train(recipe, [specs[k] for k in kinds], out, overrides=overrides)
    epochs = len(result.history)
    row = {
        "method": method,
        "seed": seed,
        "seconds": round(result.seconds, 1),
        "steps": epochs * args.epoch_steps,
        "best_epoch": result.best_epoch,
        **{k: result.metrics[k] for k in SCORES if k in result.metrics},
    }
    shown = ", ".join(f"{k}={row[k]:.3f}" for k in SCORES if k in row)
    log(f"{method} seed {seed}: {shown} ({row['seconds']}s, {row['steps']} steps)")
    return row


def summarise(rows: list[dict], methods: list[str]) -> dict:
    """Per method: mean and std (ddof=1; null for one run) of every score and the wall time."""
    summary = {}
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        if not mine:
            continue
        entry: dict = {"runs": len(mine)}
        for key in (*SCORES, "seconds"):
            values = np.array([r[key] for r in mine if key in r], float)
            if len(values):
                std = round(float(values.std(ddof=1)), 4) if len(values) > 1 else None
                entry[key] = {"mean": round(float(values.mean()), 4), "std": std}
        if method in NOTES:
            entry["note"] = NOTES[method]
        summary[method] = entry
    return summary


def claims(summary: dict) -> dict:
    """Seed 003's orderings, checked on the means (True = the claimed direction holds)."""

    def mean(method: str, key: str) -> float | None:
        return summary.get(method, {}).get(key, {}).get("mean")

    checks = {}
    for key in ("expr_acc", "au_acc", "expr_f1", "au_f1"):
        single = "single_expr" if key.startswith("expr") else "single_au"
        values = [mean(m, key) for m in ("sjmt", "alternating", single)]
        if None not in values:
            checks[f"{key}: sjmt > alternating"] = values[0] > values[1]
            checks[f"{key}: alternating > single"] = values[1] > values[2]
            checks[f"{key}: sjmt > single"] = values[0] > values[2]
    for key in ("compound_acc", "compound_mean_class_acc"):
        values = [mean(m, key) for m in ("sjmt_compound", "single_compound")]
        if None not in values:
            checks[f"{key}: sjmt_compound > single_compound"] = values[0] > values[1]
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--images", type=int, default=800, help="images per expression/AU set")
    parser.add_argument("--compound-images", type=int, default=640)
    parser.add_argument("--steps", type=int, default=1500, help="optimiser steps of every run")
    parser.add_argument("--steps-per-epoch", type=int, default=50, help="at most, see epoch_length")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument(
        "--schedule", choices=["exponential", "cosine", "constant"], default="cosine"
    )
    parser.add_argument("--backbone", default="tiny")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--workdir", type=Path, help="where sets and runs go (default: temp)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    started = time.time()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        specs, train_rows = write_sets(
            root / "data", args.images, args.compound_images, args.image_size
        )
        args.epoch_steps = epoch_length(args, train_rows)
        log(f"{args.steps} steps per run, validation every {args.epoch_steps} steps")
        rows = []
        for seed in args.seeds:
            for method in args.methods:
                rows.append(run_one(method, seed, specs, root / "runs", args))
    import keras

    summary = summarise(rows, args.methods)
    document = {
        "benchmark": "seed 003 SJMT vs alternating MTL vs single-task, synthetic stills",
        "settings": {
            **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "momentum": 0.9,
            "augment": "pad-and-crop 0.125, no flip",
            "monitor": "accuracy (best epoch on the validation split)",
            "keras_backend": keras.backend.backend(),
            "cpu_count": os.cpu_count(),
        },
        "summary": summary,
        "claims_on_means": claims(summary),
        "runs": rows,
        "total_seconds": round(time.time() - started, 1),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
