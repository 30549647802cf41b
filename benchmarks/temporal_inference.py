"""evaluate and predict with window predictors: pixel windows against the frame CNN once per frame.

Run: ``nice -n 10 python benchmarks/temporal_inference.py [--frames N] [--out F.json]``; prints
JSON. Two untrained window predictors at 112 px (speed does not depend on the weights), built
as the recipes build them: seed 004-like (``resnet50`` frame model + STAT + BiLSTM of 1024
units, variant 6, s = 16, ``last`` read-out) and seed 002-like (``resnet50`` CNN + BiGRU of
128 units, s = 32, ``sequence`` read-out). Each is timed ``direct`` (pixel windows through the
whole model: the frame CNN on every step of every window) and ``cached`` (the frame CNN once
per frame, ``models.temporal.split_window_model``) on:

- ``evaluate``: ``evaluate_table`` on two synthetic Aff-Wild2 videos of N / 2 frames each
  (112 px images);
- ``predict``: ``FacePredictor`` on a synthetic video of N frames with one face (YuNet
  detection, alignment, tracking, the model; ``model_s`` is the model stage alone).

Each is run twice and the second run is reported (the first traces the models). TensorFlow and
OpenCV use 2 threads. The machine may be shared: the load average is printed with the figures,
and figures from a loaded machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from predict_speed import THREADS, limit_threads, write_results  # a sibling script (benchmarks/)

SIZE = 112


def seed_four_model(window: int = 16):
    import keras

    from affectkeras.models import (
        build_stat_lstm_model,
        build_task_model,
        build_window_model,
        get_backbone,
    )
    from affectkeras.output_spec import OutputSpec

    keras.utils.set_random_seed(0)
    backbone = get_backbone("resnet50", input_shape=(SIZE, SIZE, 3))
    frame = build_task_model(backbone, OutputSpec.create("expr", 7), return_features=True)
    temporal = build_stat_lstm_model(2048, window=window, variant=6)
    model = build_window_model(frame, temporal)
    outputs = {k: keras.layers.Identity(name=k)(v) for k, v in model.output.items()}
    return keras.Model(model.input, outputs, name="seed004_like")


def seed_two_model(steps: int = 32):
    import keras

    from affectkeras.models import build_bigru_model, build_task_model, get_backbone
    from affectkeras.models.temporal import FoldTime, UnfoldTime
    from affectkeras.output_spec import OutputSpec

    keras.utils.set_random_seed(0)
    spec = OutputSpec.create("expr,va", 7)
    backbone = get_backbone("resnet50", input_shape=(SIZE, SIZE, 3))
    cnn = build_task_model(backbone, spec, va_bins=20, return_features=True, name="cnn")
    pixels = keras.Input((steps, SIZE, SIZE, 3), name="pixels")
    mask = keras.Input((steps,), dtype="bool", name="mask")
    features = UnfoldTime(steps)(cnn(FoldTime()(pixels))["features"])
    per_frame = build_bigru_model(2048, spec, sequence_length=steps)(
        {"features": features, "mask": mask}
    )
    outputs = {k: keras.layers.Identity(name=k)(v) for k, v in per_frame.items()}
    return keras.Model({"pixels": pixels, "mask": mask}, outputs, name="seed002_like")


def twice(run):
    """The second of two runs of ``run()`` (the first traces), with the first's seconds."""
    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start, first


def time_evaluate(model, table, cached: bool, batch_size: int) -> dict:
    from affectkeras.evaluation.evaluate import evaluate_table

    def run():
        return evaluate_table(model, table, batch_size=batch_size, cache_frames=cached)

    scores, seconds, first = twice(run)
    return {
        "seconds": round(seconds, 2),
        "frames_per_s": round(len(table) / seconds, 2),
        "first_run_seconds": round(first, 2),
        "scores": {k: round(v, 6) for k, v in scores.items() if isinstance(v, float)},
    }


def time_predict(model, frames, cached: bool, batch_size: int) -> dict:
    import numpy as np

    from affectkeras.inference.predict import FacePredictor, rows_to_table

    def run():
        runner = FacePredictor(model, batch_size=batch_size)
        if not cached:
            runner.features = None
        return rows_to_table(runner.predict(frames)), runner.timings

    (table, timings), seconds, first = twice(run)
    numbers = table.select_dtypes("number").drop(columns=["frame", "face"], errors="ignore")
    return {
        "seconds": round(seconds, 2),
        "frames_per_s": round(len(frames) / seconds, 2),
        "model_s": round(timings.seconds["model"], 2),
        "faces": timings.faces,
        "first_run_seconds": round(first, 2),
        "values": np.nan_to_num(numbers.to_numpy(float)),
    }


def compare(direct: dict, cached: dict, key: str) -> dict:
    out = {"direct": direct, "cached": cached, "speed_up": round(direct[key] / cached[key], 2)}
    if "values" in direct:
        difference = abs(direct.pop("values") - cached.pop("values")).max()
        out["max_abs_difference"] = float(f"{difference:.2g}")
    else:
        pairs = [(direct["scores"][k], cached["scores"][k]) for k in direct["scores"]]
        out["max_score_difference"] = float(f"{max(abs(a - b) for a, b in pairs):.2g}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16, help="windows per model call")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    load_before = [round(v, 2) for v in os.getloadavg()]
    limit_threads()
    import keras

    from affectkeras.data.reading.read import read_datasets
    from affectkeras.data.synthetic import composite, make_video
    from affectkeras.data.synthetic.writer import write_affwild2
    from affectkeras.inference.video import Frame

    tmp = tempfile.TemporaryDirectory()  # evaluate decodes the images from here
    tree = Path(tmp.name) / "affwild2"
    half = args.frames // 2  # the writer wants a video per split
    write_affwild2(tree, videos=2, frames=half, size=SIZE, progress=False)
    table = read_datasets([f"affwild2:{tree}"])
    images, _ = composite.composite_video(make_video(seed=0, index=0, frames=args.frames))
    frames = [Frame("clip", i + 1, image) for i, image in enumerate(images)]
    results = {
        "setup": {
            "frames": args.frames,
            "evaluate": f"{len(table)} table rows of two synthetic Aff-Wild2 videos, 112 px",
            "predict": "480x360 frames, one synthetic face, detection + alignment + model",
            "windows_per_call": args.batch_size,
            "threads": THREADS,
            "backend": keras.backend.backend(),
            "cpu_count": os.cpu_count(),
            "machine": platform.processor() or platform.machine(),
            "load_average_before": load_before,
        }
    }
    for name, build in (
        ("seed004_s16_last", seed_four_model),
        ("seed002_s32_sequence", seed_two_model),
    ):
        model = build()
        evaluate = {
            mode: time_evaluate(model, table, mode == "cached", args.batch_size)
            for mode in ("direct", "cached")
        }
        predict = {
            mode: time_predict(model, frames, mode == "cached", args.batch_size)
            for mode in ("direct", "cached")
        }
        results[name] = {
            "evaluate": compare(evaluate["direct"], evaluate["cached"], "seconds"),
            "predict": compare(predict["direct"], predict["cached"], "seconds"),
            "predict_model_stage_speed_up": round(
                predict["direct"]["model_s"] / predict["cached"]["model_s"], 2
            ),
        }
        print(json.dumps({name: results[name]}), file=sys.stderr, flush=True)
    tmp.cleanup()
    write_results(results, args.out)


if __name__ == "__main__":
    main()
