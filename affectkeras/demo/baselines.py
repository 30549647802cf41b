"""What a predictor that never looks at the face would score: the context of the demo's scores.

The trivial predictor answers the same for every frame: the most frequent expression class, every
AU present (which maximises F1 among constant answers), and the mean valence and arousal (any
constant has CCC 0). Its scores come from ``abaw_scores``, like the model's.

Example:
    >>> import numpy as np
    >>> truth = {"expression": np.array([0, 0, 0, 4, -1]),
    ...          "action_units": np.array([[1] * 12, [0] * 12, [0] * 12, [0] * 12, [-1] * 12]),
    ...          "valence_arousal": np.array([[0.1, 0.2], [0.3, 0.1], [-0.2, 0.0], [0.5, 0.4],
    ...                                       [-5, -5]])}
    >>> scores = trivial_scores(truth, num_classes=8)
    >>> [round(scores[key], 4) for key in ("expr_acc", "expr_f1", "au_f1", "va_ccc")]
    [0.75, 0.1071, 0.4, 0.0]
    >>> majority_class(truth["expression"])
    0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from affectkeras import labels
from affectkeras.metrics import abaw_scores


def majority_class(expression: np.ndarray) -> int:
    """The most frequent labelled class of ``expression`` (int [N], -1 = missing); 0 if none."""
    expression = np.asarray(expression)
    labelled = expression[expression >= 0]
    return int(np.bincount(labelled).argmax()) if labelled.size else 0


def trivial_scores(
    truth: Mapping[str, np.ndarray], num_classes: int, majority: int | None = None
) -> dict[str, Any]:
    """``abaw_scores`` of the constant predictor for the tasks in ``truth``.

    Args:
        truth: canonical targets with MISSING sentinels: ``expression`` [N],
            ``action_units`` [N, 12], ``valence_arousal`` [N, 2] (any subset).
        num_classes: the expression space (7 or 8).
        majority: the class always answered (default: the most frequent in ``truth``).
    """
    arguments: dict[str, Any] = {"num_classes": num_classes}
    if "expression" in truth:
        target = np.asarray(truth["expression"])
        answer = majority_class(target) if majority is None else int(majority)
        arguments.update(expression_true=target, expression_pred=np.full(len(target), answer))
    if "action_units" in truth:
        target = np.asarray(truth["action_units"])
        arguments.update(au_true=target, au_pred=np.ones(target.shape))
    if "valence_arousal" in truth:
        target = np.asarray(truth["valence_arousal"], np.float64)
        labelled = np.where(target == labels.MISSING_VA, np.nan, target)
        mean = np.nan_to_num(np.nanmean(labelled, axis=0)) if np.isfinite(labelled).any() else 0
        arguments.update(va_true=target, va_pred=np.broadcast_to(mean, target.shape).copy())
    return abaw_scores(**arguments)
