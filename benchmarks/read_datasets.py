"""How fast affectkeras.data.read turns dataset files into a sample table (not a test).

Makes its own files in a temporary folder, no arguments, a minute or two on 2 cores:

- an Aff-Wild2 uni-task tree: 60 videos x 3,000 frames, every video annotated for EXPR, AU and VA
  (540k annotation lines, 180k empty crop files: the reader checks existence, it never decodes);
- a FER2013 Kaggle CSV of 35,887 random 48x48 rows (the real file's size): first read decodes it
  into the PNG cache, the second read reuses the cache.

Prints one JSON line per measurement, e.g.
``{"reader": "affwild2", "frames": 180000, "lines": 540000, "seconds": 3.1, "lines_per_s": ...}``.
Run: ``python benchmarks/read_datasets.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import affectkeras

VIDEOS, FRAMES, FER_ROWS = 60, 3000, 35887
AU_HEADER = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26"
EXPR_HEADER = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"


def write_affwild2(root: Path, rng: np.random.Generator) -> None:
    sets = {
        "EXPR_Classification_Challenge": EXPR_HEADER,
        "AU_Detection_Challenge": AU_HEADER,
        "VA_Estimation_Challenge": "valence,arousal",
    }
    for folder in sets:
        (root / "annotations" / folder / "Train_Set").mkdir(parents=True)
    for v in range(VIDEOS):
        video = f"{v:03d}-30-1280x720"
        expr = rng.integers(-1, 8, FRAMES)
        aus = rng.integers(0, 2, (FRAMES, 12))
        va = np.round(rng.uniform(-1, 1, (FRAMES, 2)), 3)
        bodies = {
            "EXPR_Classification_Challenge": "\n".join(map(str, expr)),
            "AU_Detection_Challenge": "\n".join(",".join(map(str, row)) for row in aus),
            "VA_Estimation_Challenge": "\n".join(f"{a},{b}" for a, b in va),
        }
        for folder, header in sets.items():
            path = root / "annotations" / folder / "Train_Set" / f"{video}.txt"
            path.write_text(header + "\n" + bodies[folder] + "\n")
        crops = root / "cropped_aligned" / video
        crops.mkdir(parents=True)
        for frame in range(1, FRAMES + 1):
            if frame % 50:  # every 50th frame has no crop, as when no face was detected
                open(crops / f"{frame:05d}.jpg", "wb").close()


def write_fer_csv(path: Path, rng: np.random.Generator) -> None:
    usages = rng.choice(["Training", "PublicTest", "PrivateTest"], FER_ROWS, p=[0.8, 0.1, 0.1])
    with open(path, "w") as handle:
        handle.write("emotion,pixels,Usage\n")
        for code, usage in zip(rng.integers(0, 7, FER_ROWS), usages, strict=True):
            pixels = " ".join(map(str, rng.integers(0, 256, 48 * 48)))
            handle.write(f"{code},{pixels},{usage}\n")


def timed(spec: str):
    start = time.perf_counter()
    table = affectkeras.data.read(spec)
    return table, time.perf_counter() - start


def main() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_affwild2(root / "aw2", rng)
        table, seconds = timed(f"affwild2:{root / 'aw2'}")
        lines = 3 * VIDEOS * FRAMES
        print(
            json.dumps(
                {
                    "reader": "affwild2",
                    "frames": len(table),
                    "lines": lines,
                    "skipped": table.attrs["skipped"],
                    "seconds": round(seconds, 2),
                    "lines_per_s": round(lines / seconds),
                }
            ),
            flush=True,
        )

        write_fer_csv(root / "fer2013.csv", rng)
        os.environ["AFFECTKERAS_CACHE"] = str(root / "cache")
        for run in ("decode", "cached"):
            table, seconds = timed(f"fer2013:{root / 'fer2013.csv'}")
            print(
                json.dumps(
                    {
                        "reader": "fer2013-csv",
                        "run": run,
                        "rows": len(table),
                        "seconds": round(seconds, 2),
                        "rows_per_s": round(len(table) / seconds),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
