"""``abaw_scores``: the metrics.json scores of SPEC.md from NumPy arrays (no Keras involved).

Keys (present only for the tasks the data labels):

- ``expr_f1`` (macro F1 over all C classes, sklearn ``average="macro"``, ``labels=range(C)``,
  ``zero_division=0``), ``expr_acc``, ``expr_score_abaw2`` = 0.67 F1 + 0.33 acc, ``n_expr``;
- ``au_f1`` (mean per-AU F1 at threshold 0.5 over the AUs with at least one labelled entry),
  ``au_acc`` (over all labelled AU entries), ``au_score_abaw2`` = 0.5 F1 + 0.5 acc, ``n_au``
  (rows with at least one labelled AU);
- ``va_ccc_valence``, ``va_ccc_arousal``, ``va_ccc`` (their mean), ``n_va`` (rows with a labelled
  valence or arousal); whole-set CCC with population variances;
- ``mtl_p`` = va_ccc + expr_f1 + au_f1 (ABAW4), only when all three tasks are labelled.

Example:
    >>> import numpy as np
    >>> from affectkeras.metrics import abaw_scores
    >>> scores = abaw_scores(
    ...     expression_true=np.array([0, 1, 1, -1]),
    ...     expression_pred=np.array([0, 1, 0, 3]),
    ...     num_classes=2,
    ... )
    >>> scores["n_expr"], round(scores["expr_acc"], 4), round(scores["expr_f1"], 4)
    (3, 0.6667, 0.6667)
    >>> "au_f1" in scores, "mtl_p" in scores
    (False, False)
"""

from __future__ import annotations

import numpy as np

from affectkeras import labels
from affectkeras.metrics.action_units import AU_SCORE_WEIGHTS
from affectkeras.metrics.expression import EXPRESSION_SCORE_WEIGHTS
from affectkeras.metrics.scores import ccc, f1_from_counts

DEFAULT_NUM_CLASSES = 7
AU_THRESHOLD = 0.5


def abaw_scores(
    expression_true=None,
    expression_pred=None,
    au_true=None,
    au_pred=None,
    va_true=None,
    va_pred=None,
    num_classes: int | None = None,
) -> dict[str, float | int]:
    """The SPEC.md metrics.json scores of whatever tasks are given and labelled.

    Args:
        expression_true: int [N], -1 = MISSING.
        expression_pred: [N, C] probabilities (argmax taken) or [N] class indices.
        au_true: [N, 12] in {0, 1, -1}.
        au_pred: [N, 12] probabilities or 0/1 (present when >= 0.5).
        va_true: [N, 2] (valence, arousal), -5 = MISSING per element.
        va_pred: [N, 2].
        num_classes: C; default the width of a 2-D ``expression_pred``, else 7.

    Returns:
        A dict of Python floats and ints (JSON-ready).

    Raises:
        ValueError: a prediction without its target (or the reverse), mismatched shapes, or an
            expression label outside -1..C-1.
    """
    scores: dict[str, float | int] = {}
    if _pair("expression", expression_true, expression_pred):
        scores.update(expression_scores(expression_true, expression_pred, num_classes))
    if _pair("au", au_true, au_pred):
        scores.update(action_unit_scores(au_true, au_pred))
    if _pair("va", va_true, va_pred):
        scores.update(valence_arousal_scores(va_true, va_pred))
    if all(key in scores for key in ("va_ccc", "expr_f1", "au_f1")):
        scores["mtl_p"] = scores["va_ccc"] + scores["expr_f1"] + scores["au_f1"]
    return scores


def _pair(task: str, true, pred) -> bool:
    if (true is None) != (pred is None):
        given, missing = ("true", "pred") if pred is None else ("pred", "true")
        raise ValueError(f"abaw_scores got {task}_{given} without {task}_{missing}")
    return true is not None


