"""``predict`` speed on a video: frames/s on 2 CPU cores and where the time goes.

Run: ``nice -n 10 python benchmarks/predict_speed.py [--frames N] [--repeats R] [--out F.json]``;
prints JSON. A synthetic video (one face drifting through a cluttered 480x360 frame, MJPG) is
predicted end to end (decode, YuNet detection, 5-point alignment, model) with the ``tiny`` and
``resnet50`` backbones at 112 px, three task heads, batches of 32. The models are untrained:
speed does not depend on the weights. TensorFlow and OpenCV are limited to 2 threads. Also
times detection alone on 1280x720 frames at full and at reduced resolution (``max_side`` 640).
The machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

THREADS = 2


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

    images, _ = composite.composite_video(make_video(seed=0, index=0, frames=frames))
    return write_video(folder / "bench.avi", images, fps=25.0)


def predictor(backbone: str):
    import keras

    from affectkeras.models import build_task_model, get_backbone
    from affectkeras.output_spec import OutputSpec

    keras.utils.set_random_seed(0)
    spec = OutputSpec.create("expr,au,va", 8)
    return build_task_model(get_backbone(backbone, input_shape=(112, 112, 3)), spec)


def time_predict(model, video: Path, repeats: int) -> dict:
    from affectkeras.inference import predict

    predict(model, video, batch_size=32)  # warm-up: traces the model for both batch sizes
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        table = predict(model, video, batch_size=32)
        wall = time.perf_counter() - start
        timings = table.attrs["timings"]
        frames = timings["frames"]
        stages = {k: round(1000 * v / frames, 3) for k, v in timings["seconds"].items()}
        other = wall - sum(timings["seconds"].values())
        runs.append(
            {
                "frames_per_s": round(frames / wall, 2),
                "wall_s": round(wall, 3),
                "frames": frames,
                "faces": timings["faces"],
                "no_face_frames": table.attrs["no_face_frames"],
                "ms_per_frame": {**stages, "other": round(1000 * other / frames, 3)},
                "load_average_after": [round(v, 2) for v in os.getloadavg()],
            }
        )
    return {"runs": runs, "best_frames_per_s": max(r["frames_per_s"] for r in runs)}


def detection_only(video: Path, count: int = 60) -> dict:
    import cv2

    from affectkeras.inference.detect import FaceDetector
    from affectkeras.inference.video import open_source

    frames = []
    for frame in open_source(video).frames():
        frames.append(cv2.resize(frame.image, (1280, 720), interpolation=cv2.INTER_LINEAR))
        if len(frames) == count:
            break
    out = {}
    for label, max_side in (("1280x720_full", None), ("1280x720_max_side_640", 640)):
        detector = FaceDetector(max_side=max_side)
        detector.detect(frames[0])
        start = time.perf_counter()
        found = sum(len(detector.detect(f)) > 0 for f in frames)
        seconds = time.perf_counter() - start
        out[label] = {
            "ms_per_frame": round(1000 * seconds / len(frames), 2),
            "frames_with_a_face": f"{found}/{len(frames)}",
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--backbones", default="tiny,resnet50")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    load_before = [round(v, 2) for v in os.getloadavg()]
    limit_threads()
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        video = make_video(Path(tmp), args.frames)
        results = {
            "setup": {
                "video": f"{args.frames} frames, 480x360, one synthetic face (~100 px), MJPG",
                "model_input": "112x112, expression (8) + 12 AUs + VA heads, batch 32",
                "threads": THREADS,
                "backend": keras.backend.backend(),
                "cpu_count": os.cpu_count(),
                "machine": platform.processor() or platform.machine(),
                "load_average_before": load_before,
            },
            "predict": {
                b: time_predict(predictor(b), video, args.repeats)
                for b in args.backbones.split(",")
            },
            "detection_only": detection_only(video),
        }
    results["setup"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
