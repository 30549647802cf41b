"""Figures of the synthetic data: rendering speed and how often YuNet finds the faces.

Run: ``python benchmarks/synthetic_data.py [--images N] [--frames N]``; prints JSON. Rendering is
single-threaded; on a shared machine the figure depends on the load (``os.getloadavg`` is
printed with it).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from importlib import resources

import cv2
import numpy as np

from affectkeras.data.synthetic import Identity, Scene, composite, render_face, write_affwild2


def render_speed(size: int, count: int) -> float:
    rng = np.random.default_rng(0)
    people = [Identity.sample(rng) for _ in range(16)]
    scenes = [Scene.sample(rng) for _ in range(count)]
    aus = rng.uniform(0, 1, (count, 12)) * (rng.uniform(size=(count, 12)) < 0.3)
    start = time.perf_counter()
    for i in range(count):
        render_face(people[i % 16], aus[i], scenes[i], size)
    return count / (time.perf_counter() - start)


def write_speed(videos: int, frames: int, workers: int = 1) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_affwild2(
            f"{tmp}/synth", videos=videos, frames=frames, progress=False, workers=workers
        )
        return videos * frames / (time.perf_counter() - start)


def detection_rates(frames: int, thresholds=(0.5, 0.6, 0.7, 0.8, 0.9)) -> dict[str, float]:
    model = resources.files("affectkeras") / "assets" / "face_detection_yunet.onnx"
    detector = cv2.FaceDetectorYN.create(str(model), "", (480, 360), 0.1, 0.3, 20)
    rng = np.random.default_rng(1)
    best = []
    for _ in range(frames):
        frame, boxes = composite.synthetic_frame(rng, faces=1, face_size=(80, 120))
        _, found = detector.detect(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        x, y, w, h = boxes[0]
        score = 0.0
        for row in found if found is not None else []:
            cx, cy = row[0] + row[2] / 2, row[1] + row[3] / 2
            if x <= cx <= x + w and y <= cy <= y + h:
                score = max(score, float(row[-1]))
        best.append(score)
    best = np.array(best)
    return {f"score>={t}": float((best >= t).mean()) for t in thresholds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    figures = {
        "load_average_before": os.getloadavg()[0],
        "render_images_per_s_112px": render_speed(112, args.images),
        "render_images_per_s_48px": render_speed(48, args.images),
        "write_affwild2_frames_per_s_112px_jpeg": write_speed(4, args.images // 4),
        "write_affwild2_frames_per_s_112px_jpeg_2_workers": write_speed(4, args.images // 4, 2),
        "yunet_found_at_80_120px": detection_rates(args.frames),
        "load_average_after": os.getloadavg()[0],
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
