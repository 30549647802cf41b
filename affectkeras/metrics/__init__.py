"""ABAW metrics: stateful Keras metrics, ``abaw_scores`` and the submission writers.

See docs/losses_and_metrics.md. Keras metrics accumulate counts or centred moments over the whole
evaluation set (never a per-batch average) and skip MISSING targets; ``abaw_scores`` computes the
SPEC.md metrics.json dict from NumPy arrays; ``MultiTaskScore`` adds the ABAW4 score P to the
epoch logs for checkpoint selection.
"""

from affectkeras.metrics.abaw import abaw_scores
from affectkeras.metrics.action_units import (
    ActionUnitABAW2Score,
    ActionUnitAccuracy,
    ActionUnitF1,
)
from affectkeras.metrics.ccc import ConcordanceCorrelation
from affectkeras.metrics.compound import compound_scores, compound_targets
from affectkeras.metrics.expression import (
    ExpressionABAW2Score,
    ExpressionAccuracy,
    ExpressionF1,
)
from affectkeras.metrics.scores import ccc, f1_from_counts
from affectkeras.metrics.selection import (
    MTL_COMPONENTS,
    MultiTaskScore,
    abaw_metrics,
    find_log,
    mtl_p_from_logs,
)
from affectkeras.metrics.writers import (
    MTL_HEADER,
    every_frame,
    task_header,
    write_mtl_submission,
    write_uni_task_submission,
    write_video_file,
)

__all__ = [
    "MTL_COMPONENTS",
    "MTL_HEADER",
    "ActionUnitABAW2Score",
    "ActionUnitAccuracy",
    "ActionUnitF1",
    "ConcordanceCorrelation",
    "ExpressionABAW2Score",
    "ExpressionAccuracy",
    "ExpressionF1",
    "MultiTaskScore",
    "abaw_metrics",
    "abaw_scores",
    "ccc",
    "compound_scores",
    "compound_targets",
    "every_frame",
    "f1_from_counts",
    "find_log",
    "mtl_p_from_logs",
    "task_header",
    "write_mtl_submission",
    "write_uni_task_submission",
    "write_video_file",
]
