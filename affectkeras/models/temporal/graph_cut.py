"""Cutting a functional window model's graph at ``UnfoldTime``: the walk behind ``split``.

:func:`cut_window_graph` reruns a model's nodes, in the order Keras runs them, on new inputs:
the pixel window is a stand-in (:data:`PIXEL_WINDOW`) that only ``FoldTime`` (which becomes
the frame side's ``image`` input) and ``TakeStep`` (which becomes one frame's pixels on the
temporal side) may read; every ``UnfoldTime`` becomes an input of the temporal side, and what
it unfolded an output of the frame side. Every other layer is called again as it was called
in the model (same object, same weights, same arguments). A nested model that receives the
pixel window or holds a ``FoldTime`` / ``UnfoldTime`` is cut the same way on its own, and its
two sides are called as models named after it, so names stay unique on each side as they were
in the model (seed 004's fusion holds several ``frame_model``s and ``expression`` layers).

Anything else (a layer reading the pixel window, a side needing the other side's inputs, a
nested model given a Keras mask) raises :class:`Unsplittable`, with the reason.

The walk reads Keras's functional graph (``_nodes_by_depth``, each node's ``arguments``, a
model's ``_inputs_struct`` / ``_outputs_struct``), which is not public API: pyproject pins the
Keras minor version, and tests/models/test_window_split.py and tests/compat check the cut
against the whole model, so a change there shows as a failing test, not as other numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras

from affectkeras.models.layers import TakeStep
from affectkeras.models.temporal.window import FoldTime, UnfoldTime


class Unsplittable(Exception):
    """The graph has no frame CNN / temporal part cut that this module knows."""


class _PixelWindow:
    """Stands for the pixel window while a graph is rerun."""

    def __repr__(self) -> str:
        return "PIXEL_WINDOW"


PIXEL_WINDOW = _PixelWindow()


@dataclass(frozen=True)
class Source:
    """One input of a temporal side: frame-side output ``value`` unfolded to [B, s, ...]
    (``step`` None), or, with ``value`` None, the pixels of window step ``step`` [B, H, W, 3]."""

    name: str
    value: int | None
    step: int | None = None


@dataclass(frozen=True)
class Parts:
    """A model's two sides.

    Attributes:
        frame_model: ``image`` [N, H, W, 3] -> a list of per-frame tensors, or None when the
            model runs no frame CNN of its own (it only takes a step's pixels).
        temporal_model: inputs ``{source.name}`` plus the model's own inputs other than the
            pixel window (by name) -> the model's outputs, in its structure.
        sources: the temporal side's inputs that come from frames.
    """

    frame_model: Any
    temporal_model: Any
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Geometry:
    """The window: ``steps`` (s), the frame shape (H, W, 3) and the pixels' dtype."""

    steps: int
    frame_shape: tuple[int, ...]
    dtype: Any


def cut_window_graph(model: Any, pixel_inputs: Sequence[bool], geometry: Geometry) -> Parts:
    """``model`` (functional) cut into its frame side and its temporal side.

    Args:
        model: the functional model.
        pixel_inputs: per input of ``model.inputs``: True for the pixel window.
        geometry: the window's steps and frame shape.

    Raises:
        Unsplittable: the graph has no such cut (the message says why).
    """
    return _Scope(geometry, {}).cut(model, pixel_inputs)


class _Scope:
    """One model's rerun: its frame side on ``image``, its temporal side on new inputs."""

    def __init__(self, geometry: Geometry, cache: dict) -> None:
        self.geometry = geometry
        self.cache = cache  # (id(nested model), pixel inputs) -> Parts, shared by all scopes
        self.image = keras.Input(geometry.frame_shape, dtype=geometry.dtype, name="image")
        self.frame_outputs: list[Any] = []
        self.inputs: dict[str, Any] = {}
        self.sources: list[Source] = []
        self._unfolded: dict[int, Any] = {}
        self._steps: dict[int, Any] = {}
        self._nested_frames: dict[int, list] = {}

    def cut(self, model: Any, pixel_inputs: Sequence[bool]) -> Parts:
        own_inputs, values = {}, []
        for tensor, is_pixels in zip(model.inputs, pixel_inputs, strict=True):
            if is_pixels:
                values.append(PIXEL_WINDOW)
            else:
                name = _name(tensor)
                own_inputs[name] = keras.Input(tensor.shape[1:], dtype=tensor.dtype, name=name)
                values.append(own_inputs[name])
        outputs = self.run(model, values)
        try:
            frame_model = None
            if self.frame_outputs:
                frame_model = keras.Model(self.image, list(self.frame_outputs), name=model.name)
            temporal_model = keras.Model(
                {**self.inputs, **own_inputs},
                keras.tree.pack_sequence_as(model._outputs_struct, outputs),
                name=model.name,
            )
        except (ValueError, TypeError) as error:  # a side that needs the other's inputs
            raise Unsplittable(f"{model.name!r} does not separate ({error})") from None
        return Parts(frame_model, temporal_model, tuple(self.sources))

    def run(self, model: Any, values: Sequence[Any]) -> list[Any]:
        """``model``'s flat outputs for flat input ``values`` (``model.inputs`` order)."""
        known = {id(tensor): value for tensor, value in zip(model.inputs, values, strict=True)}
        for depth in sorted(model._nodes_by_depth, reverse=True):
            for node in model._nodes_by_depth[depth]:
                if node.is_input or node.operation is None:
                    continue
                if any(id(tensor) not in known for tensor in node.input_tensors):
                    raise Unsplittable(f"layer {node.operation.name!r} has an unknown input")
                args, kwargs = node.arguments.fill_in(known)
                outputs = keras.tree.flatten(self._call(node.operation, args, kwargs))
                for tensor, value in zip(node.outputs, outputs, strict=True):
                    known[id(tensor)] = value
        return [known[id(tensor)] for tensor in model.outputs]

    def _call(self, operation: Any, args: tuple, kwargs: dict) -> Any:
        first = args[0] if args else None
        if isinstance(operation, FoldTime):
            if first is not PIXEL_WINDOW:
                raise Unsplittable(f"FoldTime {operation.name!r} folds something else")
            return self.image
        if isinstance(operation, UnfoldTime):
            if operation.steps != self.geometry.steps or not keras.backend.is_keras_tensor(first):
                raise Unsplittable(f"UnfoldTime {operation.name!r} does not unfold the window")
            return self._unfold(first)
        if isinstance(operation, TakeStep) and first is PIXEL_WINDOW:
            return self._pixel_step(operation.index)
        if _is_functional(operation):
            bound = _bind(operation, args, kwargs)
            pixel_inputs = tuple(value is PIXEL_WINDOW for value in bound)
            if any(pixel_inputs) or _folds_time(operation):
                return self._nested(operation, bound, pixel_inputs)
        if any(value is PIXEL_WINDOW for value in keras.tree.flatten((args, kwargs))):
            raise Unsplittable(f"layer {operation.name!r} reads the pixel window")
        return operation(*args, **kwargs)

    def _nested(self, model: Any, bound: list, pixel_inputs: tuple) -> list[Any]:
        """A nested model's outputs, from its own cut: its frame side on ``image``, its
        temporal side on this scope's unfolded values and its other inputs."""
        key = (id(model), pixel_inputs)
        if key not in self.cache:
            self.cache[key] = _Scope(self.geometry, self.cache).cut(model, pixel_inputs)
        parts = self.cache[key]
        frames = []
        if parts.frame_model is not None:
            if id(parts) not in self._nested_frames:
                self._nested_frames[id(parts)] = keras.tree.flatten(parts.frame_model(self.image))
            frames = self._nested_frames[id(parts)]
        feeds = {}
        for source in parts.sources:
            if source.value is None:
                feeds[source.name] = self._pixel_step(source.step)
            else:
                feeds[source.name] = self._unfold(frames[source.value])
        for tensor, value, is_pixels in zip(model.inputs, bound, pixel_inputs, strict=True):
            if not is_pixels:
                feeds[_name(tensor)] = value
        return keras.tree.flatten(parts.temporal_model(feeds))

    def _unfold(self, frames: Any) -> Any:
        """The temporal input [B, s, ...] that stands for frame-side tensor ``frames``."""
        if id(frames) not in self._unfolded:
            name = f"frame_values_{len(self.frame_outputs)}"
            self.sources.append(Source(name, len(self.frame_outputs)))
            self.frame_outputs.append(frames)
            shape = (self.geometry.steps, *frames.shape[1:])
            self.inputs[name] = keras.Input(shape, dtype=frames.dtype, name=name)
            self._unfolded[id(frames)] = self.inputs[name]
        return self._unfolded[id(frames)]

    def _pixel_step(self, index: int) -> Any:
        """The temporal input [B, H, W, 3] that stands for the pixels of window step ``index``."""
        step = index % self.geometry.steps
        if step not in self._steps:
            name = f"frame_pixels_{step}"
            self.sources.append(Source(name, None, step))
            shape, dtype = self.geometry.frame_shape, self.geometry.dtype
            self.inputs[name] = keras.Input(shape, dtype=dtype, name=name)
            self._steps[step] = self.inputs[name]
        return self._steps[step]


def _name(tensor: Any) -> str:
    return str(getattr(tensor, "name", "")).split(":")[0]


def _is_functional(operation: Any) -> bool:
    return isinstance(operation, keras.Model) and hasattr(operation, "_nodes_by_depth")


def _bind(model: Any, args: tuple, kwargs: dict) -> list[Any]:
    """The values a nested functional model's inputs take in a call, in ``model.inputs`` order."""
    passed = {
        key
        for key, value in kwargs.items()
        if any(leaf is not None for leaf in keras.tree.flatten(value))
    } - {"inputs", "training"}
    if passed:  # e.g. a Keras mask carried into a nested model
        raise Unsplittable(f"model {model.name!r} is called with {sorted(passed)}")
    inputs = args[0] if args else kwargs.get("inputs")
    if isinstance(inputs, Mapping) and not isinstance(model._inputs_struct, Mapping):
        names = [_name(tensor) for tensor in model.inputs]
        if not set(names) <= set(inputs):
            raise Unsplittable(f"model {model.name!r} takes {names}, given {sorted(inputs)}")
        return [inputs[name] for name in names]
    flat = keras.tree.flatten(inputs)
    if len(flat) != len(model.inputs):
        raise Unsplittable(f"model {model.name!r} takes {len(model.inputs)} inputs")
    return flat


def _folds_time(model: Any) -> bool:
    """``model`` holds a ``FoldTime`` or ``UnfoldTime`` layer, at any depth."""
    for layer in model.layers:
        if isinstance(layer, (FoldTime, UnfoldTime)):
            return True
        if _is_functional(layer) and _folds_time(layer):
            return True
    return False
