"""Scoring a saved predictor on data: the same code for a run's metrics.json and ``evaluate``.

- ``scoring``: predict a feed in batches, the canonical truth of a table, SPEC.md's scores;
- ``evaluate``: a RUN_DIR or ``.keras`` predictor scored on data specs (``affectkeras evaluate``).

It depends on ``data``, ``metrics`` and ``predictor``, never on ``recipes`` (which use it).

Example::

    from affectkeras.evaluation import evaluate
    scores = evaluate("runs/expr", "affwild2:/data/aff-wild2?split=validation")
"""

from affectkeras.evaluation.evaluate import evaluate, evaluate_table, write_metrics
from affectkeras.evaluation.scoring import canonical_truth, predict_feed, score_outputs

__all__ = [
    "canonical_truth",
    "evaluate",
    "evaluate_table",
    "predict_feed",
    "score_outputs",
    "write_metrics",
]
