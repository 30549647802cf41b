"""``affectkeras evaluate``: a trained model's SPEC.md scores on a data set (metrics.json)."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers: argparse._SubParsersAction, parents: list) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        parents=parents,
        help="score a RUN_DIR or .keras model on data (writes metrics.json)",
        description="Predicts every image of the data with the model (RUN_DIR/model.keras or a "
        ".keras file) and writes the ABAW scores of the tasks the data labels: expr_f1, "
        "expr_acc, expr_score_abaw2, au_f1, au_acc, au_score_abaw2, va_ccc_valence, "
        "va_ccc_arousal, va_ccc, mtl_p, n_expr, n_au, n_va.",
    )
    parser.add_argument(
        "model", metavar="RUN_DIR_OR_MODEL", help="run directory, .keras file or preset name"
    )
    parser.add_argument(
        "--data", action="append", required=True, metavar="SPEC", help="data to score (repeatable)"
    )
    parser.add_argument("--out", required=True, metavar="metrics.json", help="JSON file to write")
    parser.add_argument(
        "--batch-size", type=int, default=64, metavar="N", help="images per batch (default 64)"
    )
    parser.add_argument(
        "--plot",
        metavar="DIR",
        help="also write confusion_matrix.png, au_f1.png and va_density.png here",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from affectkeras.evaluation import evaluate

    progress = not getattr(args, "quiet", False)
    scores = evaluate(
        args.model, args.data, args.out, args.batch_size, progress=progress, plot_dir=args.plot
    )
    print(json.dumps(scores, sort_keys=True))
    print(f"wrote {args.out}")
    if args.plot:
        print(f"wrote the figures to {args.plot}")
    return 0
