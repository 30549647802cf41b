"""A short test video: labelled synthetic faces composited at moving positions into large frames.

Faces come from ``make_stills("expression", ...)`` (7 basic expressions, balanced), so a model
trained on ``affectkeras synth --stills expression`` images has seen their kind of face. Every
``hold`` frames the faces change; face A drifts left to right; face B joins in the middle third
of the video on the right; a few frames hold no face at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from affectkeras.data.synthetic import composite, make_stills


@dataclass
class FaceVideo:
    """Frames and, per frame, the pasted faces' boxes [(x, y, w, h)] and expression labels."""

    frames: np.ndarray
    boxes: list[list[tuple[int, int, int, int]]]
    expressions: list[list[int]]
    fps: float = 10.0


def face_video(
    frames: int = 36,
    height: int = 240,
    width: int = 360,
    face_size: int = 96,
    hold: int = 3,
    seed: int = 5,
    empty: tuple[int, ...] = (0, 17),
) -> FaceVideo:
    """Builds the video in memory (frame indices 0-based; ``empty`` frames have no face)."""
    rng = np.random.default_rng(seed)
    images, table = make_stills("expression", 2 * frames, seed=seed, size=112)
    labels = table["expression"].to_numpy()
    background = composite.cluttered_background(rng, height, width)
    out = np.empty((frames, height, width, 3), np.uint8)
    boxes, expressions = [], []
    for t in range(frames):
        frame, frame_boxes, frame_labels = background, [], []
        if t not in empty:
            step = t // hold
            x = int(8 + (width // 2 - face_size - 16) * t / max(frames - 1, 1))
            y = int(20 + 10 * np.sin(t / 4))
            placed = [(2 * step, x, y)]
            if frames // 3 <= t < 2 * frames // 3:
                placed.append((2 * step + 1, width - face_size - 12, height - face_size - 10))
            for index, fx, fy in placed:
                frame = composite.composite_face(frame, images[index], fx, fy, face_size)
                frame_boxes.append((fx, fy, face_size, face_size))
                frame_labels.append(int(labels[index]))
        out[t] = frame
        boxes.append(frame_boxes)
        expressions.append(frame_labels)
    return FaceVideo(out, boxes, expressions)
