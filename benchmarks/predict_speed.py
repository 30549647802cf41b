"""``predict`` speed on a 640x480 video: frames/s on 2 CPU cores, where the time goes, and what
detecting on every k-th frame (or on a smaller frame) costs in agreement.

Run: ``nice -n 10 python benchmarks/predict_speed.py [--frames N] [--every 1,5]
[--detect-sizes 640,320] [--models tiny,preset,resnet50] [--out F.json]``; prints JSON (about
3 minutes on 2 cores).

A synthetic video (``affectkeras.data.synthetic``: one face, ~160 px, drifting through a
cluttered 640x480 frame, MJPG) is predicted end to end (decode, YuNet detection, following
between detections, the model's framing cut, model) by three models: the ``tiny`` and
``resnet50`` backbones at 112 px with three task heads (untrained: speed does not depend on the
weights) and the default preset (``mini_xception_fer_ck``: 48 px grey, ``fer2013`` box framing,
test-time flip), in batches of 32, for each ``detect_every`` and each detection size
(YuNet's ``max_side``; 640, the default, leaves a 640x480 frame as it is). Per run: frames/s,
milliseconds per frame per stage (``Timings``; ``other`` is the rest of the wall time: Python,
rows, the table) and detector calls; per model, plain Keras' ``predict_on_batch`` time per face
on batches of 32 (the floor no pipeline gets under). Against the default run (``detect_every``
1 at the first size): mean absolute difference of the expression probabilities, the fraction
of frames whose most probable expression agrees, box IoU (mean and 5th percentile), and frames
whose face only one run found; for scale, the same figures between consecutive frames of the
default run. Also YuNet alone at several detection sizes. TensorFlow and OpenCV are limited to
2 threads. The machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

THREADS = 2
FRAME_SIZE = (640, 480)
FACE_SIZE = 160


def write_results(results: dict, out: str | None) -> None:
    """Adds the load average to ``results["setup"]``, prints the JSON, writes it to ``out``."""
    results["setup"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    text = json.dumps(results, indent=2)
    print(text)
    if out:
        Path(out).write_text(text + "\n")


def limit_threads() -> None:
    import cv2
    import keras

    cv2.setNumThreads(THREADS)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(THREADS)


def make_video(folder: Path, frames: int) -> Path:
    from affectkeras.data.synthetic import composite, make_video
    from affectkeras.inference.video import write_video

    width, height = FRAME_SIZE
    images, _ = composite.composite_video(
        make_video(seed=0, index=0, frames=frames), height, width, FACE_SIZE
    )
    return write_video(folder / "bench.avi", images, fps=25.0)


def predictor(name: str):
    import keras

    if name == "preset":
        from affectkeras.presets import DEFAULT_PRESET, load_preset

        return DEFAULT_PRESET, load_preset()
    from affectkeras.models import build_task_model, get_backbone
    from affectkeras.output_spec import OutputSpec

    keras.utils.set_random_seed(0)
    spec = OutputSpec.create("expr,au,va", 8)
    return f"{name}@112", build_task_model(get_backbone(name, input_shape=(112, 112, 3)), spec)


def model_only(model, repeats: int = 4) -> float:
    """Milliseconds per face of plain ``predict_on_batch`` on batches of 32."""
    shape = model.inputs[0].shape[1:]
    batch = np.random.default_rng(0).integers(0, 256, (32, *shape)).astype(np.uint8)
    model.predict_on_batch(batch)
    start = time.perf_counter()
    for _ in range(repeats):
        model.predict_on_batch(batch)
    return 1000 * (time.perf_counter() - start) / (32 * repeats)


def timed_run(model, video: Path, every: int, side: int):
    from affectkeras.inference import FaceDetector, predict

    detector = FaceDetector(max_side=side)
    start = time.perf_counter()
    table = predict(model, video, batch_size=32, detector=detector, detect_every=every)
    wall = time.perf_counter() - start
    timings = table.attrs["timings"]
    frames = timings["frames"]
    stages = {k: round(1000 * v / frames, 2) for k, v in timings["seconds"].items()}
    other = wall - sum(timings["seconds"].values())
    figures = {
        "frames_per_s": round(frames / wall, 2),
        "wall_s": round(wall, 2),
        "frames": frames,
        "faces": timings["faces"],
        "no_face_frames": table.attrs["no_face_frames"],
        "detections": timings["detections"],
        "early_detections": timings["early_detections"],
        "ms_per_frame": {**stages, "other": round(1000 * other / frames, 2)},
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }
    return figures, table


def agreement(every_frame, followed) -> dict:
    """How far ``followed`` (detect_every > 1) is from ``every_frame`` (detect_every = 1)."""
    from affectkeras import labels
    from affectkeras.inference.tracks import box_iou

    boxes = ["box_x", "box_y", "box_w", "box_h"]
    first = every_frame[every_frame["face"] == 0].set_index("frame")
    second = followed[followed["face"] == 0].set_index("frame")
    both = first.index.intersection(second.index)
    names = [f"p_{name}" for name in labels.expression_names(8)]
    names = [n for n in names if first[n].notna().any()]
    p, q = first.loc[both, names].to_numpy(float), second.loc[both, names].to_numpy(float)
    a, b = first.loc[both, boxes].to_numpy(float), second.loc[both, boxes].to_numpy(float)
    overlap = np.array([box_iou(x, y)[0, 0] for x, y in zip(a, b, strict=True)])
    return {
        "frames_compared": len(both),
        "face_in_one_only": len(first.index.symmetric_difference(second.index)),
        "expression_mean_abs_diff": round(float(np.abs(p - q).mean()), 4),
        "expression_argmax_agrees": round(float((p.argmax(1) == q.argmax(1)).mean()), 4),
        "box_iou_mean": round(float(overlap.mean()), 3),
        "box_iou_p5": round(float(np.percentile(overlap, 5)), 3),
    }


def benchmark_model(name: str, video: Path, every: list[int], sides: list[int]) -> dict:
    """Runs of one model for each detect_every and detection size; agreement with the
    default (detect_every=1 at the first size)."""
    label, model = predictor(name)
    from affectkeras.inference import predict

    predict(model, video, batch_size=32)  # warm-up: traces the model for both batch sizes
    out = {"model": label, "model_only_ms_per_face": round(model_only(model), 2)}
    runs, tables = {}, {}
    for side in sides:
        for k in every:
            key = f"detect_every={k},detect_size={side}"
            runs[key], tables[key] = timed_run(model, video, k, side)
    out["runs"] = runs
    default = f"detect_every=1,detect_size={sides[0]}"
    out[f"agreement_with_{default}"] = {
        key: agreement(tables[default], table) for key, table in tables.items() if key != default
    }
    out["default_run_against_itself_one_frame_later"] = one_frame_later(tables[default])
    return out


def one_frame_later(table) -> dict:
    """The default run against itself shifted by one frame: how much the model's outputs move
    from frame to frame anyway (the scale for the agreement figures)."""
    shifted = table.copy()
    shifted["frame"] = shifted["frame"] + 1
    figures = agreement(table, shifted)
    return {k: figures[k] for k in ("expression_mean_abs_diff", "expression_argmax_agrees")}


def detection_only(video: Path, sides=(640, 480, 320), count: int = 40) -> dict:
    from affectkeras.inference.detect import FaceDetector
    from affectkeras.inference.video import open_source

    frames = [
        frame.image for frame, _ in zip(open_source(video).frames(), range(count), strict=False)
    ]
    out = {}
    for side in sides:
        detector = FaceDetector(max_side=side)
        detector.detect(frames[0])
        start = time.perf_counter()
        found = sum(len(detector.detect(f)) > 0 for f in frames)
        seconds = time.perf_counter() - start
        out[f"max_side_{side}"] = {
            "ms_per_frame": round(1000 * seconds / len(frames), 2),
            "frames_with_a_face": f"{found}/{len(frames)}",
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--every", default="1,5", help="detect_every values (1 is always run)")
    parser.add_argument("--models", default="tiny,preset,resnet50")
    parser.add_argument(
        "--detect-sizes",
        default="640,320",
        help="detection sizes (max_side); the first is the "
        "reference the agreement is measured against",
    )
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    every = sorted({1, *(int(k) for k in args.every.split(","))})
    sides = [int(side) for side in args.detect_sizes.split(",")]
    load_before = [round(v, 2) for v in os.getloadavg()]
    limit_threads()
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        video = make_video(Path(tmp), args.frames)
        results = {
            "setup": {
                "video": f"{args.frames} frames, {FRAME_SIZE[0]}x{FRAME_SIZE[1]}, one synthetic "
                f"face (~{FACE_SIZE} px), MJPG",
                "models": "tiny@112 / resnet50@112: expression (8) + 12 AUs + VA, untrained; "
                "preset: mini_xception_fer_ck (48 px grey, fer2013 framing, flip average)",
                "batch_size": 32,
                "threads": THREADS,
                "backend": keras.backend.backend(),
                "cpu_count": os.cpu_count(),
                "machine": platform.processor() or platform.machine(),
                "load_average_before": load_before,
            },
            "predict": [
                benchmark_model(name, video, every, sides) for name in args.models.split(",")
            ],
            "detection_only": detection_only(video),
        }
    write_results(results, args.out)


if __name__ == "__main__":
    main()
