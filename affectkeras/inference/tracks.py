"""A simple IoU tracker: links each frame's faces to the face tracks of the frames before.

Window (temporal) predictors need a face's previous frames, so faces are linked over time: a
detection continues the track whose last box it overlaps most (intersection over union at least
``min_iou``, greedy, best pairs first); unmatched detections start new tracks; a track not seen
for more than ``max_gap`` frames ends. Enough for the slowly moving faces of interviews and
Aff-Wild2-like videos; crossing faces may swap tracks.

Example:
    >>> import numpy as np
    >>> tracker = IoUTracker()
    >>> tracker.update(np.array([[0, 0, 10, 10], [50, 0, 10, 10]]))
    [0, 1]
    >>> tracker.update(np.array([[51, 1, 10, 10], [1, 0, 10, 10]]))
    [1, 0]
"""

from __future__ import annotations

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every pair of ``(x, y, w, h)`` boxes: [N, 4] x [M, 4] -> [N, M].

    Example:
        >>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 2, 2], [5, 5, 1, 1]])).tolist()
        [[0.3333333333333333, 0.0]]
    """
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    left = np.maximum(a[:, None, 0], b[None, :, 0])
    top = np.maximum(a[:, None, 1], b[None, :, 1])
    right = np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2])
    bottom = np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3])
    intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


class IoUTracker:
    """Assigns track ids (0, 1, 2, ... in order of first appearance) to each frame's boxes.

    Args:
        min_iou: least overlap with a track's last box for a detection to continue it.
        max_gap: frames a track may go unseen before it ends.
    """

    def __init__(self, min_iou: float = 0.3, max_gap: int = 5) -> None:
        if not 0.0 < min_iou <= 1.0:
            raise ValueError(f"min_iou must be in (0, 1], got {min_iou}")
        self.min_iou = float(min_iou)
        self.max_gap = int(max_gap)
        self._boxes: dict[int, np.ndarray] = {}
        self._missed: dict[int, int] = {}
        self._next = 0

    def reset(self) -> None:
        """Forgets every track (a new video); ids start again at 0."""
        self._boxes.clear()
        self._missed.clear()
        self._next = 0

    def update(self, boxes: np.ndarray) -> list[int]:
        """Track ids of this frame's boxes [N, 4] ``(x, y, w, h)``, in the order given."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        ids: list[int | None] = [None] * len(boxes)
        tracks = list(self._boxes)
        if tracks and len(boxes):
            overlap = box_iou(boxes, np.stack([self._boxes[t] for t in tracks]))
            for flat in np.argsort(-overlap, axis=None):
                row, column = np.unravel_index(flat, overlap.shape)
                if overlap[row, column] < self.min_iou:
                    break
                if ids[row] is None and tracks[column] not in ids:
                    ids[row] = tracks[column]
        for row in np.argsort(boxes[:, 0], kind="stable"):  # new faces: left to right
            if ids[row] is None:
                ids[row] = self._next
                self._next += 1
        for track in tracks:
            self._missed[track] = 0 if track in ids else self._missed[track] + 1
            if self._missed[track] > self.max_gap:
                del self._boxes[track], self._missed[track]
        for row, track in enumerate(ids):
            self._boxes[track] = boxes[row]
            self._missed.setdefault(track, 0)
        return [int(track) for track in ids]
