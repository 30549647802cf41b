"""Per-face-track frame history for window (temporal) predictors (contract 7).

A window predictor takes ``pixels`` uint8 [B, s, H, W, 3] and ``mask`` bool [B, s]:
chronological, index -1 the current frame. At a track's start the window is padded by
repeating the track's first crop, with ``mask`` False on the padded steps (contract 6).

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

    def push(self, track: int, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Adds the current crop of ``track``; returns its window [s, H, W, 3] and mask [s]."""
        crops = self._crops.setdefault(track, deque(maxlen=self.window))
        crops.append(crop)
        real = len(crops)
        padding = [crops[0]] * (self.window - real)
        pixels = np.stack([*padding, *crops])
        mask = np.arange(self.window) >= self.window - real
        return pixels, mask
