"""Masked (optionally class-weighted) softmax cross-entropy for expressions (seeds 001, 002, 004).

Seed 001 (Chang et al., ABAW4) weights each expression class by ``total samples / samples of the
class`` (its L_1 = w_y * CE); :func:`class_weights_from_labels` computes those weights from the
training labels. The paper's per-sample ``w_y * CE`` is reduced over the batch in one of two ways
(``normalization``):

- ``"weights"``: ``sum w_y * CE / sum w_y`` over the labelled samples, the weighted mean of
  PyTorch's ``CrossEntropyLoss(weight=w)`` (the authors implemented in PyTorch, Sec. 3.2). The
  value stays on the scale of a plain CE (``log C`` at chance), so L_1 weighs like L_2 and L_3 in
  seed 001's sum ``L_1 + L_2 + L_3``. The recipes' default (``ce_normalization``).
- ``"labelled"``: ``sum w_y * CE / #labelled``, the printed formula averaged over the labelled
  samples. With ``w = N / N_c`` the mean weight of a sample drawn from the training data is C (8
  for seed 001), so the term is about C times a plain CE and dominates the other two. The class
  default, which losses saved before the option was added load as.

Without class weights and sample weights (or with 0/1 sample weights) the two are the same.

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
    labelled_weights,
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


NORMALIZATIONS = ("labelled", "weights")


def sample_class_weights(y_true, num_classes: int, class_weights=None):
    """``w_{y_n}`` per sample [N] (1 without class weights; the value at MISSING is arbitrary)."""
    target, _ = sparse_labels(y_true)
    if class_weights is None:
        return ops.ones(ops.shape(target), "float32")
    weights = ops.convert_to_tensor(np.asarray(class_weights, np.float32))
    return ops.sum(ops.one_hot(target, num_classes, dtype="float32") * weights, axis=-1)


def weight_normalised_mean(values, labelled, class_weight, sample_weight=None):
    """``sum s_n * values_n / sum s_n * w_{y_n}`` over the labelled samples; 0 when that sum is 0.

    ``values`` already hold ``w_{y_n} * CE_n``: this is PyTorch's weighted mean
    (``CrossEntropyLoss(weight=w, reduction="mean")``), with the sample weights ``s_n`` as
    frequency weights.
    """
    weights, _ = labelled_weights(labelled, sample_weight)
    total = ops.sum(weights * class_weight)
    return ops.where(
        total > 0.0, ops.sum(values * weights) / ops.where(total > 0.0, total, 1.0), 0.0
    )


def weighted_crossentropy_loss(
    y_true,
    y_pred,
    sample_weight=None,
    class_weights=None,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    normalization: str = "labelled",
):
    """Seed 001's L_1: ``w_y * CE`` over the labelled samples (plain CE without weights).

    ``normalization="labelled"``: ``sum_{n labelled} s_n * w_{y_n} * CE_n / #labelled`` (samples
    with ``s_n != 0``); ``"weights"``: ``sum_{n labelled} s_n * w_{y_n} * CE_n /
    sum_{n labelled} s_n * w_{y_n}`` (PyTorch's weighted mean; see the module doc). ``CE_n`` is
    ``-log p_{n, y_n}`` (smoothed with ``label_smoothing``) and ``s_n`` the sample weight; both
    give 0 for a batch without labels.

    Args:
        y_true: int [*S] (or [*S, 1]) class indices, -1 for MISSING.
        y_pred: float [*S, C] softmax probabilities (or logits with ``from_logits``).
        sample_weight: float over the sample axes S, or None.
        class_weights: None or C weights (e.g. ``class_weights_from_labels``).
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: e in [0, 1): targets ``(1 - e) * onehot + e / C``.
        normalization: ``"labelled"`` or ``"weights"`` (the denominator; see above).

    Returns:
        A float32 scalar.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization={normalization!r}; choose one of {NORMALIZATIONS}")
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
    if normalization == "weights":
        class_weight = sample_class_weights(y_true, y_pred.shape[-1], class_weights)
        return weight_normalised_mean(values, labelled, class_weight, weight)
    return labelled_mean(values, labelled, weight)


@keras.saving.register_keras_serializable(package="affectkeras")
class WeightedCrossEntropy(MaskedLossWrapper):
    """Softmax cross-entropy over sparse expression labels, MISSING (-1) masked.

    ``sum_{n labelled} s_n * w_{y_n} * (-log p_{n, y_n})`` (seed 001, L_1;
    :func:`weighted_crossentropy_loss`), with ``s_n`` the sample weight, divided by the number of
    labelled samples (``normalization="labelled"``) or by ``sum s_n * w_{y_n}`` over them
    (``"weights"``, PyTorch's weighted mean). Without ``class_weights`` it is the plain masked
    cross-entropy (seed 002 eq. 1, seed 004 eq. 1).

    Args:
        class_weights: None or one weight per class (e.g. ``class_weights_from_labels``).
        from_logits: whether ``y_pred`` holds logits instead of softmax probabilities.
        label_smoothing: e in [0, 1): the target becomes ``(1 - e) * onehot + e / C``.
        normalization: ``"labelled"`` (default; what a config without the key means) or
            ``"weights"``.
        name: loss name.

    Shapes:
        ``y_true`` int [B] (or [B, 1]); ``y_pred`` [B, C]; ``sample_weight`` [B].
    """

    def __init__(
        self,
        class_weights: Sequence[float] | None = None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        normalization: str = "labelled",
        name: str = "weighted_cross_entropy",
    ):
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization={normalization!r}; choose one of {NORMALIZATIONS}")
        smoothing = {"label_smoothing": float(label_smoothing)} if label_smoothing else {}
        super().__init__(  # without smoothing the config is what it was before the option
            weighted_crossentropy_loss,
            name=name,
            class_weights=float_list(class_weights),
            from_logits=bool(from_logits),
            normalization=str(normalization),
            **smoothing,
        )

    def get_config(self) -> dict:
        """The arguments; ``normalization`` only when not ``"labelled"`` (configs saved before the
        option have none, and load as ``"labelled"``)."""
        config = super().get_config()
        if config["normalization"] == "labelled":
            del config["normalization"]
        return config
