"""``affectkeras export``: a trained predictor -> a checked SavedModel, ONNX or LiteRT folder."""

from __future__ import annotations

import argparse
import json

FORMATS = ("tf_saved_model", "onnx", "litert")


def add_parser(subparsers: argparse._SubParsersAction, parents: list) -> None:
    parser = subparsers.add_parser(
        "export",
        parents=parents,
        help="export a trained model for serving (SavedModel for TF-Serving, ONNX, LiteRT)",
        description="Writes the model so that it takes RGB uint8 frames of any size (resized "
        "and normalised inside) and returns expression and AU probabilities and valence/arousal. "
        "The SavedModel's serving_default signature takes 'image' uint8 [batch, H, W, 3] "
        "(temporal window models: 'pixels' [batch, s, H, W, 3] and 'mask' [batch, s]). Before "
        "the folder appears, the artifact is run against the Keras model (tolerance 1e-5 "
        "SavedModel, 1e-4 ONNX and LiteRT); the folder is written atomically.",
    )
    parser.add_argument("model", metavar="MODEL", help="RUN_DIR, .keras file or preset name")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    parser.add_argument(
        "--format", choices=FORMATS, default="tf_saved_model", help="default: tf_saved_model"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace DIR if it exists (once the new one is checked)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from affectkeras.export import METADATA_FILE, export_model

    out = export_model(args.model, args.out, format=args.format, overwrite=args.force)
    metadata = json.loads((out / METADATA_FILE).read_text())
    inputs = ", ".join(
        f"{name} {spec['dtype']} {spec['shape']}" for name, spec in metadata["inputs"].items()
    )
    outputs = ", ".join(
        f"{name} [batch, {', '.join(map(str, spec['shape'][1:]))}]"
        for name, spec in metadata["outputs"].items()
    )
    check = metadata["check"]
    worst = max(check["max_abs_difference"].values())
    print(f"wrote {args.format} to {out}")
    print(f"  inputs:  {inputs}")
    print(f"  outputs: {outputs} (float32)")
    print(
        f"  checked against the Keras model: largest difference {worst:.2g} "
        f"(tolerance {check['tolerance']:g})"
    )
    if args.format == "tf_saved_model":
        print(f"  inspect: saved_model_cli show --dir {out} --all")
    return 0
