"""A face moving steadily across a cluttered frame, for following faces between detections.

One synthetic identity in studio conditions (``make_video(wild=False)``: its expression changes
smoothly, as in a real video) is pasted at a position that moves by ``step`` px per frame; from
frame ``cut`` on it starts again from the frame's other side (a cut: the face jumps), and
``empty`` frames show the background only.
"""

from __future__ import annotations

import numpy as np

from affectkeras.data.synthetic import composite, make_video


def moving_face(
    frames: int = 30,
    height: int = 240,
    width: int = 320,
    size: int = 96,
    step: tuple[int, int] = (5, 1),
    cut: int | None = None,
    empty: tuple[int, ...] = (),
    seed: int = 3,
) -> tuple[list[np.ndarray], list[tuple[int, int, int, int] | None]]:
    """``(frames, boxes)``: uint8 RGB frames and the pasted ``(x, y, w, h)`` (None: no face)."""
    rng = np.random.default_rng(seed)
    video = make_video(seed=seed, index=0, frames=frames, wild=False)
    background = composite.cluttered_background(rng, height, width)
    images, boxes = [], []
    for t in range(frames):
        x, y = 8 + step[0] * t, 20 + step[1] * t
        if cut is not None and t >= cut:
            x, y = width - size - 8 - step[0] * (t - cut), 20 + step[1] * (t - cut)
        if t in empty:
            images.append(background.copy())
            boxes.append(None)
            continue
        images.append(composite.composite_face(background, video.render(t), x, y, size))
        boxes.append((x, y, size, size))
    return images, boxes
