"""Focal losses: softmax focal for expressions (seed 000), binary focal for AUs (seed 001).

Seed 000 (Phan et al., ABAW2) eq. 1-2: ``p_t = p`` if ``y = 1`` else ``1 - p`` and
``FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t)``, with alpha = 2 and gamma = 0.25 "as set" in the
paper. Those are the *reverse* of Lin et al.'s usual alpha = 0.25, gamma = 2: we keep the printed
values as defaults and make both explicit parameters. For softmax outputs, ``p_t`` is the
probability of the target class, so the per-sample loss is ``-alpha_y (1 - p_y)^gamma log p_y``;
alpha may also be one value per class.

Seed 001 (Chang et al., ABAW4) weights each AU term by ``1 - p`` on positives and ``p`` on
negatives, i.e. the binary focal loss with gamma = 1:
``-[y (1 - p)^gamma log p + (1 - y) p^gamma log(1 - p)]``, optionally with Lin et al.'s alpha
(``alpha`` on positives, ``1 - alpha`` on negatives).

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import FocalCrossEntropy
    >>> y_pred = np.array([[0.75, 0.25], [0.5, 0.5]], "float32")
    >>> value = float(FocalCrossEntropy()(np.array([0, -1]), y_pred))
    >>> round(value, 5) == round(float(-2 * 0.25**0.25 * np.log(0.75)), 5)
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
    epsilon,
    flatten_sample_weight,
    flatten_targets,
    labelled_mean,
    log_sigmoid_pair,
    safe_labels,
)
from affectkeras.losses.weighted_ce import target_log_probability


def focal_crossentropy(y_true, y_pred, alpha=2.0, gamma=0.25, from_logits: bool = False):
    """Per-sample softmax focal loss ``-alpha_y (1 - p_y)^gamma log p_y`` (0 where MISSING).

    Args:
        y_true: int [N], -1 for MISSING.
        y_pred: float [N, C] probabilities (or logits).
        alpha: a scalar or one value per class.
        gamma: focusing exponent (>= 0).

    Returns:
        ``(values [N], labelled [N])``.
    """
    log_p_y, one_hot, labelled = target_log_probability(y_true, y_pred, from_logits)
    # 1 - p_y is floored at epsilon: d/dp (1 - p)^gamma is infinite at p = 1 when gamma < 1.
    modulation = ops.power(ops.maximum(1.0 - ops.exp(log_p_y), epsilon()), gamma)
    alpha = np.asarray(alpha, np.float32)
    alpha_y = ops.sum(one_hot * alpha, axis=-1) if alpha.ndim else float(alpha)
    values = -alpha_y * modulation * log_p_y
    return ops.where(labelled, values, 0.0), labelled


def binary_focal_crossentropy(
    y_true, y_pred, gamma=1.0, alpha=None, from_logits: bool = False, missing=labels.MISSING_AU
):
    """Element-wise binary focal loss (0 where MISSING) and the labelled mask, both [N, K]."""
    y_true = ops.cast(y_true, "float32")
    labelled = ops.not_equal(y_true, missing)
    target = safe_labels(y_true, labelled)
    log_p, log_not_p = log_sigmoid_pair(y_pred, from_logits)
    p = ops.clip(ops.exp(log_p), epsilon(), 1.0 - epsilon())
    positive = -target * ops.power(1.0 - p, gamma) * log_p
    negative = -(1.0 - target) * ops.power(p, gamma) * log_not_p
    if alpha is not None:
        positive, negative = alpha * positive, (1.0 - alpha) * negative
    return ops.where(labelled, positive + negative, 0.0), labelled


def focal_crossentropy_loss(
    y_true, y_pred, sample_weight=None, alpha=2.0, gamma=0.25, from_logits: bool = False
):
    """Seed 000 eq. 1-2: the softmax focal loss averaged over the labelled samples.

    ``sum_{n labelled} s_n * -alpha_y (1 - p_y)^gamma log p_y / #labelled``, with ``s_n`` the
    sample weight (0 for a batch without labels).

    Args:
        y_true: int [*S] (or [*S, 1]) class indices, -1 for MISSING.
        y_pred: float [*S, C] softmax probabilities (or logits with ``from_logits``).
        sample_weight: float over the sample axes S (or [B], broadcast), or None.
        alpha: a scalar or one value per class.
        gamma: focusing exponent (>= 0).
        from_logits: whether ``y_pred`` holds logits.

    Returns:
        A float32 scalar.
    """
    if np.ndim(alpha) and len(alpha) != y_pred.shape[-1]:
        raise ValueError(f"{len(alpha)} alpha values for predictions of width {y_pred.shape[-1]}")
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 0, 1)
    values, labelled = focal_crossentropy(y_true, y_pred, alpha, gamma, from_logits)
    return labelled_mean(values, labelled, weight)


def binary_focal_crossentropy_loss(
    y_true, y_pred, sample_weight=None, gamma=1.0, alpha=None, from_logits: bool = False
):
    """Seed 001's AU loss: the binary focal loss averaged over the labelled AU entries.

    ``sum_{n,k labelled} s_n * BFL(y_nk, p_nk) / #labelled entries`` with
    ``BFL = -[y (1 - p)^gamma log p + (1 - y) p^gamma log(1 - p)]`` (times ``alpha`` /
    ``1 - alpha`` with Lin et al.'s balancing); 0 for a batch without labelled entries.

    Args:
        y_true: float [*S, K] in {0, 1, -1}.
        y_pred: float [*S, K] sigmoid probabilities (or logits with ``from_logits``).
        sample_weight: float over the sample axes S, or None.
        gamma: focusing exponent (1: seed 001).
        alpha: None or the weight of positives.
        from_logits: whether ``y_pred`` holds logits.

    Returns:
        A float32 scalar.
    """
    weight = flatten_sample_weight(sample_weight, y_pred, 1)
    y_true, y_pred = flatten_targets(y_true, y_pred, 1, 1)
    values, labelled = binary_focal_crossentropy(y_true, y_pred, gamma, alpha, from_logits)
    return labelled_mean(values, labelled, weight)


def _check_gamma(gamma: float) -> float:
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma}")
    return float(gamma)


def _check_balance(alpha: float | None) -> float | None:
    if alpha is not None and not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be None or in [0, 1], got {alpha}")
    return None if alpha is None else float(alpha)


@keras.saving.register_keras_serializable(package="affectkeras")
class FocalCrossEntropy(MaskedLossWrapper):
    """Softmax focal loss over sparse expression labels (seed 000 eq. 1-2), MISSING masked.

    :func:`focal_crossentropy_loss`: averaged over the labelled samples of the batch (times
    their sample weights).

    Args:
        alpha: class weight alpha_t: a scalar or one value per class. Default 2.0, the paper's
            printed value (Lin et al. usually use 0.25: the paper's pair is the reverse).
        gamma: focusing exponent. Default 0.25, the paper's printed value (Lin et al.: 2).
        from_logits: whether ``y_pred`` holds logits instead of softmax probabilities.
        name: loss name.

    Shapes:
        ``y_true`` int [B]; ``y_pred`` [B, C]; ``sample_weight`` [B].
    """

    def __init__(
        self,
        alpha: float | Sequence[float] = 2.0,
        gamma: float = 0.25,
        from_logits: bool = False,
        name: str = "focal_cross_entropy",
    ):
        super().__init__(
            focal_crossentropy_loss,
            name=name,
            alpha=float(alpha) if np.ndim(alpha) == 0 else float_list(alpha),
            gamma=_check_gamma(gamma),
            from_logits=bool(from_logits),
        )


@keras.saving.register_keras_serializable(package="affectkeras")
class BinaryFocalCrossEntropy(MaskedLossWrapper):
    """Binary focal loss per AU (seed 001), averaged over the labelled AU entries.

    :func:`binary_focal_crossentropy_loss`.

    Args:
        gamma: focusing exponent; 1 (default) weights positives by ``1 - p`` and negatives by
            ``p``, as seed 001 describes.
        alpha: None (default, no balancing) or the weight of positives (negatives get
            ``1 - alpha``), as in Lin et al.
        from_logits: whether ``y_pred`` holds logits instead of sigmoid probabilities.
        name: loss name.

    Shapes:
        ``y_true`` float [B, K] in {0, 1, -1}; ``y_pred`` [B, K]; ``sample_weight`` [B].
    """

    def __init__(
        self,
        gamma: float = 1.0,
        alpha: float | None = None,
        from_logits: bool = False,
        name: str = "binary_focal_cross_entropy",
    ):
        super().__init__(
            binary_focal_crossentropy_loss,
            name=name,
            gamma=_check_gamma(gamma),
            alpha=_check_balance(alpha),
            from_logits=bool(from_logits),
        )
