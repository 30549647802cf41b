"""Seed 002's distillation term when the teacher runs inside the training graph (eq. 4-6, 8-10).

The student of Vu et al. learns from a *frozen* teacher's outputs on the same (augmented) input.
Computing those in the graph keeps ``model.fit`` unchanged on every backend: the training model
outputs the teacher's and the student's probabilities side by side, concatenated on the last
axis (``[..., 2K]`` = teacher ``[..., :K]`` then student ``[..., K:]``), and this loss takes the
KL of :func:`~affectkeras.losses.distillation.distillation_kl` between the two halves:

    H = KL(SF(t, T), SF(s, T))                              (eq. 4; eq. 5 sums valence, arousal)

``y_true`` is ignored (a placeholder the pipelines feed); which samples take the term, and with
which weight (``1 - lambda`` of eq. 8, or 1 for a task without a usable label, eq. 9-10), is the
per-sample ``sample_weight``; the value is averaged over the samples with a non-zero weight. The
teacher half never receives a gradient.

``event_ndim`` says how many trailing axes make one distribution group: 1 for the expression
softmax ``[..., C]``, 2 for the VA bins ``[..., 2, bins]``; all axes before them are sample axes
(so the GRU's per-frame outputs ``[B, T, ...]`` with weights ``[B, T]`` work).

Example:
    >>> import numpy as np
    >>> teacher = np.array([[0.7, 0.2, 0.1]], "float32")
    >>> student = np.array([[0.2, 0.5, 0.3]], "float32")
    >>> pair = np.concatenate([teacher, student], axis=-1)
    >>> value = float(PairedDistillationKL(temperature=1.0)(np.zeros(1), pair))
    >>> round(value, 5) == round(float(np.sum(teacher * np.log(teacher / student))), 5)
    True
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras.losses.base import MaskedLossWrapper, positive
from affectkeras.losses.distillation import distillation_kl
from affectkeras.losses.masking import flatten_sample_weight, flatten_samples, labelled_mean


def split_pair(pair):
    """``[..., 2K]`` -> (teacher ``[..., K]``, student ``[..., K]``)."""
    width = pair.shape[-1]
    if width is None or width % 2:
        raise ValueError(
            f"A teacher/student pair concatenates two equal halves on the last axis; got shape "
            f"{tuple(pair.shape)}"
        )
    half = width // 2
    return pair[..., :half], pair[..., half:]


def paired_distillation_kl_loss(
    y_true,
    y_pred,
    sample_weight=None,
    temperature: float = 1.5,
    event_ndim: int = 1,
    scale_by_temperature_squared: bool = False,
):
    """Seed 002 eq. 4-6 on a paired output: KL from its teacher half to its student half.

    Args:
        y_true: ignored.
        y_pred: float [*S, *E] teacher then student probabilities concatenated on the last axis,
            E the last ``event_ndim`` axes (``[2C]`` or ``[2, 2 bins]``).
        sample_weight: float over the sample axes S (0 = not distilled), or None.
        temperature: T.
        event_ndim: trailing axes of one distribution group (1 or 2).
        scale_by_temperature_squared: multiply by T^2 (Hinton et al.; the paper does not).

    Returns:
        A float32 scalar, the mean over the samples with a non-zero weight; the teacher half
        gets no gradient.
    """
    del y_true  # the pipelines feed a placeholder
    teacher, student = split_pair(y_pred)
    teacher = ops.stop_gradient(teacher)
    weight = flatten_sample_weight(sample_weight, student, event_ndim)
    teacher = flatten_samples(teacher, event_ndim)
    student = flatten_samples(student, event_ndim)
    kl = distillation_kl(teacher, student, temperature)
    value = labelled_mean(kl, ops.ones_like(kl, dtype="bool"), weight)
    if scale_by_temperature_squared:
        value = value * temperature**2
    return value


@keras.saving.register_keras_serializable(package="affectkeras")
class PairedDistillationKL(MaskedLossWrapper):
    """KL from the teacher half to the student half of a paired output (see the module doc).

    :func:`paired_distillation_kl_loss`.

    Args:
        temperature: T of the tempered softmax (1.5 in the authors' code).
        event_ndim: trailing axes of one distribution group (1: ``[C]``; 2: ``[2, bins]``).
        scale_by_temperature_squared: multiply by T^2 (Hinton et al.; the paper does not).
        name: loss name.

    Shapes:
        ``y_pred`` [..., 2K] (teacher then student probabilities); ``sample_weight`` over the
        sample axes ([B] or [B, T]); ``y_true`` ignored.
    """

    def __init__(
        self,
        temperature: float = 1.5,
        event_ndim: int = 1,
        scale_by_temperature_squared: bool = False,
        name: str = "paired_distillation_kl",
    ):
        super().__init__(
            paired_distillation_kl_loss,
            name=name,
            temperature=positive(temperature, "temperature"),
            event_ndim=_check_event_ndim(event_ndim),
            scale_by_temperature_squared=bool(scale_by_temperature_squared),
        )


def _check_event_ndim(event_ndim: int) -> int:
    if int(event_ndim) not in (1, 2):
        raise ValueError(f"event_ndim must be 1 or 2, got {event_ndim}")
    return int(event_ndim)
