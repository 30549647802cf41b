"""LiteRT (TensorFlow Lite) export through ``keras.Model.export(format="litert")``.

The flatbuffer's ``serving_default`` signature takes the serving model's inputs by name and
returns the served outputs by name; ``runner`` runs it with the ``ai-edge-litert`` interpreter.
Image predictors convert to LiteRT builtins. Window predictors with an LSTM or GRU
(``temporal_stat``, ``teacher_student``'s final model) need TensorFlow "select" ops for the
recurrent loop, which the LiteRT interpreter lacks: the export's check refuses them with a
message rather than writing a model that cannot run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np

from affectkeras.export.saved_model import keras_signature
from affectkeras.predictor import PredictorInputs

FILE_NAME = "model.tflite"
TOLERANCE = 1e-4
"""Largest absolute difference allowed between LiteRT's and the Keras model's outputs."""
BACKENDS = ("tensorflow",)
"""Keras backends this export runs on."""
REQUIRES = ("ai_edge_litert",)
"""Modules the check needs (the ``export`` extra installs it); TensorFlow converts."""


def write(serving: keras.Model, inputs: PredictorInputs, folder: Path) -> Path:
    """Writes ``folder/model.tflite``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    serving.export(
        str(path), format="litert", input_signature=keras_signature(inputs), verbose=False
    )
    return path


def runner(folder: Path) -> Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]:
    """A LiteRT interpreter on ``folder/model.tflite``, called with inputs by name."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(folder / FILE_NAME))
    signature = interpreter.get_signature_runner()

    def run(feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        names = interpreter.get_signature_list()["serving_default"]["inputs"]
        try:
            return dict(signature(**{name: feed[name] for name in names}))
        except RuntimeError as error:
            if "Select TensorFlow op" not in str(error):
                raise
            raise ValueError(
                "LiteRT cannot run this model: the converter kept TensorFlow ops outside the "
                "LiteRT builtins (the recurrent loop of a temporal window model), which the "
                "LiteRT interpreter does not have; export it as tf_saved_model or onnx, or "
                "export the per-frame model (e.g. RUN_DIR/frame/model.keras) to LiteRT"
            ) from None

    return run
