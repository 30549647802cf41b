"""``affectkeras synth``: writes the embedded synthetic data set (Aff-Wild2 layout or stills)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction, parents: list) -> None:
    parser = subparsers.add_parser(
        "synth",
        parents=parents,
        help="write the embedded synthetic FACS data set (Aff-Wild2 layout, or still images)",
        description="Draws synthetic faces whose action units, expressions and valence/arousal "
        "shape the pixels, and writes them in the Aff-Wild2 layout (cropped_aligned/, the ABAW2 "
        "EXPR/AU/VA sets for Train and Validation, the s-Aff-Wild2 MTL files), readable as "
        "affwild2:DIR and affwild2-mtl:DIR. With --stills, writes a still-image set instead "
        "(class folders or images/ + labels.csv). Same arguments, same bytes.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    parser.add_argument(
        "--videos", type=int, default=12, metavar="N", help="videos in all (default 12)"
    )
    parser.add_argument(
        "--frames", type=int, default=200, metavar="N", help="frames per video (default 200)"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument(
        "--size", type=int, default=112, metavar="PX", help="image side in pixels (default 112)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="processes drawing the video frames (default 1; the output does not depend on it)",
    )
    parser.add_argument(
        "--stills",
        choices=("expression", "au", "compound"),
        help="write a still-image set of this kind instead of videos",
    )
    parser.add_argument(
        "--images", type=int, default=1000, metavar="N", help="still images (default 1000)"
    )
    parser.add_argument(
        "--layout",
        choices=("folders", "csv"),
        default=None,
        help="still images in class folders or in images/ (default: folders, csv for au)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from affectkeras.data import synthetic

    progress = not getattr(args, "quiet", False)
    if args.stills:
        layout = args.layout or ("csv" if args.stills == "au" else "folders")
        table = synthetic.write_stills(
            args.out,
            args.stills,
            args.images,
            args.seed,
            args.size,
            layout=layout,
            progress=progress,
        )
        counts = table.groupby("split").size().to_dict()
        print(f"wrote {len(table)} {args.stills} images to {args.out} ({counts}); labels.csv")
        return 0
    summary = synthetic.write_affwild2(
        args.out,
        args.videos,
        args.frames,
        args.seed,
        args.size,
        progress=progress,
        workers=args.workers,
    )
    for split, counts in summary.splits.items():
        print(
            f"{split:10s} videos {counts.videos:3d}  rows {counts.rows:6d}  expr {counts.expr:6d}  "
            f"au {counts.au:6d}  va {counts.va:6d}  all three {counts.all_three:6d}  "
            f"annotated without crop {counts.skipped}"
        )
    print(f"wrote {args.out}: read it as affwild2:{args.out} or affwild2-mtl:{args.out}")
    return 0
