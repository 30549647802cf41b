"""Figures (matplotlib, drawn off-screen): predictions over time and evaluation results.

- ``timeline``: one video's expression probabilities, AU activations and valence/arousal over
  time (``plot_timeline``).
- ``circumplex``: the valence-arousal trajectory on Russell's circumplex (``plot_circumplex``).
- ``evaluation``: confusion matrix, per-AU F1 bars, truth-vs-prediction VA density
  (``plot_evaluation``; ``affectkeras evaluate --plot DIR``).
- ``predictions``: every figure of a predict table (``plot_predictions``; ``predict --plot``).

Figures are built on ``matplotlib.figure.Figure`` without pyplot, so no window or GUI backend is
ever involved and plotting is safe in threads and on headless hosts.
"""

from affectkeras.plots.circumplex import plot_circumplex
from affectkeras.plots.evaluation import (
    plot_au_f1,
    plot_confusion_matrix,
    plot_evaluation,
    plot_va_density,
)
from affectkeras.plots.predictions import plot_predictions
from affectkeras.plots.timeline import plot_timeline

__all__ = [
    "plot_au_f1",
    "plot_circumplex",
    "plot_confusion_matrix",
    "plot_evaluation",
    "plot_predictions",
    "plot_timeline",
    "plot_va_density",
]
