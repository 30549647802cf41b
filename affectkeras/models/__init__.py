"""Models: backbones, task heads, the SJMT joint head and decoder, and the temporal models.

Everything here is Keras 3 with ``keras.ops`` only, so it runs on TensorFlow and JAX.

- ``get_backbone(name, input_shape, weights)`` / ``list_backbones()``: the backbone registry.
- ``build_heads`` / ``build_task_model``: heads from the OutputSpec, backbone + heads.
- ``build_fused_predictor``, ``build_averaged_predictor``: seed 001's late fusion of single-
  and multi-task predictors, seed 000's averaged K-fold models.
- ``JointDecoder``: seed 003's union sigmoid outputs -> per-dataset and canonical labels.
- ``build_stat_lstm_model`` (seed 004) and ``build_bigru_model`` (seed 002): temporal models;
  ``build_window_model`` feeds pixel windows through a frame model into a temporal one.
"""

from affectkeras.models.fusion import build_averaged_predictor, build_fused_predictor
from affectkeras.models.heads import HEAD_STYLES, TOWER_STYLES, VA_BINS_OUTPUT, build_heads
from affectkeras.models.joint_decoder import JointDecoder
from affectkeras.models.registry import (
    backbone_entry,
    get_backbone,
    list_backbones,
    register_backbone,
)
from affectkeras.models.task_model import FEATURES_OUTPUT, build_task_model
from affectkeras.models.temporal import (
    STAT_LSTM_VARIANTS,
    VA_STATISTICS_OUTPUT,
    build_bigru_model,
    build_stat_lstm_model,
    build_window_model,
)

__all__ = [
    "FEATURES_OUTPUT",
    "HEAD_STYLES",
    "STAT_LSTM_VARIANTS",
    "TOWER_STYLES",
    "VA_BINS_OUTPUT",
    "VA_STATISTICS_OUTPUT",
    "JointDecoder",
    "backbone_entry",
    "build_averaged_predictor",
    "build_bigru_model",
    "build_fused_predictor",
    "build_heads",
    "build_stat_lstm_model",
    "build_task_model",
    "build_window_model",
    "get_backbone",
    "list_backbones",
    "register_backbone",
]

# Importing the package registers every serializable backbone class, so that
# ``keras.models.load_model("model.keras")`` works after ``import affectkeras.models``.
list_backbones()
