"""Masked (optionally class-weighted) softmax cross-entropy for expressions (seeds 001, 002, 004).

Seed 001 (Chang et al., ABAW4) weights each expression class by ``total samples / samples of the
class`` (its L_1 = w_y * CE); :func:`class_weights_from_labels` computes those weights from the
training labels. The loss is the paper's per-sample ``w_y * CE`` averaged over the labelled
samples of the batch (``sum / #labelled``). Note that PyTorch's ``CrossEntropyLoss(weight=w)``
divides by ``sum w_y`` instead; the two differ by a batch-dependent factor.

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import WeightedCrossEntropy, class_weights_from_labels
    >>> class_weights_from_labels(np.array([0, 0, 0, 1, -1]), num_classes=3)
    [1.3333333333333333, 4.0, 0.0]
    >>> loss = WeightedCrossEntropy(class_weights=[1.0, 2.0])
    >>> y_pred = np.array([[0.5, 0.5], [0.9, 0.1]], "float32")
    >>> round(float(loss(np.array([1, -1]), y_pred)), 4) == round(float(-2 * np.log(0.5)), 4)
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from affectkeras import labels
from affectkeras.losses.base import MaskedLossWrapper, float_list
from affectkeras.losses.masking import (
    flatten_sample_weight,
    flatten_targets,
    labelled_mean,
    log_probabilities,
    safe_labels,
)


def class_weights_from_counts(counts: Sequence[int] | np.ndarray) -> list[float]:
    """Seed 001's class weights ``total / count_c``; a class with no sample gets weight 0."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError(f"counts must be a 1-D array of non-negative numbers, got {counts!r}")
    total = counts.sum()
    with np.errstate(divide="ignore"):
        weights = np.where(counts > 0, total / np.maximum(counts, 1), 0.0)
    return [float(w) for w in weights]


def class_weights_from_labels(targets: Sequence[int] | np.ndarray, num_classes: int) -> list[float]:
    """Class weights from training labels (MISSING -1 entries ignored); see the module doc."""
    targets = np.asarray(targets).reshape(-1)
    targets = targets[targets != labels.MISSING_EXPRESSION].astype(np.int64)
    if targets.size and (targets.min() < 0 or targets.max() >= num_classes):
        raise ValueError(
            f"expression labels must be in 0..{num_classes - 1} or -1, "
            f"found {targets.min()}..{targets.max()}"
        )
    return class_weights_from_counts(np.bincount(targets, minlength=num_classes))


def sparse_labels(y_true, missing=labels.MISSING_EXPRESSION):
    """int32 class indices with MISSING replaced by 0, and the bool labelled mask."""
    y_true = ops.cast(y_true, "int32")
    labelled = ops.not_equal(y_true, missing)
    return safe_labels(y_true, labelled), labelled


def target_log_probability(y_true, y_pred, from_logits: bool = False):
    """``log p_y`` of the target class of each sample, and the labelled mask.

    Args:
        y_true: int [N] class indices, -1 for MISSING.
        y_pred: float [N, C] softmax probabilities (or logits).

    Returns:
        ``(log_p_y [N], one_hot [N, C], labelled [N])``.
    """
    target, labelled = sparse_labels(y_true)
    one_hot = ops.one_hot(target, y_pred.shape[-1], dtype="float32")
    log_p = log_probabilities(y_pred, from_logits)
    return ops.sum(one_hot * log_p, axis=-1), one_hot, labelled


def weighted_crossentropy(
    y_true, y_pred, class_weights=None, from_logits: bool = False, label_smoothing: float = 0.0
):
    """Per-sample ``-w_y log p_y`` (0 where MISSING) and the labelled mask [N].

    With label smoothing e (Szegedy et al. 2016, sec. 7) the target is ``(1 - e) * onehot(y) +
    e / C``: ``-w_y * ((1 - e) log p_y + e / C * sum_c log p_c)``.
    """
    log_p_y, one_hot, labelled = target_log_probability(y_true, y_pred, from_logits)
    values = -log_p_y
    if label_smoothing:
        log_p = log_probabilities(y_pred, from_logits)
        mean_log_p = ops.mean(log_p, axis=-1)
        values = -(1.0 - label_smoothing) * log_p_y - label_smoothing * mean_log_p
    if class_weights is not None:
        weights = ops.convert_to_tensor(np.asarray(class_weights, np.float32))
        values = values * ops.sum(one_hot * weights, axis=-1)
    return ops.where(labelled, values, 0.0), labelled


def weighted_crossentropy_loss(
    y_true,
    y_pred,
    sample_weight=None,
    class_weights=None,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
):
    """Seed 001's L_1: ``w_y * CE`` averaged over the labelled samples (plain CE without weights).

    ``sum_{n labelled} s_n * w_{y_n} * (-log p_{n, y_n}) / #labelled``, with ``s_n`` the sample
    weight; 0 for a batch without labels.

    Args:
        y_true: int [*S] (or [*S, 1]) class indices, -1 for MISSING.
        y_pred: float [*S, C] softmax probabilities (or logits with ``from_logits``).
        sample_weight: float over the sample axes S, or None.
        class_weights: None or C weights (e.g. ``class_weights_from_labels``).
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: e in [0, 1): targets ``(1 - e) * onehot + e / C``.

    Returns:
        A float32 scalar.
    """
    if class_weights is not None and len(class_weights) != y_pred.shape[-1]:
        raise ValueError(
            f"{len(class_weights)} class weights for predictions of width {y_pred.shape[-1]}"
        )
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 0, 1)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    values, labelled = weighted_crossentropy(
        y_true, y_pred, class_weights, from_logits, label_smoothing
    )
    return labelled_mean(values, labelled, weight)


@keras.saving.register_keras_serializable(package="affectkeras")
class WeightedCrossEntropy(MaskedLossWrapper):
    """Softmax cross-entropy over sparse expression labels, MISSING (-1) masked.

    ``sum_{n labelled} s_n * w_{y_n} * (-log p_{n, y_n}) / #labelled`` (seed 001, L_1;
    :func:`weighted_crossentropy_loss`), with ``s_n`` the sample weight. Without
    ``class_weights`` it is the plain masked cross-entropy (seed 002 eq. 1, seed 004 eq. 1).

    Args:
        class_weights: None or one weight per class (e.g. ``class_weights_from_labels``).
        from_logits: whether ``y_pred`` holds logits instead of softmax probabilities.
        label_smoothing: e in [0, 1): the target becomes ``(1 - e) * onehot + e / C``.
        name: loss name.

    Shapes:
        ``y_true`` int [B] (or [B, 1]); ``y_pred`` [B, C]; ``sample_weight`` [B].
    """

    def __init__(
        self,
        class_weights: Sequence[float] | None = None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        name: str = "weighted_cross_entropy",
    ):
        smoothing = {"label_smoothing": float(label_smoothing)} if label_smoothing else {}
        super().__init__(  # without smoothing the config is what it was before the option
            weighted_crossentropy_loss,
            name=name,
            class_weights=float_list(class_weights),
            from_logits=bool(from_logits),
            **smoothing,
        )
