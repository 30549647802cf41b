"""Seed 004's VA losses: MSE on [a, v, m, a - m, v - m] and the weighted total (eq. 2-4).

Seed 004 (STAT/LSTM temporal fusion) regularises VA with an MSE over the vector of arousal,
valence, their mean ``m = (a + v) / 2`` and the differences ``a - m`` and ``v - m``; the target
vector is built from the (valence, arousal) labels. Eq. 3 sums the squared errors over the
vector; the batch loss averages that sum over the labelled samples. With MISSING (-5) per
element, ``a`` and ``v`` count when labelled and the three derived entries only when both are.

The predicted vector has two readings: (1) the output of a separate regression branch (sec.
II-C, "one vector with length 5"), ``va_statistics`` of the seed 004 model, what the
``temporal_stat`` recipe trains: :class:`VectorMSE` on a [B, 5] prediction; or (2) built from the
predicted (valence, arousal) ("calculated from arousal and valence values", under eq. 3):
:class:`VectorMSE` on a [B, 2] prediction. docs/losses_and_metrics.md says why the recipe reads 1.

Eq. 4: ``L = w1 L_class + w2 L_ccc,arousal + w3 L_ccc,valence + w4 L_mse`` with
``w1 = 1, w2 = w3 = 0.4, w4 = 0.2``. The recipe compiles ``WeightedCrossEntropy()`` on
``expression`` (w1), ``CCCLoss(dimension_weights=[0.4, 0.4])`` on ``valence_arousal`` (w2, w3) and
``VectorMSE()`` on ``va_statistics`` with loss weight 0.2 (w4). :class:`CCCMSELoss` is the VA part
(w2, w3, w4) under reading 2, on one ``valence_arousal`` output, for a model without the branch.

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import VectorMSE
    >>> y_true = np.array([[0.2, 0.6]], "float32")  # valence, arousal
    >>> y_pred = np.array([[0.0, 0.6]], "float32")
    >>> # a, v, m, a - m, v - m errors: 0, 0.2, 0.1, -0.1, 0.1
    >>> round(float(VectorMSE()(y_true, y_pred)), 6)
    0.07
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras import labels
from affectkeras.losses.base import MaskedLossWrapper
from affectkeras.losses.ccc import ccc_per_dimension
from affectkeras.losses.masking import (
    flatten_sample_weight,
    flatten_targets,
    labelled_mean,
    safe_labels,
)


def affect_vector(valence_arousal):
    """[N, 2] (valence, arousal) -> [N, 5] (a, v, m, a - m, v - m), m = (a + v) / 2."""
    valence, arousal = valence_arousal[:, 0], valence_arousal[:, 1]
    mean = (arousal + valence) / 2.0
    return ops.stack([arousal, valence, mean, arousal - mean, valence - mean], axis=-1)


def vector_squared_error(y_true, y_pred):
    """Per-sample sum of squared errors over the labelled entries of the 5-vector (eq. 3).

    Args:
        y_true: [N, 2] (valence, arousal), -5 = MISSING.
        y_pred: [N, 5], the model's own 5-vector branch in :func:`affect_vector`'s order (the
            paper's third regression branch, ``va_statistics`` of the seed 004 model), or
            [N, 2] predicted (valence, arousal), from which the vector is built.

    Returns:
        ``(values [N], labelled [N])``: labelled when valence or arousal is.
    """
    y_true = ops.cast(y_true, "float32")
    labelled = ops.not_equal(y_true, labels.MISSING_VA)
    valence_ok, arousal_ok = labelled[:, 0], labelled[:, 1]
    both = ops.logical_and(valence_ok, arousal_ok)
    entries = ops.cast(ops.stack([arousal_ok, valence_ok, both, both, both], axis=-1), "float32")
    width = y_pred.shape[-1]
    if width not in (2, 5):
        raise ValueError(
            f"Seed 004's vector MSE takes predictions of width 5 (the 5-vector branch) or 2 "
            f"(valence, arousal), got shape {tuple(y_pred.shape)}"
        )
    predicted = y_pred if width == 5 else affect_vector(y_pred)
    error = affect_vector(safe_labels(y_true, labelled)) - predicted
    values = ops.sum(entries * ops.square(error), axis=-1)
    return values, ops.logical_or(valence_ok, arousal_ok)


def vector_mse_loss(y_true, y_pred, sample_weight=None):
    """Seed 004 eq. 3: :func:`vector_squared_error` averaged over the labelled samples.

    Args:
        y_true: float [*S, 2] (valence, arousal), -5 = MISSING.
        y_pred: float [*S, 5] (the 5-vector branch) or [*S, 2] (valence, arousal).
        sample_weight: float over the sample axes S, or None.

    Returns:
        A float32 scalar.
    """
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 1, 1)
    values, labelled = vector_squared_error(y_true, y_pred)
    return labelled_mean(values, labelled, weight)


def ccc_mse_loss(
    y_true,
    y_pred,
    sample_weight=None,
    valence_weight: float = 0.4,
    arousal_weight: float = 0.4,
    mse_weight: float = 0.2,
):
    """Seed 004 eq. 4, VA part: ``w3 (1 - CCC_v) + w2 (1 - CCC_a) + w4 L_mse`` (eq. 2-3).

    A CCC term needs at least two labelled entries of its dimension in the batch (else 0).

    Args:
        y_true: float [*S, 2] (valence, arousal), -5 = MISSING.
        y_pred: float [*S, 2].
        sample_weight: float over the sample axes S, or None.
        valence_weight: w3.
        arousal_weight: w2.
        mse_weight: w4.

    Returns:
        A float32 scalar.
    """
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 1, 1)
    ccc, valid = ccc_per_dimension(y_true, y_pred, weight)
    ccc_terms = valid * (1.0 - ccc)
    values, labelled = vector_squared_error(y_true, y_pred)
    return (
        valence_weight * ccc_terms[0]
        + arousal_weight * ccc_terms[1]
        + mse_weight * labelled_mean(values, labelled, weight)
    )


@keras.saving.register_keras_serializable(package="affectkeras")
class VectorMSE(MaskedLossWrapper):
    """Seed 004 eq. 3: summed squared error of [a, v, m, a - m, v - m], averaged over samples.

    :func:`vector_mse_loss`. The target vector is built from the (valence, arousal) labels; the
    prediction is either the model's 5-vector branch (the paper: "one vector with length 5",
    ``va_statistics`` of ``affectkeras.models.build_stat_lstm_model``) or, for a model without
    that branch, built from its predicted (valence, arousal).

    Shapes:
        ``y_true`` float [B, 2] (valence, arousal; -5 = MISSING); ``y_pred`` [B, 5] or [B, 2];
        ``sample_weight`` [B].
    """

    def __init__(self, name: str = "vector_mse"):
        super().__init__(vector_mse_loss, name=name)


@keras.saving.register_keras_serializable(package="affectkeras")
class CCCMSELoss(MaskedLossWrapper):
    """Seed 004 eq. 4, VA part: ``w_v (1 - CCC_v) + w_a (1 - CCC_a) + w_mse VectorMSE``.

    :func:`ccc_mse_loss`. A CCC term needs at least two labelled entries of its dimension in the
    batch (else 0).

    Args:
        valence_weight: w3 (default 0.4).
        arousal_weight: w2 (default 0.4).
        mse_weight: w4 (default 0.2).
        name: loss name.

    Shapes:
        ``y_true`` float [B, 2] (valence, arousal; -5 = MISSING); ``y_pred`` [B, 2];
        ``sample_weight`` [B].
    """

    def __init__(
        self,
        valence_weight: float = 0.4,
        arousal_weight: float = 0.4,
        mse_weight: float = 0.2,
        name: str = "ccc_mse_loss",
    ):
        super().__init__(
            ccc_mse_loss,
            name=name,
            valence_weight=float(valence_weight),
            arousal_weight=float(arousal_weight),
            mse_weight=float(mse_weight),
        )
