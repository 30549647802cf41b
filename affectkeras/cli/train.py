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
        "run. Defaults are each recipe's paper's; change them with --config/--set. A config "
        "file may name its recipe (recipe: NAME; configs/ of the repository holds one per "
        "paper table row, and a RUN_DIR/config.yaml names its own), then --recipe is optional.",
        epilog=f"recipes:\n{listing}\n\nexamples:\n  affectkeras train --recipe single_task "
        "--data affwild2:runs/synth --set tasks=expr --set backbone=tiny --out runs/expr\n"
        "  affectkeras train --config configs/003_pons/table2_sjmt_resnet110.yaml "
        "--data sfew:/data/SFEW --data emotionet:/data/EmotioNet/train.csv --out runs/sjmt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--recipe",
        choices=sorted(recipes),
        metavar="NAME",
        help="recipe to run (optional when the --config file names it with recipe: NAME)",
    )
    parser.add_argument(
        "--data",
        action="append",
        metavar="SPEC",
        help="DATASET:PATH[?key=value&...]; repeat for a multi-database set",
    )
    parser.add_argument(
        "--config",
        metavar="FILE.yaml",
        help="YAML file of config keys, e.g. configs/000_phan/table1_multitask_focal.yaml",
    )
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

    recipe = get_recipe(recipe_name(args))
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
        final = result.config.model_selection == "final"
        kept = "final epoch (model_selection: final)" if final else "best epoch"
        print(f"{kept}: {result.best_epoch + 1}")
    print("validation metrics: " + json.dumps(result.metrics, sort_keys=True))
    return 0


def recipe_name(args: argparse.Namespace) -> str:
    """``--recipe``, or the ``recipe:`` key of the ``--config`` file; both must agree."""
    from affectkeras.recipes import list_recipes
    from affectkeras.recipes.engine.config import config_file_recipe

    named = config_file_recipe(args.config) if args.config else None
    if named and args.recipe and named != args.recipe:
        raise ValueError(
            f"{args.config}: the file names recipe: {named} but --recipe is {args.recipe}; "
            "give one of them, or the same recipe in both"
        )
    if named and named not in list_recipes():
        raise ValueError(
            f"{args.config}: recipe: {named} is not a recipe; recipes: " + ", ".join(list_recipes())
        )
    if not (named or args.recipe):
        raise ValueError(
            "train needs a recipe: give --recipe NAME, or a --config file with a recipe: NAME key"
        )
    return args.recipe or named
