"""What a predictor (a recipe's ``model.keras``) takes: one image, or a window of frames.

Every recipe saves a predictor with canonical outputs (``expression``, ``action_units``,
``valence_arousal``). Its inputs come in two kinds, and ``evaluate``, ``predict`` and ``export``
feed each kind the same way:

- ``image``: one input ``image``, uint8 [B, H, W, 3] (RGB 0..255, normalised inside);
- ``window``: inputs ``pixels`` uint8 [B, s, H, W, 3] and ``mask`` bool [B, s], the ``s``
  frames up to the current one in chronological order (index -1 = the current frame, padded
  steps False), with outputs for the current frame ([B, C], [B, 12], [B, 2]).

Example:
    >>> import keras
    >>> image = keras.Input((32, 32, 3), name="image")
    >>> model = keras.Model(image, {"expression": keras.layers.Dense(7)(image)})
    >>> describe_inputs(model)
    PredictorInputs(kind='image', height=32, width=32, window=None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

IMAGE_INPUT = "image"
WINDOW_PIXELS = "pixels"
WINDOW_MASK = "mask"


@dataclass(frozen=True)
class PredictorInputs:
    """A predictor's input kind and sizes.

    Attributes:
        kind: ``"image"`` or ``"window"``.
        height, width: the frame size the model takes.
        window: frames per window (``s``) for window predictors, else None.
    """

    kind: str
    height: int
    width: int
    window: int | None = None

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
            return PredictorInputs("window", height, width, window)
    raise ValueError(
        "a predictor takes one image [B, H, W, 3], or a window {'pixels': [B, s, H, W, 3], "
        f"'mask': [B, s]}}; this model takes {shapes}"
    )


def _input_name(tensor: Any) -> str:
    name = str(getattr(tensor, "name", ""))
    return name.split(":")[0]


def _fixed(sizes: tuple, shapes: dict) -> tuple[int, ...]:
    if any(size is None for size in sizes):
        raise ValueError(f"a predictor needs a fixed frame size and window length; got {shapes}")
    return tuple(int(size) for size in sizes)