def expression_scores(expression_true, expression_pred, num_classes=None) -> dict:
    """``expr_*`` keys and ``n_expr`` (empty when no sample is labelled)."""
    true = np.asarray(expression_true)
    pred = np.asarray(expression_pred)
    if true.ndim == 2 and true.shape[1] == 1:
        true = true[:, 0]
    if true.ndim != 1:
        raise ValueError(f"expression_true must be [N] class indices, got shape {true.shape}")
    if pred.ndim == 2:
        width = pred.shape[1]
        pred = np.argmax(pred, axis=1)
    elif pred.ndim == 1:
        width = None
    else:
        raise ValueError(f"expression_pred must be [N, C] or [N], got shape {pred.shape}")
    if pred.shape[0] != true.shape[0]:
        raise ValueError(
            f"expression_true has {true.shape[0]} rows, expression_pred {pred.shape[0]}"
        )
    classes = num_classes or width or DEFAULT_NUM_CLASSES
    if not np.all(np.isin(true, np.arange(-1, classes))):
        bad = true[~np.isin(true, np.arange(-1, classes))][0]
        raise ValueError(f"expression_true holds {bad!r}, outside -1..{classes - 1} (C={classes})")
    labelled = true != labels.MISSING_EXPRESSION
    if not labelled.any():
        return {}
    true = true[labelled].astype(np.int64)
    pred = pred[labelled].astype(np.int64)
    class_ids = np.arange(classes)
    is_true = true[:, None] == class_ids
    is_pred = pred[:, None] == class_ids
    f1 = float(np.mean(f1_from_counts((is_true & is_pred).sum(0), is_pred.sum(0), is_true.sum(0))))
    accuracy = float(np.mean(true == pred))
    f1_weight, accuracy_weight = EXPRESSION_SCORE_WEIGHTS
    return {
        "expr_f1": f1,
        "expr_acc": accuracy,
        "expr_score_abaw2": f1_weight * f1 + accuracy_weight * accuracy,
        "n_expr": int(labelled.sum()),
    }


def action_unit_scores(au_true, au_pred) -> dict:
    """``au_*`` keys and ``n_au`` (empty when no AU entry is labelled)."""
    true = np.asarray(au_true, np.float64)
    pred = np.asarray(au_pred, np.float64)
    if true.ndim != 2 or true.shape != pred.shape:
        raise ValueError(
            f"au_true and au_pred must both be [N, K], got {true.shape} and {pred.shape}"
        )
    if not np.isin(true, (-1.0, 0.0, 1.0)).all():
        raise ValueError("au_true must hold 0, 1 or -1 (MISSING)")
    labelled = true != labels.MISSING_AU
    if not labelled.any():
        return {}
    positive = (true == 1.0) & labelled
    predicted = (pred >= AU_THRESHOLD) & labelled
    f1 = f1_from_counts((positive & predicted).sum(0), predicted.sum(0), positive.sum(0))
    has_labels = labelled.any(axis=0)
    mean_f1 = float(f1[has_labels].mean())
    accuracy = float(((positive == predicted) & labelled).sum() / labelled.sum())
    f1_weight, accuracy_weight = AU_SCORE_WEIGHTS
    return {
        "au_f1": mean_f1,
        "au_acc": accuracy,
        "au_score_abaw2": f1_weight * mean_f1 + accuracy_weight * accuracy,
        "n_au": int(labelled.any(axis=1).sum()),
    }


def valence_arousal_scores(va_true, va_pred) -> dict:
    """``va_*`` keys and ``n_va``; ``va_ccc`` needs both dimensions labelled somewhere."""
    true = np.asarray(va_true, np.float64)
    pred = np.asarray(va_pred, np.float64)
    expected = (true.shape[0], len(labels.VALENCE_AROUSAL)) if true.ndim == 2 else None
    if true.shape != expected or pred.shape != true.shape:
        raise ValueError(
            f"va_true and va_pred must both be [N, 2], got {true.shape} and {pred.shape}"
        )
    labelled = true != labels.MISSING_VA
    scores: dict[str, float | int] = {}
    for index, name in enumerate(labels.VALENCE_AROUSAL):
        rows = labelled[:, index]
        if rows.any():
            scores[f"va_ccc_{name}"] = ccc(true[rows, index], pred[rows, index])
    if len(scores) == len(labels.VALENCE_AROUSAL):
        scores["va_ccc"] = float(np.mean(list(scores.values())))
    if scores:
        scores["n_va"] = int(labelled.any(axis=1).sum())
    return scores
