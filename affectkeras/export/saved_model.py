"""SavedModel export: the serving model as ``serving_default`` for TF-Serving.

The signature's inputs are named after the serving model's (``image``, or ``pixels`` and
``mask``), with free batch, height and width; its outputs are the served outputs by name.

Example:
    >>> from affectkeras.predictor import PredictorInputs
    >>> [spec.name for spec in input_specs(PredictorInputs("window", 32, 32, 4))]
    ['pixels', 'mask']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np

from affectkeras.export.serving_model import serving_input_names
from affectkeras.predictor import PredictorInputs

SIGNATURE = "serving_default"
TOLERANCE = 1e-5
"""Largest absolute difference allowed between the SavedModel's and the Keras model's outputs."""
BACKENDS = ("tensorflow", "jax")
"""Keras backends this export runs on."""
REQUIRES: tuple[str, ...] = ()


def input_specs(inputs: PredictorInputs) -> list[Any]:
    """``tf.TensorSpec`` per serving input (frames of any size, batch free)."""
    import tensorflow as tf

    if inputs.windowed:
        return [
            tf.TensorSpec((None, inputs.window, None, None, 3), tf.uint8, name="pixels"),
            tf.TensorSpec((None, inputs.window), tf.bool, name="mask"),
        ]
    return [tf.TensorSpec((None, None, None, 3), tf.uint8, name="image")]


def keras_signature(inputs: PredictorInputs) -> list[Any]:
    """``input_signature`` for ``keras.Model.export``: one spec, or a dict for windows."""
    specs = input_specs(inputs)
    if inputs.windowed:
        return [dict(zip(serving_input_names(inputs), specs, strict=True))]
    return specs


def write(serving: keras.Model, inputs: PredictorInputs, folder: Path) -> Path:
    """Writes the SavedModel into ``folder`` (which must not exist yet); returns ``folder``.

    On the TensorFlow backend the signature is traced here and saved with only the raw
    ``tf.Variable``s tracked: ``keras.Model.export`` stores every weight twice on that backend
    (keras-team/keras#23553), doubling the artifact and TF-Serving's memory. On JAX it is
    ``keras.Model.export`` (jax2tf).
    """
    if keras.backend.backend() != "tensorflow":
        serving.export(
            str(folder),
            format="tf_saved_model",
            input_signature=keras_signature(inputs),
            verbose=False,
        )
        return folder
    import tensorflow as tf

    names = serving_input_names(inputs)

    @tf.function(input_signature=input_specs(inputs))
    def serve(*tensors):
        feed = dict(zip(names, tensors, strict=True)) if inputs.windowed else tensors[0]
        return serving(feed, training=False)

    module = tf.Module()
    module.served_variables = [variable.value for variable in serving.variables]
    module.serve = serve
    signatures = {SIGNATURE: serve.get_concrete_function()}
    tf.saved_model.save(module, str(folder), signatures=signatures)
    return folder


def runner(folder: Path) -> Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]:
    """Loads ``folder`` and returns a function calling its ``serving_default`` by input name."""
    import tensorflow as tf

    signature = tf.saved_model.load(str(folder)).signatures[SIGNATURE]
    _, specs = signature.structured_input_signature

    def run(feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        tensors = {name: tf.constant(feed[name], dtype=specs[name].dtype) for name in specs}
        return {name: value.numpy() for name, value in signature(**tensors).items()}

    return run
