"""The model an export serves: any-size uint8 frames in, the predictor's named outputs out.

A recipe's predictor (``model.keras``, see ``affectkeras.predictor``) takes frames at its own
size. ``build_serving_model`` wraps it so that a client may send RGB uint8 frames of any height
and width: ``ResizeFrames`` resizes them bilinearly (half-pixel centres, no antialiasing, as the
training pipeline does) to the predictor's size and rounds back to uint8, so frames already at
that size pass through unchanged and the served outputs equal the Keras model's. Normalisation
stays where it already is, inside the predictor.

Inputs of the serving model:

- image predictors: ``image`` uint8 [batch, H, W, 3];
- window predictors: ``pixels`` uint8 [batch, s, H, W, 3] and ``mask`` bool [batch, s] (the
  ``s`` frames up to the current one, padded steps False; outputs are for the last frame).

Outputs: ``expression`` [batch, C], ``action_units`` [batch, 12], ``valence_arousal`` [batch, 2]
(and ``compound`` [batch, 8] for seed 003's SJMT models), float32, for the tasks the predictor
has. Training-only outputs (``joint``, ``features``, VA bins, ...) are left out.

Example:
    >>> import numpy as np
    >>> from affectkeras.models import build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> predictor = build_task_model(get_backbone("tiny", input_shape=(32, 32, 3)),
    ...                              OutputSpec.create("expr,va", 7))
    >>> serving = build_serving_model(predictor)
    >>> outputs = serving.predict(np.zeros((2, 90, 60, 3), np.uint8), verbose=0)
    >>> {name: value.shape for name, value in sorted(outputs.items())}
    {'expression': (2, 7), 'valence_arousal': (2, 2)}
"""

from __future__ import annotations

import keras

from affectkeras.predictor import (
    IMAGE_INPUT,
    WINDOW_MASK,
    WINDOW_PIXELS,
    PredictorInputs,
    describe_inputs,
)

SERVED_OUTPUTS = ("expression", "action_units", "valence_arousal", "compound")
"""The outputs an export keeps, in this order, when the predictor has them."""


@keras.saving.register_keras_serializable(package="affectkeras")
class ResizeFrames(keras.layers.Layer):
    """Resizes RGB uint8 frames [..., H, W, 3] of any size to ``height`` x ``width`` (uint8).

    Bilinear with half-pixel centres and no antialiasing (``tf.image.resize``'s and
    ``cv2.INTER_LINEAR``'s sampling grid), rounded and clipped back to 0..255: a frame already
    at the target size comes out unchanged. Takes rank 4 (images) or rank 5 (windows of frames).

    Args:
        height, width: the size the frames are resized to.
    """

    def __init__(self, height: int, width: int, **kwargs):
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)

    def call(self, frames):
        shape = keras.ops.shape(frames)
        rank = len(frames.shape)
        if rank == 5:
            frames = keras.ops.reshape(frames, (-1, shape[2], shape[3], shape[4]))
        resized = keras.ops.image.resize(
            keras.ops.cast(frames, "float32"),
            (self.height, self.width),
            interpolation="bilinear",
            antialias=False,
        )
        resized = keras.ops.cast(keras.ops.clip(keras.ops.round(resized), 0.0, 255.0), "uint8")
        if rank == 5:
            resized = keras.ops.reshape(resized, (-1, shape[1], self.height, self.width, 3))
        return resized

    def compute_output_spec(self, frames):
        shape = (*frames.shape[:-3], self.height, self.width, 3)
        return keras.KerasTensor(shape, dtype="uint8")

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


def served_outputs(names: list[str]) -> list[str]:
    """The outputs an export serves out of a predictor's ``names`` (``SERVED_OUTPUTS`` order).

    Raises:
        ValueError: none of them is served.
    """
    served = [name for name in SERVED_OUTPUTS if name in names]
    if not served:
        raise ValueError(
            f"the model outputs {list(names)}, none of {list(SERVED_OUTPUTS[:3])}: "
            "export takes a recipe's predictor (RUN_DIR/model.keras)"
        )
    return served


def serving_input_names(inputs: PredictorInputs) -> tuple[str, ...]:
    """The serving model's input names for a predictor of this kind."""
    return (WINDOW_PIXELS, WINDOW_MASK) if inputs.windowed else (IMAGE_INPUT,)


def build_serving_model(predictor: keras.Model) -> keras.Model:
    """Wraps ``predictor`` into the serving model described in the module doc.

    Args:
        predictor: a recipe's predictor (image or window kind, canonical outputs).

    Returns:
        A functional ``keras.Model`` named ``serving`` whose inputs are uint8 frames of any size
        (plus ``mask`` for window predictors) and whose outputs are a dict of float32 tensors.
    """
    inputs = describe_inputs(predictor)
    resize = ResizeFrames(inputs.height, inputs.width, name="resize_frames")
    if inputs.windowed:
        pixels = keras.Input((inputs.window, None, None, 3), dtype="uint8", name=WINDOW_PIXELS)
        mask = keras.Input((inputs.window,), dtype="bool", name=WINDOW_MASK)
        served_inputs = {WINDOW_PIXELS: pixels, WINDOW_MASK: mask}
        outputs = predictor({WINDOW_PIXELS: resize(pixels), WINDOW_MASK: mask})
    else:
        image = keras.Input((None, None, 3), dtype="uint8", name=IMAGE_INPUT)
        served_inputs = image
        outputs = predictor(resize(image))
    if not isinstance(outputs, dict):  # a one-output functional model returns the bare tensor
        outputs = dict(zip(predictor.output_names, keras.tree.flatten(outputs), strict=True))
    served = {
        name: keras.layers.Activation("linear", dtype="float32", name=name)(outputs[name])
        for name in served_outputs(list(outputs))
    }
    return keras.Model(served_inputs, served, name="serving")
