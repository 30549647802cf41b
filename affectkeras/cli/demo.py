"""``affectkeras demo``: synthetic data -> train -> evaluate -> export -> predict, in one go."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction, parents: list) -> None:
    parser = subparsers.add_parser(
        "demo",
        parents=parents,
        help="run everything on embedded synthetic data: synth, train, evaluate, export, predict",
        description="Draws a synthetic Aff-Wild2-style data set, trains a small multi-task "
        "model (expressions, 12 AUs, valence/arousal) on it, scores it on people it never saw "
        "(metrics.json and figures), exports a SavedModel for TF-Serving and checks one REST "
        "request through it, then predicts a synthetic video with a face in larger frames "
        "(CSV and figures). Prints each step, the scores next to a trivial predictor's, and "
        "every file written. About three minutes on 2 CPU cores. Rerunning with the same "
        "--out keeps the data and the trained model.",
    )
    parser.add_argument(
        "--out", default="runs/demo", metavar="DIR", help="folder to write (default runs/demo)"
    )
    # Smaller sizes for tests (DemoSettings keys, e.g. --set videos=6); not a user option.
    parser.add_argument(
        "--set", dest="settings", action="append", default=[], help=argparse.SUPPRESS
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from affectkeras.demo import DemoSettings, run_demo

    settings = DemoSettings.from_overrides(args.settings)
    args.interrupted_hint = f"; rerun the same command to go on where it stopped ({args.out})"
    run_demo(args.out, settings, progress=not getattr(args, "quiet", False))
    return 0
