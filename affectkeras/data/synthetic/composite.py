"""Synthetic faces pasted into larger, cluttered frames (for face detection, predict and demos).

The crops the generator draws are aligned faces; ``predict`` and the demo start from whole frames
in which a detector (YuNet) must find the face first. These helpers build such frames.

Example:
    >>> import numpy as np
    >>> from affectkeras.data.synthetic import composite, make_video
    >>> frame, boxes = composite.synthetic_frame(np.random.default_rng(0), faces=2)
    >>> frame.shape, boxes.shape
    ((360, 480, 3), (2, 4))
    >>> frames, boxes = composite.composite_video(make_video(seed=0, index=0, frames=3))
    >>> frames.shape, boxes.shape
    ((3, 360, 480, 3), (3, 4))
"""

from __future__ import annotations

import cv2
import numpy as np

from affectkeras.data.synthetic.faces import Identity, Scene, render_face
from affectkeras.data.synthetic.videos import SyntheticVideo


def cluttered_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """uint8 RGB [height, width, 3]: a two-colour gradient with a few rectangles and discs."""
    top, bottom = rng.uniform(30, 230, 3), rng.uniform(30, 230, 3)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    image = np.broadcast_to(top + (bottom - top) * ramp, (height, width, 3)).astype(np.uint8)
    image = np.ascontiguousarray(image)
    for _ in range(int(rng.integers(3, 8))):
        colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        if rng.uniform() < 0.5:
            w, h = int(rng.integers(20, width // 2)), int(rng.integers(20, height // 2))
            cv2.rectangle(image, (x, y), (x + w, y + h), colour, -1)
        else:
            cv2.circle(image, (x, y), int(rng.integers(10, height // 4)), colour, -1, cv2.LINE_AA)
    return image


def composite_face(frame: np.ndarray, face: np.ndarray, x: int, y: int, size: int) -> np.ndarray:
    """Returns a copy of ``frame`` with ``face`` resized to ``size`` px pasted at (x, y).

    Args:
        frame: uint8 RGB [H, W, 3]. face: uint8 RGB [h, w, 3] (a synthetic crop).
        x, y: top-left corner of the pasted square; it must lie inside the frame.
        size: side of the pasted square in pixels.

    Raises:
        ValueError: when the square does not fit inside the frame.
    """
    height, width = frame.shape[:2]
    if x < 0 or y < 0 or x + size > width or y + size > height or size < 1:
        raise ValueError(f"a {size}px face at ({x}, {y}) does not fit in a {width}x{height} frame")
    out = frame.copy()
    interpolation = cv2.INTER_AREA if size < face.shape[0] else cv2.INTER_LINEAR
    out[y : y + size, x : x + size] = cv2.resize(face, (size, size), interpolation=interpolation)
    return out


def synthetic_frame(
    rng: np.random.Generator,
    height: int = 360,
    width: int = 480,
    faces: int = 1,
    face_size: tuple[int, int] = (80, 120),
    intensities: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A cluttered frame holding ``faces`` non-overlapping random faces.

    Args:
        rng: random generator (the frame is a function of its state).
        height, width: frame size. faces: number of faces (they must fit side by side).
        face_size: (min, max) side of each pasted face crop, pixels (inclusive).
        intensities: float [faces, 12] AU intensities (default: random sparse AUs).

    Returns:
        ``(frame, boxes)``: uint8 RGB [height, width, 3] and int64 [faces, 4] boxes
        ``(x, y, w, h)`` of the pasted crops, left to right.
    """
    lo, hi = face_size
    if faces * hi > width or hi > height:
        raise ValueError(f"{faces} faces of up to {hi}px do not fit in a {width}x{height} frame")
    frame = cluttered_background(rng, height, width)
    slot = width // max(faces, 1)
    boxes = np.zeros((faces, 4), np.int64)
    for i in range(faces):
        size = int(rng.integers(lo, hi + 1))
        x = i * slot + int(rng.integers(0, slot - size + 1))
        y = int(rng.integers(0, height - size + 1))
        if intensities is None:
            au = rng.uniform(0, 1, 12) * (rng.uniform(0, 1, 12) < 0.3)
        else:
            au = intensities[i]
        face = render_face(Identity.sample(rng), au, Scene.sample(rng))
        frame = composite_face(frame, face, x, y, size)
        boxes[i] = (x, y, size, size)
    return frame, boxes


def composite_video(
    video: SyntheticVideo,
    height: int = 360,
    width: int = 480,
    face_size: int = 100,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The frames of ``video`` pasted into one cluttered background, drifting slowly.

    Returns:
        ``(frames, boxes)``: uint8 RGB [T, height, width, 3] and int64 [T, 4] ``(x, y, w, h)``.
    """
    if face_size > min(height, width):
        raise ValueError(f"a {face_size}px face does not fit in a {width}x{height} frame")
    rng = np.random.default_rng([seed, 11])
    background = cluttered_background(rng, height, width)
    t = np.arange(video.frames)
    free_x, free_y = width - face_size, height - face_size
    xs = (free_x / 2 + free_x * 0.3 * np.sin(t / 40.0 + rng.uniform(0, 6))).astype(int)
    ys = (free_y / 2 + free_y * 0.2 * np.sin(t / 55.0 + rng.uniform(0, 6))).astype(int)
    frames = np.empty((video.frames, height, width, 3), np.uint8)
    boxes = np.stack([xs, ys, np.full_like(xs, face_size), np.full_like(xs, face_size)], axis=1)
    for i in range(video.frames):
        frames[i] = composite_face(background, video.render(i), xs[i], ys[i], face_size)
    return frames, boxes.astype(np.int64)
