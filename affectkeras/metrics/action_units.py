"""Stateful AU metrics over the whole evaluation set: mean F1, accuracy, ABAW2 score.

Per AU the metrics count, over its labelled entries (AU != -1 and ``sample_weight`` != 0), true
positives, predicted positives (probability >= threshold, 0.5 by default), actual positives,
correct decisions and labelled entries. As SPEC.md defines them: ``au_f1`` is the mean of the
per-AU F1 (zero_division 0) over the AUs with at least one labelled entry, ``au_acc`` the
accuracy over all labelled entries, ``au_score_abaw2`` = 0.5 F1 + 0.5 accuracy.

Example:
    >>> import numpy as np
    >>> from affectkeras.metrics import ActionUnitF1
    >>> metric = ActionUnitF1(num_units=2)
    >>> metric.update_state(np.array([[1, -1], [0, -1]]), np.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> float(metric.result())  # AU 2 has no labelled entry and is left out of the mean
    1.0
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras import labels
from affectkeras.metrics.masks import flatten_for_metric

AU_SCORE_WEIGHTS = (0.5, 0.5)
"""ABAW2 AU score weights of mean F1 and accuracy."""


class _ActionUnitCounts(keras.metrics.Metric):
    """Per-AU counts over labelled entries; subclasses choose the score."""

    def __init__(self, num_units: int, threshold: float, name: str, dtype=None):
        super().__init__(name=name, dtype=dtype or "float32")
        self.num_units = int(num_units)
        self.threshold = float(threshold)
        shape = (self.num_units,)
        self._counts = {
            key: self.add_variable(shape, initializer="zeros", name=key)
            for key in ("tp", "predicted", "actual", "correct", "labelled")
        }

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, weight = flatten_for_metric(y_true, y_pred, sample_weight, 1, 1)
        if y_true.shape[-1] != self.num_units or y_pred.shape[-1] != self.num_units:
            raise ValueError(
                f"{self.name} expects {self.num_units} AUs, got targets {tuple(y_true.shape)} "
                f"and predictions {tuple(y_pred.shape)}"
            )
        y_true = ops.cast(y_true, "float32")
        used = ops.not_equal(y_true, labels.MISSING_AU)
        if weight is not None:
            used = ops.logical_and(used, ops.expand_dims(ops.not_equal(weight, 0.0), -1))
        positive = ops.logical_and(used, y_true == 1.0)
        predicted = ops.logical_and(used, ops.cast(y_pred, "float32") >= self.threshold)
        flags = {
            "tp": ops.logical_and(positive, predicted),
            "predicted": predicted,
            "actual": positive,
            "correct": ops.logical_and(used, ops.equal(positive, predicted)),
            "labelled": used,
        }
        for key, variable in self._counts.items():
            variable.assign(variable + ops.sum(ops.cast(flags[key], self.dtype), axis=0))

    def f1_per_unit(self):
        denominator = self._counts["predicted"] + self._counts["actual"]
        positive = denominator > 0
        return ops.where(
            positive, 2.0 * self._counts["tp"] / ops.where(positive, denominator, 1.0), 0.0
        )

    def mean_f1(self):
        has_labels = ops.cast(self._counts["labelled"] > 0, self.dtype)
        return ops.sum(self.f1_per_unit() * has_labels) / ops.maximum(ops.sum(has_labels), 1.0)

    def accuracy(self):
        labelled = ops.sum(self._counts["labelled"])
        return ops.sum(self._counts["correct"]) / ops.maximum(labelled, 1.0)

    def get_config(self):
        return {
            "name": self.name,
            "dtype": self.dtype,
            "num_units": self.num_units,
            "threshold": self.threshold,
        }


@keras.saving.register_keras_serializable(package="affectkeras")
class ActionUnitF1(_ActionUnitCounts):
    """Mean per-AU F1 over the AUs with labelled entries (``au_f1``).

    Args:
        num_units: number of AUs (12).
        threshold: probability at or above which an AU is predicted present.
        name: metric name.
        dtype: variable dtype.

    Shapes:
        ``y_true`` [B, K] in {0, 1, -1}; ``y_pred`` [B, K] probabilities.
    """

    def __init__(
        self,
        num_units: int = len(labels.ACTION_UNITS),
        threshold: float = 0.5,
        name: str = "au_f1",
        dtype=None,
    ):
        super().__init__(num_units, threshold, name, dtype)

    def result(self):
        return self.mean_f1()


@keras.saving.register_keras_serializable(package="affectkeras")
class ActionUnitAccuracy(_ActionUnitCounts):
    """Accuracy over all labelled AU entries (``au_acc``). Args as ``ActionUnitF1``."""

    def __init__(
        self,
        num_units: int = len(labels.ACTION_UNITS),
        threshold: float = 0.5,
        name: str = "au_acc",
        dtype=None,
    ):
        super().__init__(num_units, threshold, name, dtype)

    def result(self):
        return self.accuracy()


@keras.saving.register_keras_serializable(package="affectkeras")
class ActionUnitABAW2Score(_ActionUnitCounts):
    """0.5 mean F1 + 0.5 accuracy (``au_score_abaw2``). Args as ``ActionUnitF1``."""

    def __init__(
        self,
        num_units: int = len(labels.ACTION_UNITS),
        threshold: float = 0.5,
        name: str = "au_score_abaw2",
        dtype=None,
    ):
        super().__init__(num_units, threshold, name, dtype)

    def result(self):
        f1_weight, accuracy_weight = AU_SCORE_WEIGHTS
        return f1_weight * self.mean_f1() + accuracy_weight * self.accuracy()
