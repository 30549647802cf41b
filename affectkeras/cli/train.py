"""``affectkeras train``: fits a recipe into a run directory (rerun the command to resume)."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers: argparse._SubParsersAction, parents: list) -> None:
    from affectkeras.recipes import list_recipes

    recipes = list_recipes()
    listing = "\n".join(f"  {name:14s} {summary}" for name, summary in recipes.items())
    parser = subparsers.add_parser(
        "train",
        parents=parents,
        help="train a recipe into RUN_DIR (model.keras, config.yaml, history.csv, metrics.json)",
        description="Trains a recipe with model.fit and writes RUN_DIR/model.keras (best "
        "validation score), config.yaml (resolved config), history.csv (every epoch) and "
        "metrics.json (validation scores). Rerunning the same command resumes an interrupted "
        "run. Defaults are each recipe's paper's; change them with --config/--set.",
        epilog=f"recipes:\n{listing}\n\nexample:\n  affectkeras train --recipe single_task "
        "--data affwild2:runs/synth --set tasks=expr --set backbone=tiny --out runs/expr",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--recipe", required=True, choices=sorted(recipes), metavar="NAME", help="recipe to run"
    )
    parser.add_argument(
        "--data",
        action="append",
        metavar="SPEC",
        help="DATASET:PATH[?key=value&...]; repeat for a multi-database set",
    )
    parser.add_argument("--config", metavar="FILE.yaml", help="YAML file of config keys")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config key (repeatable), e.g. --set epochs=5",
    )
    parser.add_argument("--out", metavar="RUN_DIR", help="run directory to write (or resume)")
    parser.add_argument(
        "--show-config",
        action="store_true",
        help="print the resolved config (every key with its value, the --data specs "
        "included) and exit; paths are not opened",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from affectkeras.predictor import MODEL_FILE
    from affectkeras.recipes import get_recipe

    recipe = get_recipe(args.recipe)
    config = recipe.config(args.config, args.overrides)
    if args.data:
        config.data = list(args.data)  # the command line's specs replace a config file's
    if args.show_config:
        import yaml

        print(yaml.safe_dump(config.to_dict(), sort_keys=False), end="")
        return 0
    if not args.out:
        raise ValueError("train needs --out RUN_DIR")
    if getattr(args, "quiet", False):
        config.verbose = 0
    args.interrupted_hint = "; rerun the same command to resume from the last finished epoch"
    result = recipe.train(args.data, args.out, config)
    print(f"run directory: {result.run_dir}")
    for name in (MODEL_FILE, "config.yaml", "history.csv", "metrics.json"):
        print(f"  {name:13s} {result.run_dir / name}")
    if result.best_epoch is not None:
        print(f"best epoch: {result.best_epoch + 1}")
    print("validation metrics: " + json.dumps(result.metrics, sort_keys=True))
    return 0
