"""Entry point of the ``affectkeras`` console script.

Every subcommand module exposes ``add_parser(subparsers, parents)``, which registers its arguments
(with the shared ``parents`` options) and sets ``func`` to a function taking the parsed arguments
and returning an exit code. Bad input (a
``ValueError`` or ``OSError`` from the library) becomes one line on stderr and exit code 2; Ctrl-C
one line and exit code 130 (a subcommand may set ``args.interrupted_hint``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from affectkeras import __version__
from affectkeras.cli import demo, evaluate, export, info, predict, synth, train

SUBCOMMANDS = (info, synth, train, evaluate, predict, export, demo)


def verbosity_options(suppress_defaults: bool) -> argparse.ArgumentParser:
    """-v/-q, accepted before and after the subcommand (the subcommand's copy must not reset
    what was given before it, hence no defaults there)."""
    parent = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress_defaults else False
    verbosity = parent.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log debug details"
    )
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="log warnings only"
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="affectkeras",
        description="Multi-task facial affect recognition: expressions, action units and "
        "valence/arousal from faces (Keras 3).",
        parents=[verbosity_options(suppress_defaults=False)],
    )
    parser.add_argument("--version", action="version", version=f"affectkeras {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    common = verbosity_options(suppress_defaults=True)
    for module in SUBCOMMANDS:
        module.add_parser(subparsers, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # TensorFlow's C++ start-up INFO lines (CPU features, grappler sessions) say nothing a user
    # can act on; its warnings and errors still show. Set before any command imports it.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.WARNING)
    logging.getLogger("affectkeras").setLevel(level)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError) as error:
        print(f"affectkeras {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = getattr(args, "interrupted_hint", "")
        print(f"affectkeras {args.command}: interrupted{hint}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
