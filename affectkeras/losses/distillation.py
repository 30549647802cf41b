"""Seed 002's distillation loss: KL of teacher and student softmaxes at temperature T (eq. 4-6).

``H = KL(SF(t, T), SF(s, T)) = sum_c q_c log(q_c / r_c)`` with ``q = softmax(t / T)`` (teacher)
and ``r = softmax(s / T)`` (student). For the VA bin head [B, 2, bins] the KL of valence and of
arousal are summed (eq. 5); eq. 6 is the sum of the expression and VA terms, i.e. this loss on
both outputs with equal loss weights. The paper (eq. 4) has no ``T^2`` factor; the authors' code
multiplies by ``T^2`` (Hinton et al.), available as ``scale_by_temperature_squared=True``.

Models output probabilities (Contract 4), so by default ``y_true``/``y_pred`` are softmax
probabilities and the tempered softmax is taken of their logs: ``softmax(log p / T)`` equals
``softmax(z / T)`` for ``p = softmax(z)``. With ``from_logits=True`` both are logits.

Teacher outputs have no MISSING sentinel: which samples take the distillation term (seed 002
eq. 9-10: the secondary task of a sample, or every task of the student) is chosen with
``sample_weight`` (0 = skip); the loss averages over the samples with a non-zero weight.

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import DistillationKL
    >>> p = np.array([[0.7, 0.2, 0.1]], "float32")
    >>> round(float(DistillationKL()(p, p)), 6)
    0.0
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras.losses.base import MaskedLossWrapper, positive
from affectkeras.losses.masking import flatten_sample_weight, labelled_mean, log_probabilities


def tempered_log_softmax(outputs, temperature: float, from_logits: bool = False):
    """``log softmax(z / T)`` of logits z, or of ``log p`` for probabilities p."""
    logits = outputs if from_logits else log_probabilities(outputs, from_logits=False)
    return ops.log_softmax(logits / temperature, axis=-1)


def distillation_kl(teacher, student, temperature: float = 1.5, from_logits: bool = False):
    """Per-sample KL(teacher_T || student_T), summed over every axis after the first: [N]."""
    log_q = tempered_log_softmax(teacher, temperature, from_logits)
    log_r = tempered_log_softmax(student, temperature, from_logits)
    kl = ops.sum(ops.exp(log_q) * (log_q - log_r), axis=-1)
    while len(kl.shape) > 1:
        kl = ops.sum(kl, axis=-1)
    return kl


def distillation_kl_loss(
    y_true,
    y_pred,
    sample_weight=None,
    temperature: float = 1.5,
    from_logits: bool = False,
    scale_by_temperature_squared: bool = False,
):
    """Seed 002 eq. 4-6: ``KL(SF(t, T), SF(s, T))`` averaged over the samples with a weight.

    The KL is taken over the last axis and summed over the axes between the first and the last
    (valence and arousal of the bin head, eq. 5), then averaged over the samples with a non-zero
    ``sample_weight`` (all of them without one).

    Args:
        y_true: the teacher's outputs, float [N, C] or [N, 2, bins].
        y_pred: the student's outputs, the same shape.
        sample_weight: float [N] (0 = not distilled), or None.
        temperature: T.
        from_logits: whether both inputs are logits rather than softmax probabilities.
        scale_by_temperature_squared: multiply by T^2 (the authors' code; not the paper).

    Returns:
        A float32 scalar.
    """
    if tuple(y_true.shape[1:]) != tuple(y_pred.shape[1:]):
        raise ValueError(
            f"teacher outputs {tuple(y_true.shape)} and student outputs "
            f"{tuple(y_pred.shape)} differ in shape"
        )
    teacher = ops.cast(y_true, "float32")
    weight = flatten_sample_weight(sample_weight, y_pred, len(y_pred.shape) - 1)
    kl = distillation_kl(teacher, y_pred, temperature, from_logits)
    value = labelled_mean(kl, ops.ones_like(kl, dtype="bool"), weight)
    if scale_by_temperature_squared:
        value = value * temperature**2
    return value


@keras.saving.register_keras_serializable(package="affectkeras")
class DistillationKL(MaskedLossWrapper):
    """KL divergence from the teacher's to the student's tempered softmax (seed 002 eq. 4-6).

    ``y_true`` is the teacher's output, ``y_pred`` the student's; see
    :func:`distillation_kl_loss`.

    Args:
        temperature: T (default 1.5, the authors' code).
        from_logits: whether both inputs are logits rather than softmax probabilities.
        scale_by_temperature_squared: multiply by T^2 as the authors' code does (the paper's
            equation does not; default False).
        name: loss name.

    Shapes:
        ``y_true``, ``y_pred`` [B, C] or [B, 2, bins]; ``sample_weight`` [B].
    """

    def __init__(
        self,
        temperature: float = 1.5,
        from_logits: bool = False,
        scale_by_temperature_squared: bool = False,
        name: str = "distillation_kl",
    ):
        super().__init__(
            distillation_kl_loss,
            name=name,
            temperature=positive(temperature, "temperature"),
            from_logits=bool(from_logits),
            scale_by_temperature_squared=bool(scale_by_temperature_squared),
        )
