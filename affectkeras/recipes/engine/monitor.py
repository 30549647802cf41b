"""The validation score that selects a run's best checkpoint (config key ``monitor``).

Example:
    >>> monitored_score({"expr_f1": 0.4, "au_f1": 0.5}, "abaw", ["expr", "au"])
    0.9
    >>> monitored_score({"expr_score_abaw2": 0.3}, "abaw", ["expr"])
    0.3
    >>> monitored_score({"expr_f1": 0.25, "expr_score_abaw2": 0.3}, "f1", ["expr"])
    0.25
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

MONITOR_TASK_SCORES = {
    "abaw": {"expr": "expr_score_abaw2", "au": "au_score_abaw2", "va": "va_ccc"},
    "abaw4": {"expr": "expr_f1", "au": "au_f1", "va": "va_ccc"},
    "accuracy": {"expr": "expr_acc", "au": "au_acc", "compound": "compound_acc"},
}


def monitored_score(scores: Mapping[str, float], monitor: str, tasks: list[str]) -> float:
    """The number that selects the best checkpoint (higher is better).

    ``abaw``: one trained task -> its ABAW2 challenge score (expression 0.67 F1 + 0.33 acc, AU
    0.5 F1 + 0.5 acc, VA mean CCC); several -> the ABAW4 sum of their expr_f1, au_f1 and va_ccc
    (= ``mtl_p`` for all three). ``accuracy``: the mean accuracy of the trained classification
    tasks (seed 003's metric, compound emotions included when scored). ``abaw2``: the sum of
    each trained task's ABAW2 challenge score, whatever their number (seed 000 reports the
    expression and AU challenge scores side by side, Tables 1-2). Any other value is a
    metrics.json key. ``f1``: the sum of each trained task's F1 (``expr_f1``, ``au_f1``; the
    mean CCC for VA, which has no F1), seed 001's criterion for its single-task models. NaN
    when the validation data lacks what is monitored.
    """
    if monitor in ("abaw2", "f1"):
        table = MONITOR_TASK_SCORES["abaw" if monitor == "abaw2" else "abaw4"]
        values = [scores.get(table[t]) for t in tasks if t in table]
        return float(sum(values)) if values and None not in values else float("nan")
    if monitor == "abaw":
        table = MONITOR_TASK_SCORES["abaw" if len(tasks) == 1 else "abaw4"]
        values = [scores.get(table[t]) for t in tasks if t in table]
        return float(sum(values)) if values and None not in values else float("nan")
    if monitor == "accuracy":
        table = MONITOR_TASK_SCORES["accuracy"]
        keys = [table[t] for t in [*tasks, "compound"] if t in table]
        values = [scores[key] for key in keys if key in scores]
        return float(np.mean(values)) if values else float("nan")
    return float(scores.get(monitor, float("nan")))
