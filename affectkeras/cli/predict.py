"""``affectkeras predict``: per-frame affect of the faces in an image, image folder or video."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction, parents: list) -> None:
    parser = subparsers.add_parser(
        "predict",
        parents=parents,
        help="predict affect for every face of an image, image folder or video (CSV)",
        description="Finds the faces of every frame (YuNet), aligns each to the 112x112 "
        "five-point template at the model's input size, and writes one CSV row per frame and "
        "face: box, valence/arousal, expression and its probabilities, AU decisions and "
        "probabilities. A frame without a face gets one row with face -1 and empty predictions. "
        "Temporal (window) models see each face's previous frames. A folder of numbered images "
        "(00001.jpg, ...) is read as the frames of one video. Faces are cut as the model's "
        "training faces were (five-point alignment, or the detector's box with a margin and "
        "grey for FER-style models). Without MODEL the default preset is used.",
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        nargs="?",
        default=None,
        help="RUN_DIR, .keras file or preset name (default: the default preset, "
        "affectkeras.presets.DEFAULT_PRESET)",
    )
    parser.add_argument("input", metavar="INPUT", help="image, folder of images, or video file")
    parser.add_argument(
        "--out",
        metavar="PATH",
        help="CSV file to write (--format abaw: the folder for the submission files); "
        "without it the CSV goes to standard output and the summary to standard error",
    )
    parser.add_argument(
        "--format",
        choices=("csv", "abaw"),
        default="csv",
        help="csv (default) or the ABAW challenge submission files",
    )
    parser.add_argument(
        "--no-detect",
        dest="detect",
        action="store_false",
        help="the images are already cropped, aligned faces: no detection, resize only",
    )
    parser.add_argument(
        "--recursive",
        action="store_true",
        help="a folder's sub-folders' images too (e.g. class folders); the image column "
        "keeps their path under INPUT",
    )
    parser.add_argument("--plot", metavar="DIR", help="also write timeline/circumplex PNGs here")
    parser.add_argument(
        "--batch-size", type=int, default=32, metavar="N", help="faces per batch (default 32)"
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="S",
        help="face detection score threshold (default 0.7)",
    )
    parser.add_argument(
        "--detect-size",
        type=int,
        default=None,
        metavar="PX",
        help="frames whose longer side exceeds PX are shrunk to it for detection (default 640)",
    )
    parser.add_argument(
        "--detect-every",
        type=int,
        default=1,
        metavar="K",
        help="in a video, detect faces on every K-th frame only and follow them by optical flow "
        "in between (faster; a new face appears up to K-1 frames late; default 1: every frame)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    if args.format == "abaw" and not args.out:
        print("affectkeras predict: error: --format abaw needs --out FOLDER", file=sys.stderr)
        return 2
    from affectkeras.inference import detect as detection
    from affectkeras.inference.predict import csv_text, predict, write_csv
    from affectkeras.inference.submission import write_abaw

    detector = None
    if args.detect:
        detector = detection.FaceDetector(
            score_threshold=(
                detection.DEFAULT_SCORE_THRESHOLD if args.threshold is None else args.threshold
            ),
            max_side=args.detect_size or detection.DEFAULT_MAX_SIDE,
        )
    from affectkeras.presets import DEFAULT_PRESET

    progress = not getattr(args, "quiet", False)
    table = predict(
        args.model or DEFAULT_PRESET,
        args.input,
        detect=args.detect,
        batch_size=args.batch_size,
        detector=detector,
        progress=progress,
        recursive=args.recursive,
        detect_every=args.detect_every,
    )
    if args.format == "abaw":
        written = write_abaw(table, args.out)
        print(f"wrote {len(written)} ABAW submission files to {args.out}")
    elif args.out:
        write_csv(table, args.out)
        print(f"wrote {len(table)} rows to {args.out}")
    else:
        sys.stdout.write(csv_text(table))
    report = sys.stdout if args.out else sys.stderr
    frames = table.attrs["timings"]["frames"]
    summary = f"{frames} frames, {table.attrs['no_face_frames']} without a face"
    if args.detect_every > 1:
        timings = table.attrs["timings"]
        summary += (
            f", detection on {timings['detections']} of them "
            f"({timings['early_detections']} before their turn)"
        )
    print(summary, file=report)
    if args.plot:
        from affectkeras.plots import plot_predictions

        figures = plot_predictions(table, args.plot)
        print(f"wrote {len(figures)} figures to {args.plot}", file=report)
    return 0
