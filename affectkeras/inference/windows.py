"""Per-face-track frames for window (temporal) predictors (contract 7).

A window predictor takes ``pixels`` uint8 [B, s, H, W, 3] and ``mask`` bool [B, s],
chronological. A ``last`` predictor reads the current frame at index -1: ``TrackHistory`` keeps
each track's last s crops, padded at a track's start by repeating its first crop, with
``mask`` False on the padded steps (contract 6). A ``sequence`` predictor reads every frame at
its own step: ``TrackSequences`` cuts each track into whole sequences of s crops.

Example:
    >>> import numpy as np
    >>> history = TrackHistory(window=3)
    >>> pixels, mask = history.push(0, np.full((2, 2, 3), 1, np.uint8))
    >>> pixels[:, 0, 0, 0].tolist(), mask.tolist()
    ([1, 1, 1], [False, False, True])
    >>> pixels, mask = history.push(0, np.full((2, 2, 3), 2, np.uint8))
    >>> pixels[:, 0, 0, 0].tolist(), mask.tolist()
    ([1, 1, 2], [False, True, True])
"""

from __future__ import annotations

from collections import deque

import numpy as np


class TrackHistory:
    """The last ``window`` aligned crops of every face track of one video."""

    def __init__(self, window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1 frame, got {window}")
        self.window = int(window)
        self._crops: dict[int, deque] = {}

    def reset(self) -> None:
        """Forgets every track (a new video or still image)."""
        self._crops.clear()

    def held(self) -> list:
        """Every crop kept for the windows to come (crop ids with ``feature_windows``)."""
        return [crop for crops in self._crops.values() for crop in crops]

    def push(self, track: int, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Adds the current crop of ``track``; returns its window [s, H, W, 3] and mask [s]."""
        crops = self._crops.setdefault(track, deque(maxlen=self.window))
        crops.append(crop)
        real = len(crops)
        padding = [crops[0]] * (self.window - real)
        pixels = np.stack([*padding, *crops])
        mask = np.arange(self.window) >= self.window - real
        return pixels, mask


class TrackSequences:
    """Whole sequences of ``length`` crops per face track, for ``sequence`` window predictors.

    A ``sequence`` predictor (``affectkeras.predictor``) reads each frame at its own step of a
    sequence, as seed 002's GRU was trained: a track is cut into consecutive, non-overlapping
    sequences of ``length`` crops, the last one padded at its end by repeating its last crop
    (``mask`` False there). Each crop comes with an ``item`` (the caller's row) that gets the
    outputs of its step.

    Example:
        >>> sequences = TrackSequences(length=2)
        >>> sequences.push(0, np.full((1, 1, 3), 1, np.uint8), "a")
        []
        >>> [(p[:, 0, 0, 0].tolist(), m.tolist(), i) for p, m, i in
        ...  sequences.push(0, np.full((1, 1, 3), 2, np.uint8), "b")]
        [([1, 2], [True, True], ['a', 'b'])]
        >>> _ = sequences.push(0, np.full((1, 1, 3), 3, np.uint8), "c")
        >>> [(p[:, 0, 0, 0].tolist(), m.tolist(), i) for p, m, i in sequences.flush()]
        [([3, 3], [True, False], ['c'])]
    """

    def __init__(self, length: int) -> None:
        if length < 1:
            raise ValueError(f"a sequence needs at least 1 frame, got {length}")
        self.length = int(length)
        self._open: dict[int, tuple[list, list]] = {}

    def push(self, track: int, crop: np.ndarray, item) -> list[tuple[np.ndarray, np.ndarray, list]]:
        """Adds a crop of ``track``; returns the sequence it completes (``[]`` or one)."""
        crops, items = self._open.setdefault(track, ([], []))
        crops.append(crop)
        items.append(item)
        if len(crops) < self.length:
            return []
        del self._open[track]
        return [self._sequence(crops, items)]

    def held(self) -> list:
        """Every crop of the unfinished sequences (crop ids with ``feature_windows``)."""
        return [crop for crops, _ in self._open.values() for crop in crops]

    def flush(self) -> list[tuple[np.ndarray, np.ndarray, list]]:
        """Every unfinished sequence, padded at its end; the buffer is then empty."""
        done = [self._sequence(crops, items) for crops, items in self._open.values()]
        self._open.clear()
        return done

    def _sequence(self, crops: list, items: list) -> tuple[np.ndarray, np.ndarray, list]:
        real = len(crops)
        pixels = np.stack([*crops, *[crops[-1]] * (self.length - real)])
        return pixels, np.arange(self.length) < real, list(items)
