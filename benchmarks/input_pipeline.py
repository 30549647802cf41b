"""How many 112x112 JPEG face crops per second the input pipelines deliver (not a test).

Makes its own files in a temporary folder (2,048 textured 112x112 JPEGs at quality 90, about
the size of Aff-Wild2's cropped_aligned frames), no arguments, a few minutes on 2 cores. For
each pipeline, with and without augmentation, it times full epochs of batches of 64 after one
warm-up epoch and prints one JSON line, e.g.
``{"pipeline": "tf.data", "augment": "flip+translate", "images": 4096, "seconds": 1.9,
"img_per_s": 2150.0, "cores": 2, "img_per_s_per_core": 1075.0, "img_per_cpu_s": 1010.0,
"load_before": 1.2}``.

- ``tf.data``: ``affectkeras.data.feeding.tf_data.make_dataset`` (TensorFlow decode, parallel map).
- ``pydataset-decode``: ``FeedDataset`` decoding with OpenCV threads per batch (no TF).
- ``in-memory-load``: ``load_images``, decoding every image once into RAM (no TF).
- ``in-memory``: ``FeedDataset`` serving batches from that RAM store (no decoding).

Augmentations: ``none``; ``flip+translate`` (the default ``Augment()``: flip and pad-and-crop,
pure slicing); ``flip+translate+rotate10`` (plus a +-10 degree rotation: RandomRotation layer
per batch in tf.data, cv2.warpAffine per image in the no-TF path).

``cores`` is the CPU cores this process may use; ``img_per_s_per_core`` is the wall-clock rate
divided by them; ``img_per_cpu_s`` divides by the CPU time the process really used (all its
threads), which stays meaningful when other processes share the cores; ``load_before`` is the
1-minute load average when the measurement started. Run:
``python benchmarks/input_pipeline.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from affectkeras.data.feeding.augment import Augment
from affectkeras.data.feeding.feed import make_feed
from affectkeras.data.feeding.in_memory import default_workers, load_images
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.table import make_table
from affectkeras.output_spec import OutputSpec

IMAGES, SIDE, BATCH, EPOCHS = 2048, 112, 64, 2
AUGMENTS = {
    "none": None,
    "flip+translate": Augment(),
    "flip+translate+rotate10": Augment(rotation=10.0),
}


def write_images(folder: Path, rng: np.random.Generator) -> list[str]:
    """Smooth face-like blobs plus noise, so JPEG has realistic work to do."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    paths = []
    for i in range(IMAGES):
        cx, cy = rng.uniform(0.3, 0.7, 2)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) * rng.uniform(4, 12))
        image = blob[..., None] * rng.uniform(80, 255, 3) + rng.normal(0, 12, (SIDE, SIDE, 3))
        path = folder / f"{i:05d}.jpg"
        pixels = np.clip(image, 0, 255).astype(np.uint8)
        cv2.imwrite(str(path), pixels, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(str(path))
    return paths


def report(
    pipeline: str, augment: str, images: int, seconds: float, load: float, cpu_seconds: float
) -> None:
    cores = default_workers()
    rate = images / seconds
    print(
        json.dumps(
            {
                "pipeline": pipeline,
                "augment": augment,
                "images": images,
                "seconds": round(seconds, 3),
                "img_per_s": round(rate, 1),
                "cores": cores,
                "img_per_s_per_core": round(rate / cores, 1),
                "img_per_cpu_s": round(images / cpu_seconds, 1),
                "load_before": round(load, 2),
            }
        ),
        flush=True,
    )


def time_epochs(epoch_batches) -> tuple[int, float, float]:
    """One warm-up epoch, then EPOCHS timed ones: (images, wall seconds, CPU seconds)."""
    for _ in epoch_batches(0):
        pass
    start, cpu, images = time.perf_counter(), time.process_time(), 0
    for epoch in range(1, EPOCHS + 1):
        for x, _, _ in epoch_batches(epoch):
            images += len(x)
    return images, time.perf_counter() - start, time.process_time() - cpu


def bench_tf(feed, name: str, augment: Augment | None) -> None:
    from affectkeras.data.feeding.tf_data import make_dataset

    dataset = make_dataset(feed, batch_size=BATCH, augment=augment)  # built once, as in fit

    def batches(epoch):
        return dataset  # each pass over it is the next epoch

    load = os.getloadavg()[0]
    images, seconds, cpu = time_epochs(batches)
    report("tf.data", name, images, seconds, load, cpu)


def bench_pydataset(feed, name: str, augment: Augment | None, store) -> None:
    data = FeedDataset(feed, batch_size=BATCH, store=store, augment=augment)

    def batches(epoch):
        data.epoch = epoch
        data._order = data._epoch_order(epoch)
        return (data[i] for i in range(len(data)))

    load = os.getloadavg()[0]
    images, seconds, cpu = time_epochs(batches)
    kind = "in-memory" if store is not None else "pydataset-decode"
    report(kind, name, images, seconds, load, cpu)


def main() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="affectkeras-bench-") as folder:
        paths = write_images(Path(folder), rng)
        table = make_table(
            {"path": paths, "split": "train", "expression": rng.integers(0, 7, IMAGES)}, "bench"
        )
        feed = make_feed(table, OutputSpec.create("expr,au,va", num_classes=7), SIDE, seed=0)
        try:
            import tensorflow  # noqa: F401
        except ImportError:
            print(json.dumps({"pipeline": "tf.data", "skipped": "TensorFlow is not installed"}))
        else:
            for name, augment in AUGMENTS.items():
                bench_tf(feed, name, augment)
        for name, augment in AUGMENTS.items():
            bench_pydataset(feed, name, augment, None)
        load = os.getloadavg()[0]
        start, cpu = time.perf_counter(), time.process_time()
        store = load_images(feed)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        report("in-memory-load", "none", IMAGES, seconds, load, cpu)
        for name, augment in AUGMENTS.items():
            bench_pydataset(feed, name, augment, store)


if __name__ == "__main__":
    main()
