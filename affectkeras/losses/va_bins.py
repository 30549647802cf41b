"""Seed 002's VA loss: bin classification plus ``(1/B)(1 - CCC)`` on the expected value (eq. 2).

Valence and arousal are each discretised into ``bins`` equal-width bins over [-1, 1]
(``affectkeras.va_binning.va_bin_edges``; Contract 5). The bin head outputs softmax
probabilities ``y_pred`` [B, 2, bins] (row 0 valence, row 1 arousal). For each dimension i the
paper's eq. 2 adds the cross-entropy against the one-hot bin of the target and ``(1/B)(1 - CCC)``
between the target and the expected value ``sum_b p_b c_b`` (c = bin centres):

    L = sum_i { mean_n CE(onehot(bin(y_ni)), p_ni) + (1/B) (1 - CCC(y_i, E[p_i])) }

where the mean and the CCC run over the labelled entries of dimension i (-5 = MISSING).

What B means here: eq. 2 is a per-sample loss holding a batch statistic (CCC); averaging it over
the labelled samples turns the CCC term into ``(1/B)(1 - CCC)`` with B a free divisor, which is
the ``ccc_divisor`` argument. The default ``ccc_divisor=1`` weighs the batch CE mean and
``1 - CCC`` equally, as the authors' public code does (``lambda_ccc = 1``). ``"batch"`` sets B
to the number of labelled entries of the dimension in the batch, which reproduces the paper's
batch sum (eq. 7, ``sum_n L_n = sum_n CE_n + (1 - CCC)``) divided by that number. The paper
leaves the bin count, B and T to Deng et al.; the public code uses 20 bins and T = 1.5 (see
``DistillationKL``). One difference from that code: it takes the expectation over
``linspace(-1, 1, bins)`` (bin edges including both ends), we use the bin centres so that a value,
its bin and the decoded expectation agree everywhere (``va_bin_centres``).

Example:
    >>> import numpy as np
    >>> from affectkeras.losses import VABinsLoss
    >>> y_true = np.array([[0.1, -0.5], [0.7, -5.0], [-0.4, 0.3]], "float32")
    >>> probabilities = np.full((3, 2, 20), 1 / 20, "float32")
    >>> value = float(VABinsLoss()(y_true, probabilities))
    >>> round(value, 4) == round(float(2 * np.log(20) + 2), 4)  # uniform: CE log 20, CCC 0
    True
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras import labels
from affectkeras.losses.base import MaskedLossWrapper
from affectkeras.losses.ccc import weighted_ccc
from affectkeras.losses.masking import (
    epsilon,
    flatten_sample_weight,
    flatten_targets,
    labelled_weights,
    safe_labels,
)
from affectkeras.va_binning import VA_BINS, va_bin_centres


def va_bin_index(values, bins: int = VA_BINS):
    """The bin of each value in [-1, 1], computed as ``va_binning.va_to_bin`` does (int32)."""
    values = ops.clip(ops.cast(values, "float32"), -1.0, 1.0)
    index = ops.cast(ops.floor((values + 1.0) / 2.0 * bins), "int32")
    return ops.minimum(index, bins - 1)


def va_bins_loss(y_true, y_pred, bins: int = VA_BINS, ccc_divisor=1.0, sample_weight=None):
    """Eq. 2 of seed 002 summed over valence and arousal (see the module doc).

    Args:
        y_true: float [*S, 2] continuous VA, -5 = MISSING.
        y_pred: float [*S, 2, bins] softmax probabilities.
        bins: number of bins (must equal ``y_pred.shape[-1]``).
        ccc_divisor: B, a positive number or ``"batch"``.
        sample_weight: float over the sample axes S, or None.

    Returns:
        A float32 scalar.
    """
    if tuple(y_pred.shape[-2:]) != (len(labels.VALENCE_AROUSAL), bins):
        raise ValueError(
            f"y_pred must end in (2, {bins}) (valence/arousal x bins), "
            f"got shape {tuple(y_pred.shape)}"
        )
    sample_weight = flatten_sample_weight(sample_weight, y_pred, 2)
    y_true, y_pred = flatten_targets(y_true, y_pred, 1, 2)
    y_true = ops.cast(y_true, "float32")
    labelled = ops.not_equal(y_true, labels.MISSING_VA)
    target = safe_labels(y_true, labelled)
    weights, counted = labelled_weights(labelled, sample_weight)
    counts = ops.sum(counted, axis=0)

    one_hot = ops.one_hot(va_bin_index(target, bins), bins, dtype="float32")
    log_p = ops.log(ops.clip(y_pred, epsilon(), 1.0))
    cross_entropy = -ops.sum(one_hot * log_p, axis=-1)
    ce_terms = ops.sum(weights * cross_entropy, axis=0) / ops.maximum(counts, 1.0)

    expected = ops.sum(y_pred * ops.convert_to_tensor(va_bin_centres(bins)), axis=-1)
    ccc = weighted_ccc(target, expected, weights)
    valid = ops.cast(counts >= 2.0, "float32")
    divisor = ops.maximum(counts, 1.0) if ccc_divisor == "batch" else float(ccc_divisor)
    ccc_terms = valid * (1.0 - ccc) / divisor
    return ops.sum(ce_terms + ccc_terms)


@keras.saving.register_keras_serializable(package="affectkeras")
class VABinsLoss(MaskedLossWrapper):
    """Seed 002's VA loss on the bin head (eq. 2, :func:`va_bins_loss`; B in the module doc).

    Args:
        bins: bins per dimension (default 20, the authors' code).
        ccc_divisor: the paper's B: a positive number (default 1, the authors' code) or
            ``"batch"`` (the number of labelled entries of each dimension in the batch).
        name: loss name.

    Shapes:
        ``y_true`` float [B, 2] (-5 = MISSING); ``y_pred`` [B, 2, bins] probabilities;
        ``sample_weight`` [B].
    """

    def __init__(
        self, bins: int = VA_BINS, ccc_divisor: float | str = 1.0, name: str = "va_bins_loss"
    ):
        super().__init__(
            va_bins_loss, name=name, bins=_check_bins(bins), ccc_divisor=_check_divisor(ccc_divisor)
        )


def _check_bins(bins: int) -> int:
    if int(bins) < 2:
        raise ValueError(f"VABinsLoss needs at least 2 bins, got {bins}")
    return int(bins)


def _check_divisor(ccc_divisor: float | str) -> float | str:
    if ccc_divisor == "batch":
        return ccc_divisor
    if isinstance(ccc_divisor, str) or ccc_divisor <= 0:
        raise ValueError(f"ccc_divisor must be a positive number or 'batch', got {ccc_divisor!r}")
    return float(ccc_divisor)
