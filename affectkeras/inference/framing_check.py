"""Does ``predict`` frame faces as the model's training faces were? Crops against whole frames.

A model is scored twice on the same labelled face crops: once on the crops themselves (what
``evaluate`` and ``predict --no-detect`` see), and once on frames in which each crop is pasted,
scaled and offset, on a background, run through ``predict``'s detection and the model's
framing (``affectkeras.framing``). When the framing is right, both give about the same
expression accuracy; a framing that zooms in or out shows as a gap.

:func:`paste_faces` also serves ``benchmarks/real_faces/calibrate_framing.py``, which measures a
dataset's framing: where YuNet's box falls inside the pasted crop.

Example:
    >>> import numpy as np
    >>> crops = np.full((2, 48, 48, 3), 128, np.uint8)
    >>> frames, squares = paste_faces(crops, np.random.default_rng(0), frame_size=200)
    >>> frames.shape, squares.shape
    ((2, 200, 200, 3), (2, 4))
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from affectkeras import labels


def paste_faces(
    crops: np.ndarray,
    rng: np.random.Generator,
    frame_size: int = 320,
    scale: tuple[float, float] = (2.0, 3.5),
) -> tuple[np.ndarray, np.ndarray]:
    """Each crop scaled by a random factor and pasted at a random place of its own frame.

    The background is smooth random grey (blurred noise), so it holds no face.

    Args:
        crops: uint8 [N, h, w, 3] face crops.
        rng: the random generator (scale, place, background).
        frame_size: side of the square frames.
        scale: range of the crop's enlargement.

    Returns:
        ``(frames uint8 [N, S, S, 3], squares float [N, 4])``: where each crop went
        (x, y, w, h) in its frame.
    """
    crops = np.asarray(crops)
    if crops.ndim != 4 or crops.shape[-1] != 3:
        raise ValueError(f"crops must be uint8 [N, h, w, 3], got {crops.shape}")
    frames = np.empty((len(crops), frame_size, frame_size, 3), np.uint8)
    squares = np.empty((len(crops), 4))
    for index, crop in enumerate(crops):
        noise = rng.normal(120, 60, (frame_size // 8, frame_size // 8, 1)).clip(0, 255)
        background = cv2.resize(noise.astype(np.uint8), (frame_size, frame_size), cv2.INTER_CUBIC)
        frame = np.repeat(cv2.GaussianBlur(background, (0, 0), 3)[..., None], 3, axis=-1)
        factor = rng.uniform(*scale)
        height = min(frame_size, round(crop.shape[0] * factor))
        width = min(frame_size, round(crop.shape[1] * factor))
        big = cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC)
        y = int(rng.integers(0, frame_size - height + 1))
        x = int(rng.integers(0, frame_size - width + 1))
        frame[y : y + height, x : x + width] = big
        frames[index] = frame
        squares[index] = (x, y, width, height)
    return frames, squares


def framing_check(
    model: Any,
    crops: np.ndarray,
    expression: np.ndarray,
    seed: int = 0,
    frame_size: int = 320,
    batch_size: int = 64,
) -> dict[str, Any]:
    """Expression accuracy on the crops and on the same faces pasted into frames (module doc).

    Args:
        model: a predictor with an ``expression`` output.
        crops: uint8 [N, h, w, 3] face crops, framed as the model's training faces.
        expression: int [N] true classes in the model's expression space.
        seed: the pasting's seed.
        frame_size: the frames' side.
        batch_size: faces per model call.

    Returns:
        ``crop_accuracy``, ``frame_accuracy`` (a frame where no face is found counts as
        wrong), ``detected`` (share of frames with a face), ``frame_accuracy_detected`` and
        ``crop_accuracy_detected`` (both over the faces found: the like-for-like comparison
        of the framing) and ``n``.
    """
    from affectkeras.inference.predict import predict_frames
    from affectkeras.inference.video import Frame

    expression = np.asarray(expression, np.int64)
    crop_table = predict_frames(
        model,
        [Frame(f"{i}.png", -1, crop) for i, crop in enumerate(crops)],
        detect=False,
        batch_size=batch_size,
    )
    frames, _ = paste_faces(crops, np.random.default_rng(seed), frame_size)
    frame_table = predict_frames(
        model,
        [Frame(f"{i}.png", -1, frame) for i, frame in enumerate(frames)],
        batch_size=batch_size,
    )
    crop_predicted = _largest_face(crop_table, len(crops))
    frame_predicted = _largest_face(frame_table, len(crops))
    found = frame_predicted >= 0
    return {
        "n": len(crops),
        "crop_accuracy": float(np.mean(crop_predicted == expression)),
        "frame_accuracy": float(np.mean(frame_predicted == expression)),
        "detected": float(found.mean()),
        "frame_accuracy_detected": (
            float(np.mean(frame_predicted[found] == expression[found])) if found.any() else None
        ),
        "crop_accuracy_detected": (
            float(np.mean(crop_predicted[found] == expression[found])) if found.any() else None
        ),
    }


def _largest_face(table: Any, count: int) -> np.ndarray:
    """The predicted class of each image's largest face (the only one without detection);
    -1 where no face was found."""
    result = np.full(count, labels.MISSING_EXPRESSION, np.int64)
    faces = table[table["face"] >= 0].copy()
    faces["size"] = faces["box_w"].astype(float).fillna(np.inf)
    faces = faces.sort_values("size", ascending=False).drop_duplicates("image")
    for name, value in zip(faces["image"], faces["expression"], strict=True):
        result[int(str(name).split(".")[0])] = int(value)
    return result


def measure_framing(crops: np.ndarray, crop: str = "box", seed: int = 0) -> dict[str, Any]:
    """How a dataset's crops frame a face, in the terms of YuNet and ``affectkeras.framing``.

    The crops are pasted into frames (:func:`paste_faces`) and YuNet runs on them. For
    ``crop="box"``: ``scale`` = the crop's side / the found box's longer side, ``shift`` = the
    crop centre's offset below the box centre / the box height. For ``crop="aligned"``: the
    found landmarks, in crop pixels L, are fitted as ``c + k (T - c) + (o_x, o_y)`` (T the
    template, c the centre; least squares), giving ``scale`` = 1 / k and ``shift`` = -o_y / side:
    the ``FaceFraming(crop, scale, shift)`` that cuts a found face as these crops were.

    Returns:
        ``detected`` (share of crops YuNet found) and the quartiles of ``scale`` and ``shift``
        over the found faces (the medians are what a framing takes).
    """
    from affectkeras.inference.align import template
    from affectkeras.inference.detect import FaceDetector

    crops = np.asarray(crops)
    frames, squares = paste_faces(crops, np.random.default_rng(seed))
    detector = FaceDetector()
    side = crops.shape[1]
    reference = template(side) - side / 2.0
    scales, shifts = [], []
    for frame, (x, y, w, h) in zip(frames, squares, strict=True):
        faces = detector.detect(frame)
        if not faces:
            continue
        face = max(faces, key=lambda found: found.box[2] * found.box[3])
        if crop == "box":
            _, box_y, box_w, box_h = (float(v) for v in face.box)
            scales.append(w / max(box_w, box_h))
            shifts.append(((y + h / 2) - (box_y + box_h / 2)) / box_h)
        else:
            points = (face.landmarks - np.array([x, y])) * (side / w) - side / 2.0
            design = np.zeros((10, 3))
            design[:, 0] = reference.reshape(-1)
            design[0::2, 1] = 1.0
            design[1::2, 2] = 1.0
            (k, _, offset_y), *_ = np.linalg.lstsq(design, points.reshape(-1), rcond=None)
            scales.append(1.0 / k)
            shifts.append(-offset_y / side)
    if not scales:
        return {"faces": len(crops), "detected": 0.0, "scale": None, "shift": None}
    return {
        "faces": len(crops),
        "detected": len(scales) / len(crops),
        "scale": np.percentile(scales, [25, 50, 75]).round(3).tolist(),
        "shift": np.percentile(shifts, [25, 50, 75]).round(3).tolist(),
    }
