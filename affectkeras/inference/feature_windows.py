"""Window predictors on face tracks with the frame CNN run once per crop.

A window predictor fed pixel windows runs its frame CNN on every step of every window: s
times per frame (``last`` windows overlap by s - 1 frames). :class:`FrameFeatures` keeps, per
crop of a track, the values its frame CNN gives (``models.temporal.split_window_model``:
features, probabilities), computed once, and reads each window from them: ``predict`` queues
crop ids instead of crops in the same ``TrackHistory`` / ``TrackSequences`` windows (padding
included: a padded step repeats a crop id, so it repeats that crop's values), and the
temporal part of the model runs on the gathered values. The outputs are the whole model's on
the same windows, within float tolerance. A model whose graph cannot be cut gets None from
:func:`frame_features_for` (logged), and its windows run the whole model.

Example (tests/inference/test_feature_windows.py checks it against the pixel windows)::

    features, history = frame_features_for(model), TrackHistory(window=3)
    ids, mask = history.push(track, features.add(crop))   # a window of crop ids
    outputs = features.predict(ids[None], mask[None])     # as model({"pixels": ..., "mask": ...})
    features.keep(history.held())                         # forget crops no window needs
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from affectkeras.models.temporal.split import FRAME_BATCH, WindowSplit, split_window_model
from affectkeras.predictor import WINDOW_MASK, WINDOW_PIXELS, describe_inputs


class FrameFeatures:
    """Per-crop frame-CNN values of a window model's tracks, each crop computed once.

    Args:
        split: the model's ``WindowSplit``.

    Attributes:
        computed: crops that went through the frame CNN so far (each once).
    """

    def __init__(self, split: WindowSplit) -> None:
        self.split = split
        self.computed = 0
        self._next = 0
        self._ids = np.zeros(0, np.int64)  # crops computed, sorted (ids only grow)
        self._values: list[np.ndarray] | None = None
        self._pending: list[np.ndarray] = []  # crops added since the last ``predict``
        self._pending_ids: list[int] = []

    def add(self, crop: np.ndarray) -> int:
        """Adds one crop [H, W, 3]; returns its id (what a window holds in its place)."""
        crop_id = self._next
        self._next += 1
        self._pending.append(np.asarray(crop))
        self._pending_ids.append(crop_id)
        return crop_id

    def predict(self, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The model's outputs for windows of crop ids [B, s] with their mask [B, s].

        The crops added since the last call go through the frame CNN first (in batches).
        """
        self._compute_pending()
        ids = np.asarray(ids, np.int64)
        index = np.searchsorted(self._ids, ids)
        found = index < len(self._ids)
        if not (found.all() and (self._ids[index] == ids).all()):
            raise ValueError("a window refers to crops that were never added or were dropped")
        return self.split.predict(self._values, index, mask)

    def keep(self, ids: Iterable[int]) -> None:
        """Drops the values of computed crops not in ``ids`` (windows to come need only these)."""
        kept = np.isin(self._ids, np.fromiter(ids, np.int64))
        if self._values is not None and not kept.all():
            self._ids = self._ids[kept]
            self._values = [value[kept] for value in self._values]

    def _compute_pending(self) -> None:
        if not self._pending:
            return
        new = self.split.frame_values(np.stack(self._pending))
        self.computed += len(self._pending)
        ids = np.asarray(self._pending_ids, np.int64)
        if self._values is None:
            self._values, self._ids = new, ids
        else:
            self._values = [np.concatenate(pair) for pair in zip(self._values, new, strict=True)]
            self._ids = np.concatenate([self._ids, ids])
        self._pending, self._pending_ids = [], []


def frame_features_for(model: Any, frame_batch: int = FRAME_BATCH) -> FrameFeatures | None:
    """A :class:`FrameFeatures` for a window predictor; None for image predictors and for
    window models whose graph cannot be cut (``split_window_model`` logs why)."""
    if not describe_inputs(model).windowed:
        return None
    split = split_window_model(model, WINDOW_PIXELS, WINDOW_MASK, frame_batch=frame_batch)
    return None if split is None else FrameFeatures(split)
