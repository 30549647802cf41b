"""Temporal models over chronological per-frame feature sequences [B, T, D] (+ mask [B, T]).

- ``build_stat_lstm_model``: seed 004's STAT + bidirectional-LSTM fusion model (Do et al.).
- ``build_bigru_model``: seed 002's bidirectional GRU over 32-frame sequences (Vu et al.).
- ``build_window_model``: a frame model + a temporal model over pixel windows [B, s, H, W, 3].
- ``split_window_model``: a loaded window model cut back into its frame CNN and its temporal
  part, so inference runs the CNN once per frame (``WindowSplit``).
"""

from affectkeras.models.temporal.bigru import build_bigru_model
from affectkeras.models.temporal.split import WindowSplit, split_window_model
from affectkeras.models.temporal.stat_lstm import (
    STAT_LSTM_VARIANTS,
    VA_STATISTICS_OUTPUT,
    StatLstmVariant,
    build_stat_lstm_model,
)
from affectkeras.models.temporal.window import FoldTime, UnfoldTime, build_window_model

__all__ = [
    "STAT_LSTM_VARIANTS",
    "VA_STATISTICS_OUTPUT",
    "FoldTime",
    "StatLstmVariant",
    "UnfoldTime",
    "WindowSplit",
    "build_bigru_model",
    "build_stat_lstm_model",
    "build_window_model",
    "split_window_model",
]
