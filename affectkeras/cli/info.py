"""``affectkeras info``: what a data spec holds (counts per split, class, AU), or the readers."""

from __future__ import annotations

import argparse
import json

from affectkeras import data, labels


def add_parser(subparsers: argparse._SubParsersAction, parents: list) -> None:
    parser = subparsers.add_parser(
        "info",
        parents=parents,
        help="count the samples and labels a data spec holds; list the dataset readers",
        description="Reads the data specs (DATASET:PATH[?key=value&...]) and prints rows per "
        "dataset and split, per expression class, per AU, and labelled valence/arousal. "
        "Without --data, lists the dataset readers and their options.",
    )
    parser.add_argument(
        "--data", action="append", metavar="SPEC", help="data spec; repeat for several datasets"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.data:
        print(format_readers())
        return 0
    summary = data.summarize(data.read(args.data))
    print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
    return 0


def format_readers() -> str:
    lines = ["Dataset readers (data spec DATASET:PATH[?key=value&...]):"]
    for name in data.list_readers():
        reader = data.get_reader(name)
        lines.append(f"  {name:14s} {reader.summary}")
        lines.extend(f"  {'':14s}   {key}=  {text}" for key, text in reader.all_options.items())
    return "\n".join(lines)


def format_summary(summary: dict) -> str:
    lines = [f"rows: {summary['rows']}  (skipped: {summary['skipped']})"]
    lines += [f"  {group:28s} {count:>9d}" for group, count in summary["by_dataset_split"].items()]
    expression = summary["expression"]
    lines.append(
        f"expression ({summary['expression_classes']} classes), labelled: {expression['labelled']}"
    )
    if expression["labelled"]:
        names = labels.expression_names(summary["expression_classes"])
        lines += [f"  {name:12s} {expression[name]:>9d}" for name in names]
    lines.append(f"action units, rows with any AU labelled: {summary['n_au']}")
    if summary["n_au"]:
        lines += [
            f"  {name:5s} positive {au['positive']:>8d} / labelled {au['labelled']:>8d}"
            for name, au in summary["action_units"].items()
        ]
    lines.append(f"valence/arousal labelled: {summary['n_va']}")
    return "\n".join(lines)
