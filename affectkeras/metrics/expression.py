"""Stateful expression metrics over the whole evaluation set: macro F1, accuracy, ABAW2 score.

Each metric accumulates per-class counts (true positives, predictions, true samples) of the
labelled samples (expression != -1 and ``sample_weight`` != 0) and scores them at the end, as
SPEC.md defines ``expr_f1`` (sklearn ``f1_score(average="macro", labels=range(C),
zero_division=0)``), ``expr_acc`` and ``expr_score_abaw2`` = 0.67 F1 + 0.33 accuracy.
Predictions are the argmax of the model's probabilities; a prediction outside range(C) (an
8-class model's ``other`` on 7-class data) is wrong for every class.

Example:
    >>> import numpy as np
    >>> from affectkeras.metrics import ExpressionF1
    >>> metric = ExpressionF1(num_classes=3)
    >>> metric.update_state(np.array([0, 1, -1]), np.eye(3)[[0, 2, 1]])
    >>> round(float(metric.result()), 4)  # F1 per class: 1, 0, 0
    0.3333
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras import labels
from affectkeras.metrics.masks import flatten_for_metric

EXPRESSION_SCORE_WEIGHTS = (0.67, 0.33)
"""ABAW2 expression score weights of F1 and accuracy."""


class _ExpressionCounts(keras.metrics.Metric):
    """Per-class counts of labelled samples; subclasses choose the score."""

    def __init__(self, num_classes: int, name: str, dtype=None):
        super().__init__(name=name, dtype=dtype or "float32")
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.num_classes = int(num_classes)
        shape = (self.num_classes,)
        self.true_positives = self.add_variable(shape, initializer="zeros", name="tp")
        self.predicted = self.add_variable(shape, initializer="zeros", name="predicted")
        self.actual = self.add_variable(shape, initializer="zeros", name="actual")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, weight = flatten_for_metric(y_true, y_pred, sample_weight, 0, 1)
        y_true = ops.cast(y_true, "int32")
        prediction = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        used = ops.not_equal(y_true, labels.MISSING_EXPRESSION)
        if weight is not None:
            used = ops.logical_and(used, ops.not_equal(weight, 0.0))
        used = ops.expand_dims(used, -1)
        classes = ops.arange(self.num_classes, dtype="int32")
        is_true = ops.logical_and(used, ops.expand_dims(y_true, -1) == classes)
        is_pred = ops.logical_and(used, ops.expand_dims(prediction, -1) == classes)
        hit = ops.logical_and(is_true, is_pred)
        for variable, flags in ((self.true_positives, hit), (self.predicted, is_pred)):
            variable.assign(variable + ops.sum(ops.cast(flags, self.dtype), axis=0))
        self.actual.assign(self.actual + ops.sum(ops.cast(is_true, self.dtype), axis=0))

    def f1_per_class(self):
        denominator = self.predicted + self.actual
        positive = denominator > 0
        return ops.where(
            positive, 2.0 * self.true_positives / ops.where(positive, denominator, 1.0), 0.0
        )

    def macro_f1(self):
        return ops.mean(self.f1_per_class())

    def accuracy(self):
        return ops.sum(self.true_positives) / ops.maximum(ops.sum(self.actual), 1.0)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="affectkeras")
class ExpressionF1(_ExpressionCounts):
    """Macro F1 over all ``num_classes`` classes (``expr_f1``).

    Args:
        num_classes: C of the data's label space (7 or 8).
        name: metric name.
        dtype: variable dtype.

    Shapes:
        ``y_true`` int [B] (-1 = MISSING); ``y_pred`` [B, C'] probabilities.
    """

    def __init__(self, num_classes: int, name: str = "expr_f1", dtype=None):
        super().__init__(num_classes, name, dtype)

    def result(self):
        return self.macro_f1()


@keras.saving.register_keras_serializable(package="affectkeras")
class ExpressionAccuracy(_ExpressionCounts):
    """Accuracy over the labelled samples (``expr_acc``). Args as ``ExpressionF1``."""

    def __init__(self, num_classes: int, name: str = "expr_acc", dtype=None):
        super().__init__(num_classes, name, dtype)

    def result(self):
        return self.accuracy()


@keras.saving.register_keras_serializable(package="affectkeras")
class ExpressionABAW2Score(_ExpressionCounts):
    """0.67 macro F1 + 0.33 accuracy (``expr_score_abaw2``). Args as ``ExpressionF1``."""

    def __init__(self, num_classes: int, name: str = "expr_score_abaw2", dtype=None):
        super().__init__(num_classes, name, dtype)

    def result(self):
        f1_weight, accuracy_weight = EXPRESSION_SCORE_WEIGHTS
        return f1_weight * self.macro_f1() + accuracy_weight * self.accuracy()
