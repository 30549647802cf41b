"""Per-output ABAW metrics for ``compile`` and the ABAW4 multi-task score for checkpoint selection.

Keras metrics see one output each, while the ABAW4 score P = va_ccc + expr_f1 + au_f1 spans
three. So :func:`abaw_metrics` gives each output its stateful metrics (named like the
metrics.json keys), Keras logs them as ``val_<output>_<key>`` (``val_<key>`` for a single-output
model), and :class:`MultiTaskScore`, a callback, adds ``mtl_p`` / ``val_mtl_p`` to the epoch
logs. List it *before* ``ModelCheckpoint``/``EarlyStopping``/``CSVLogger``, which then select
on ``monitor="val_mtl_p", mode="max"``; Keras' own History records the key too.

Example:
    >>> import keras
    >>> from affectkeras.output_spec import OutputSpec
    >>> from affectkeras.metrics import abaw_metrics, mtl_p_from_logs
    >>> metrics = abaw_metrics(OutputSpec.create("expr,au,va", num_classes=7))
    >>> [m.name for m in metrics["valence_arousal"]]
    ['va_ccc_valence', 'va_ccc_arousal', 'va_ccc']
    >>> logs = {"val_expression_expr_f1": 0.4, "val_action_units_au_f1": 0.5,
    ...         "val_valence_arousal_va_ccc": 0.3, "expression_expr_f1": 0.9}
    >>> round(mtl_p_from_logs(logs, prefix="val_"), 6)
    1.2
"""

from __future__ import annotations

from collections.abc import Mapping

import keras

from affectkeras.metrics.action_units import (
    ActionUnitABAW2Score,
    ActionUnitAccuracy,
    ActionUnitF1,
)
from affectkeras.metrics.ccc import ConcordanceCorrelation
from affectkeras.metrics.expression import (
    ExpressionABAW2Score,
    ExpressionAccuracy,
    ExpressionF1,
)

MTL_COMPONENTS = ("va_ccc", "expr_f1", "au_f1")
"""The metric names whose sum is the ABAW4 multi-task score P (``mtl_p``)."""


def abaw_metrics(spec) -> dict[str, list[keras.metrics.Metric]]:
    """Fresh ABAW metrics for every canonical task of an ``OutputSpec``, keyed by output name.

    ``expression``: expr_f1, expr_acc, expr_score_abaw2 (C = the spec's classes);
    ``action_units``: au_f1, au_acc, au_score_abaw2; ``valence_arousal``: va_ccc_valence,
    va_ccc_arousal, va_ccc. Other tasks (SJMT's ``joint``) get no entry.
    """
    metrics: dict[str, list[keras.metrics.Metric]] = {}
    for task in spec:
        if task.name == "expression":
            metrics[task.name] = [
                ExpressionF1(task.size),
                ExpressionAccuracy(task.size),
                ExpressionABAW2Score(task.size),
            ]
        elif task.name == "action_units":
            size = task.size
            metrics[task.name] = [
                ActionUnitF1(size),
                ActionUnitAccuracy(size),
                ActionUnitABAW2Score(size),
            ]
        elif task.name == "valence_arousal":
            metrics[task.name] = [
                ConcordanceCorrelation(0, name="va_ccc_valence"),
                ConcordanceCorrelation(1, name="va_ccc_arousal"),
                ConcordanceCorrelation(None, name="va_ccc"),
            ]
    return metrics


def find_log(logs: Mapping[str, float], name: str, prefix: str = "val_") -> float | None:
    """The logged value of metric ``name`` (``<prefix>name`` or ``<prefix><output>_name``).

    With ``prefix=""`` validation keys (``val_...``) are ignored. Returns None when absent.

    Raises:
        ValueError: when several outputs log a metric of that name.
    """
    hits = [
        key
        for key in logs
        if key.startswith(prefix)
        and (prefix or not key.startswith("val_"))
        and (key == prefix + name or key.endswith("_" + name))
    ]
    if len(hits) > 1:
        raise ValueError(f"Several logged metrics end in {name!r}: {sorted(hits)}")
    return float(logs[hits[0]]) if hits else None


def mtl_p_from_logs(logs: Mapping[str, float], prefix: str = "val_") -> float | None:
    """P = va_ccc + expr_f1 + au_f1 from epoch logs, or None unless all three are logged."""
    values = [find_log(logs, name, prefix) for name in MTL_COMPONENTS]
    return None if any(v is None for v in values) else float(sum(values))


class MultiTaskScore(keras.callbacks.Callback):
    """Adds ``mtl_p`` (training) and ``val_mtl_p`` (validation) to the epoch logs.

    A key is written only when its three components are logged (see :func:`abaw_metrics`).
    Place this callback before the callbacks that read the key.

    Args:
        name: the log key (default ``mtl_p``).
    """

    def __init__(self, name: str = "mtl_p"):
        super().__init__()
        self.name = name

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for prefix in ("", "val_"):
            value = mtl_p_from_logs(logs, prefix)
            if value is not None:
                logs[prefix + self.name] = value
