"""The predictor contract: what every recipe saves and what evaluate, predict and export read.

A *predictor* is the Keras model a recipe saves as ``RUN_DIR/model.keras`` (:data:`MODEL_FILE`).
Its outputs include some of the canonical ``expression`` [B, C] (probabilities, C = 7 or 8),
``action_units`` [B, 12] (probabilities) and ``valence_arousal`` [B, 2] in [-1, 1]
(:data:`CANONICAL_OUTPUTS`), plus extras such as seed 003's ``joint`` and ``compound``. Its
inputs come in two kinds, and ``evaluate``, ``predict`` and ``export`` feed each kind the same
way:

- ``image``: one input ``image``, uint8 [B, H, W, 3] (RGB 0..255, normalised inside);
- ``window``: inputs ``pixels`` uint8 [B, s, H, W, 3] and ``mask`` bool [B, s] (chronological,
  padded steps False). How a window is read out is part of the saved model, in the shape of
  its canonical outputs (``PredictorInputs.readout``):

  - ``last``: outputs for the window's last step ([B, C], [B, 12], [B, 2]); the window is the
    ``s`` frames up to the current one (index -1 = the current frame). Seed 004's models, and
    seed 002's GRU saved before issue 21.
  - ``sequence``: outputs for every step ([B, s, C], [B, s, 12], [B, s, 2]); the window is a
    whole sequence of ``s`` consecutive frames (a video cut into non-overlapping sequences, the
    last padded at its end), and each frame is read at its own step. Seed 002's GRU, trained
    on such sequences with a target at every step.

  :func:`frame_outputs` is the one place that turns a batch of windows into per-frame outputs;
  ``evaluate``, a run's validation and ``predict`` all go through it.

Example:
    >>> import keras
    >>> image = keras.Input((32, 32, 3), name="image")
    >>> model = keras.Model(image, {"expression": keras.layers.Dense(7)(image)})
    >>> describe_inputs(model)
    PredictorInputs(kind='image', height=32, width=32, window=None, readout='last')
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.keras"
"""The predictor's file name in a RUN_DIR (and in each stage's folder)."""

CANONICAL_OUTPUTS = ("expression", "action_units", "valence_arousal")
"""Output names every predictor may have; ``evaluate`` scores those present."""

IMAGE_INPUT = "image"
WINDOW_PIXELS = "pixels"
WINDOW_MASK = "mask"
READOUTS = ("last", "sequence")


@dataclass(frozen=True)
class PredictorInputs:
    """A predictor's input kind and sizes.

    Attributes:
        kind: ``"image"`` or ``"window"``.
        height, width: the frame size the model takes.
        window: frames per window (``s``) for window predictors, else None.
        readout: for window predictors, ``last`` or ``sequence`` (see the module doc).
    """

    kind: str
    height: int
    width: int
    window: int | None = None
    readout: str = "last"

    @property
    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return self.height, self.width

    @property
    def windowed(self) -> bool:
        return self.kind == "window"


def describe_inputs(model: Any) -> PredictorInputs:
    """The kind and sizes of ``model``'s inputs (see the module doc).

    Raises:
        ValueError: inputs of neither kind, or a free (None) frame size or window length.
    """
    inputs = {_input_name(tensor): tensor for tensor in model.inputs}
    shapes = {name: tuple(tensor.shape) for name, tensor in inputs.items()}
    if len(inputs) == 1:
        (shape,) = shapes.values()
        if len(shape) == 4 and shape[-1] == 3:
            return PredictorInputs("image", *_fixed(shape[1:3], shapes))
    if set(inputs) == {WINDOW_PIXELS, WINDOW_MASK}:
        pixels, mask = shapes[WINDOW_PIXELS], shapes[WINDOW_MASK]
        if len(pixels) == 5 and pixels[-1] == 3 and len(mask) == 2:
            height, width = _fixed(pixels[2:4], shapes)
            (window,) = _fixed(pixels[1:2], shapes)
            return PredictorInputs("window", height, width, window, _readout(model))
    raise ValueError(
        "a predictor takes one image [B, H, W, 3], or a window {'pixels': [B, s, H, W, 3], "
        f"'mask': [B, s]}}; this model takes {shapes}"
    )


def _readout(model: Any) -> str:
    """``sequence`` when the canonical outputs carry a step axis ([B, s, ...]), else ``last``."""
    ranks = {
        len(tensor.shape)
        for name, tensor in zip(model.output_names, model.outputs, strict=True)
        if name in CANONICAL_OUTPUTS
    }
    return "sequence" if ranks == {3} else "last"


def frame_outputs(
    outputs: Mapping[str, np.ndarray], mask: np.ndarray | None, readout: str = "last"
) -> dict[str, np.ndarray]:
    """A batch's outputs per frame: unchanged for images and ``last`` windows ([B, ...]);
    for ``sequence`` windows the real steps, in order: [B, s, ...] -> [F, ...], F = mask.sum().

    Example:
        >>> out = {"valence_arousal": np.arange(12.0).reshape(2, 3, 2)}
        >>> mask = np.array([[True, True, True], [True, False, False]])
        >>> frame_outputs(out, mask, "sequence")["valence_arousal"].tolist()
        [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]
    """
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
    if readout == "last" or mask is None:
        return dict(outputs)
    mask = np.asarray(mask, bool)
    return {name: np.asarray(value)[mask] for name, value in outputs.items()}


def _input_name(tensor: Any) -> str:
    name = str(getattr(tensor, "name", ""))
    return name.split(":")[0]


def _fixed(sizes: tuple, shapes: dict) -> tuple[int, ...]:
    if any(size is None for size in sizes):
        raise ValueError(f"a predictor needs a fixed frame size and window length; got {shapes}")
    return tuple(int(size) for size in sizes)


def load_predictor(path: str | Path) -> Any:
    """Loads :data:`MODEL_FILE` from a RUN_DIR, a ``.keras`` file or a preset name
    (``affectkeras.presets``; a path that exists wins), affectkeras objects known.

    Raises:
        ValueError: no such file, a file that is not a Keras archive (a zip; e.g. a text file
            or a truncated copy), or a model without canonical outputs.
    """
    import keras

    from affectkeras.presets import list_presets, resolve_model

    for module in ("losses", "metrics", "models"):  # registers the serializable objects
        importlib.import_module(f"affectkeras.{module}")
    path = resolve_model(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise ValueError(
            f"{path}: no such model file (give a RUN_DIR, a .keras file or a preset name: "
            f"{', '.join(list_presets())})"
        )
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path}: not a Keras model archive (a .keras file is a zip; this one is "
            f"{'empty' if path.stat().st_size == 0 else 'not a zip, or truncated'})"
        )
    try:
        model = keras.models.load_model(path, compile=False)
    except (zipfile.BadZipFile, KeyError, EOFError) as error:
        raise ValueError(f"{path}: a damaged Keras model archive ({error})") from None
    if not set(model.output_names) & set(CANONICAL_OUTPUTS):
        raise ValueError(
            f"{path}: the model outputs {model.output_names}, none of {list(CANONICAL_OUTPUTS)}"
        )
    return model


def trained_labels(model: Any) -> dict[str, list[str]]:
    """Outputs whose layer records its labels: output name -> the labels it was trained on.

    Seed 003's SJMT predictor maps its joint units to canonical outputs with
    ``JointToCanonical`` layers that keep their label names; a label no training dataset had
    (AU7 for an SJMT model trained on EmotioNet's AUs) is missing from the list and NaN in the
    output. Outputs of other models predict every label of their space and are not listed.

    Example:
        >>> import keras
        >>> from affectkeras.models.layers import JointToCanonical
        >>> joint = keras.Input((2,), name="image")
        >>> au = JointToCanonical([[0, 0], [1, 2]], 3, False, names=["AU1", "AU2", "AU4"],
        ...                       name="action_units")(joint)
        >>> trained_labels(keras.Model(joint, {"action_units": au}))
        {'action_units': ['AU1', 'AU4']}
    """
    result: dict[str, list[str]] = {}
    for name in model.output_names:
        trained = _trained_names(model, name)
        if trained is not None:
            result[name] = list(trained)
    return result


def _trained_names(model: Any, name: str) -> Any:
    """The ``trained_names`` of the layer called ``name``, looking into nested models too (a
    predictor wrapped by ``affectkeras.framing.with_framing`` keeps its layers inside)."""
    for layer in getattr(model, "layers", ()):
        if layer.name == name and getattr(layer, "trained_names", None) is not None:
            return layer.trained_names
    for layer in getattr(model, "layers", ()):
        if hasattr(layer, "layers"):
            found = _trained_names(layer, name)
            if found is not None:
                return found
    return None


def output_dict(model: Any, outputs: Any) -> dict[str, np.ndarray]:
    """A model's outputs as ``{name: numpy array}`` (single-output models included)."""
    if isinstance(outputs, Mapping):
        return {str(name): np.asarray(value) for name, value in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return {name: np.asarray(v) for name, v in zip(model.output_names, outputs, strict=True)}
    return {model.output_names[0]: np.asarray(outputs)}
