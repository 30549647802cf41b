"""A window model cut into its frame CNN and its temporal part, read from its layer graph.

A window predictor (``pixels`` [B, s, H, W, 3] + ``mask`` [B, s]) folds the window's frames
into one batch (``FoldTime``), runs the frame CNN on it and unfolds the per-frame outputs to
[B, s, ...] (``UnfoldTime``) for the temporal part (seed 004's STAT/LSTM, seed 002's GRU).
Fed window by window, the CNN runs s times per frame: every frame is in s windows.
:func:`split_window_model` reruns the model's own layers (weights shared, nothing copied or
saved) as two models:

- ``frame_model``: ``image`` [N, H, W, 3] -> what each ``UnfoldTime`` unfolds, [N, ...] per
  frame (features, probabilities);
- ``temporal_model``: those values gathered into windows, [B, s, ...], plus ``mask`` ->
  the predictor's outputs.

So a caller computes every frame once (``WindowSplit.frame_values``) and reads any window
from the per-frame values by row indices (``WindowSplit.predict``), padded steps included:
a padded step repeats a frame, so it repeats that frame's values. The cut is found in the
graph of any loaded model, nested models included (seed 004's fusion of Table I variants, a
RUN_DIR saved before this module existed); a layer that reads the pixel window other than
through ``FoldTime`` (or ``TakeStep``, whose frame is kept as pixels) makes the model
unsplittable: :func:`split_window_model` then logs why and returns None, and the caller
feeds pixel windows to the whole model as before.

Example:
    >>> import numpy as np
    >>> from affectkeras.models import build_stat_lstm_model, build_task_model, get_backbone
    >>> from affectkeras.models import build_window_model
    >>> from affectkeras.output_spec import OutputSpec
    >>> frame = build_task_model(get_backbone("tiny", input_shape=(16, 16, 3)),
    ...                          OutputSpec.create("expr", 7), return_features=True)
    >>> temporal = build_stat_lstm_model(feature_dim=64, window=3, variant=6, lstm_units=2)
    >>> model = build_window_model(frame, temporal)
    >>> split = split_window_model(model)
    >>> frames = np.random.default_rng(0).integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    >>> values = split.frame_values(frames)       # the CNN once per frame
    >>> rows = np.array([[0, 0, 1], [1, 2, 3]])   # two windows over the 4 frames
    >>> mask = np.array([[False, True, True], [True, True, True]])
    >>> cached = split.predict(values, rows, mask)
    >>> direct = model.predict_on_batch({"pixels": frames[rows], "mask": mask})
    >>> bool(np.allclose(cached["expression"], direct["expression"], atol=1e-5))
    True
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from affectkeras.models.temporal.graph_cut import Geometry, Unsplittable, cut_window_graph

logger = logging.getLogger("affectkeras.models")

MASK_INPUT = "mask"
FRAME_BATCH = 64
"""Frames per call of the frame CNN (a smaller last call is padded to a power of two, so a
compiled backend sees few distinct batch shapes)."""


@dataclass(frozen=True)
class TemporalSource:
    """Where one input of the temporal part comes from.

    Attributes:
        name: the temporal model's input name.
        value: index into ``WindowSplit.frame_values``'s list of per-frame arrays.
        step: None for the whole window [B, s, ...]; a step index for one frame [B, ...]
            (a ``TakeStep`` on the pixel window: the frame's pixels).
    """

    name: str
    value: int
    step: int | None = None


@dataclass(frozen=True)
class WindowSplit:
    """A window model as its frame CNN and its temporal part (see the module doc).

    Attributes:
        frame_model: ``image`` [N, H, W, 3] -> a list of per-frame arrays [N, ...].
        temporal_model: ``{source.name: ..., mask_input: [B, s]}`` -> the window model's
            outputs.
        sources: the temporal model's inputs besides the mask.
        window: s, steps per window.
        mask_input: the mask's input name.
        keeps_pixels: the frame's pixels are a per-frame value too (last in the list).
        frame_batch: frames per frame-CNN call.
    """

    frame_model: Any
    temporal_model: Any
    sources: tuple[TemporalSource, ...]
    window: int
    mask_input: str = MASK_INPUT
    keeps_pixels: bool = False
    frame_batch: int = FRAME_BATCH

    def frame_values(self, images: np.ndarray) -> list[np.ndarray]:
        """Every frame's values, [N, ...] each: the frame CNN run once per image.

        Args:
            images: [N, H, W, 3] frames (crops at the model's size; uint8 RGB).
        """
        images = np.asarray(images)
        parts: list[list[np.ndarray]] = []
        for start in range(0, len(images), self.frame_batch):
            chunk = images[start : start + self.frame_batch]
            size = min(self.frame_batch, 1 << (len(chunk) - 1).bit_length())
            padded = np.concatenate([chunk, np.repeat(chunk[-1:], size - len(chunk), axis=0)])
            outputs = self.frame_model.predict_on_batch(padded)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            parts.append([np.asarray(value)[: len(chunk)] for value in outputs])
        if parts:
            values = [np.concatenate(column) for column in zip(*parts, strict=True)]
        else:
            outputs = self.frame_model.outputs
            values = [np.zeros((0, *tensor.shape[1:]), tensor.dtype) for tensor in outputs]
        return [*values, images] if self.keeps_pixels else values

    def predict(
        self, values: Sequence[np.ndarray], rows: np.ndarray, mask: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The window model's outputs for windows of per-frame values.

        Args:
            values: ``frame_values`` of the frames (or their concatenation over calls).
            rows: int [B, s]: each step's frame, an index into ``values``.
            mask: bool [B, s]: False on padded steps.

        Returns:
            ``{output name: array}``, as the whole model gives for the pixel windows
            ``images[rows]``.
        """
        rows = np.asarray(rows, np.int64)
        inputs: dict[str, np.ndarray] = {self.mask_input: np.asarray(mask, bool)}
        for source in self.sources:
            taken = rows if source.step is None else rows[:, source.step]
            inputs[source.name] = np.asarray(values[source.value])[taken]
        outputs = self.temporal_model.predict_on_batch(inputs)
        size = len(rows)  # a TF MirroredStrategy concatenates every replica's whole batch
        if isinstance(outputs, Mapping):
            return {str(name): np.asarray(value)[:size] for name, value in outputs.items()}
        names = self.temporal_model.output_names
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        pairs = zip(names, outputs, strict=True)
        return {name: np.asarray(value)[:size] for name, value in pairs}


def split_window_model(
    model: Any, pixels: str = "pixels", mask: str = MASK_INPUT, frame_batch: int = FRAME_BATCH
) -> WindowSplit | None:
    """``model`` cut into its frame CNN and its temporal part, or None (logged) if it cannot be.

    Args:
        model: a functional window model, inputs ``pixels`` [B, s, H, W, 3] and ``mask``.
        pixels, mask: its input names.
        frame_batch: frames per frame-CNN call.

    Returns:
        A :class:`WindowSplit` whose ``predict`` equals ``model`` on the same windows (within
        float tolerance), or None for a model whose graph has no such cut. The result is kept
        while ``model`` lives: later calls (another ``evaluate`` or ``predict`` of the same
        model) reuse its two models and what the backend compiled for them.
    """
    kept = _SPLITS.setdefault(model, {})
    key = (pixels, mask, int(frame_batch))
    if key not in kept:
        try:
            kept[key] = _split(model, pixels, mask, frame_batch)
        except Unsplittable as reason:
            kept[key] = str(reason)
    if isinstance(kept[key], str):
        logger.info(
            "window model %r: %s; its windows run the whole model (the frame CNN on every "
            "step of every window)",
            getattr(model, "name", "?"),
            kept[key],
        )
        return None
    return kept[key]


_SPLITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""model -> {(pixels, mask, frame_batch): WindowSplit, or why it has none}."""


def _split(model: Any, pixels: str, mask: str, frame_batch: int) -> WindowSplit:
    names = [str(tensor.name).split(":")[0] for tensor in getattr(model, "inputs", None) or []]
    if sorted(names) != sorted([pixels, mask]) or not hasattr(model, "_nodes_by_depth"):
        raise Unsplittable(f"not a functional model over {pixels!r} and {mask!r}")
    shape = tuple(model.inputs[names.index(pixels)].shape)
    if len(shape) != 5 or None in shape[1:]:
        raise Unsplittable(f"{pixels!r} is not [B, s, H, W, 3] with s, H, W known")
    geometry = Geometry(int(shape[1]), shape[2:], model.inputs[names.index(pixels)].dtype)
    parts = cut_window_graph(model, [name == pixels for name in names], geometry)
    if parts.frame_model is None:
        raise Unsplittable("no frame CNN between FoldTime and UnfoldTime layers")
    count = len(parts.frame_model.outputs)
    sources = tuple(
        TemporalSource(s.name, count if s.value is None else s.value, s.step) for s in parts.sources
    )
    return WindowSplit(
        parts.frame_model,
        parts.temporal_model,
        sources,
        geometry.steps,
        mask_input=mask,
        keeps_pixels=any(s.value is None for s in parts.sources),
        frame_batch=int(frame_batch),
    )
