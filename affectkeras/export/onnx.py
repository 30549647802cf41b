"""ONNX export through ``keras.Model.export(format="onnx")`` (tf2onnx on TensorFlow).

The graph takes the serving model's inputs by name (uint8 frames of any size, batch free) and
returns the served outputs by name; ``runner`` runs it with onnxruntime.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np

from affectkeras.export.saved_model import keras_signature
from affectkeras.predictor import PredictorInputs

FILE_NAME = "model.onnx"
TOLERANCE = 1e-4
"""Largest absolute difference allowed between onnxruntime's and the Keras model's outputs."""
BACKENDS = ("tensorflow",)
"""Keras backends this export runs on."""
REQUIRES = ("onnx", "tf2onnx", "onnxruntime")
"""Modules the export and its check need (the ``export`` extra installs them)."""


def write(serving: keras.Model, inputs: PredictorInputs, folder: Path) -> Path:
    """Writes ``folder/model.onnx``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    with warnings.catch_warnings():  # Keras' tf2onnx shim probes np.object (numpy 2)
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*np.object.*")
        serving.export(
            str(path), format="onnx", input_signature=keras_signature(inputs), verbose=False
        )
    return path


def runner(folder: Path) -> Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]:
    """An onnxruntime session on ``folder/model.onnx``, called with inputs by name."""
    import onnxruntime

    session = onnxruntime.InferenceSession(
        str(folder / FILE_NAME), providers=["CPUExecutionProvider"]
    )
    input_names = [node.name for node in session.get_inputs()]
    output_names = [node.name for node in session.get_outputs()]

    def run(feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        values = session.run(output_names, {name: feed[name] for name in input_names})
        return dict(zip(output_names, values, strict=True))

    return run
