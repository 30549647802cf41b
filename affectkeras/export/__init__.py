"""Export a predictor for serving: SavedModel (TF-Serving), ONNX or LiteRT, checked and atomic.

``export_model(model, out, format)`` writes the artifact (``artifact``); ``build_serving_model``
is the Keras model it exports (``serving_model``); ``rest_request_body`` and ``serve_rest``
build and answer TF-Serving REST ``:predict`` requests (``rest``). Exporting needs TensorFlow
(``affectkeras[tf-cpu]``), ONNX and LiteRT also ``affectkeras[export]``; the modules import it
only when they run.
"""

from affectkeras.export.artifact import FORMATS, METADATA_FILE, export_model
from affectkeras.export.rest import rest_request_body, serve_rest
from affectkeras.export.serving_model import ResizeFrames, build_serving_model

__all__ = [
    "FORMATS",
    "METADATA_FILE",
    "ResizeFrames",
    "build_serving_model",
    "export_model",
    "rest_request_body",
    "serve_rest",
]
