"""The base class of affectkeras losses: masking and reduction owned by the loss itself.

Keras' ``Loss.__call__`` reduces per-sample values by the batch size; the affect losses instead
average over the *labelled* samples or entries of the batch (Contract 3 of the project brief), and
some of them (CCC) are batch statistics rather than sums of per-sample terms. So each
:class:`AffectLoss` subclass implements ``compute(y_true, y_pred, sample_weight)`` returning the
reduced float32 scalar, and ``__call__`` only converts the inputs. ``compile(loss=...)``,
``loss_weights`` and per-output ``sample_weight`` dicts work as with any Keras loss.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


class AffectLoss(keras.losses.Loss):
    """Base class: a serializable loss that masks MISSING targets and averages over labels.

    Subclasses implement :meth:`compute` and extend :meth:`get_config` with their arguments.
    """

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name, reduction="sum_over_batch_size", dtype="float32")

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), "float32")
        y_true = ops.convert_to_tensor(y_true)
        if sample_weight is not None:
            sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), "float32")
        return self.compute(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        """Unweighted value of the loss (``compute`` without sample weights)."""
        return self.compute(ops.convert_to_tensor(y_true), ops.cast(y_pred, "float32"), None)

    def compute(self, y_true, y_pred, sample_weight):
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}
