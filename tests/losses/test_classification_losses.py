"""Expression, AU and SJMT losses against NumPy references written here, on random inputs with
random MISSING entries; masked entries must get exactly zero gradient."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras.losses import (
    BinaryFocalCrossEntropy,
    FocalCrossEntropy,
    MaskedBinaryCrossentropy,
    SelectiveSigmoidCrossEntropy,
    WeightedCrossEntropy,
    class_weights_from_counts,
    class_weights_from_labels,
)
from tests.helpers.gradients import value_and_gradient

pytestmark = pytest.mark.jax

RTOL = 2e-5


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def random_expression_batch(rng, n=32, classes=7, missing_rate=0.3):
    logits = rng.normal(size=(n, classes)).astype(np.float32)
    y = rng.integers(0, classes, size=n)
    y[rng.random(n) < missing_rate] = -1
    return y.astype(np.int32), logits


def random_au_batch(rng, n=24, units=12, missing_rate=0.3):
    logits = rng.normal(size=(n, units)).astype(np.float32)
    y = rng.integers(0, 2, size=(n, units)).astype(np.float32)
    y[rng.random((n, units)) < missing_rate] = -1.0
    return y, logits


def weighted_mean(values_by_entry, sample_weight):
    """sum(v * w) / #(labelled entries with w != 0): the reduction every loss documents."""
    total, count = 0.0, 0
    for sample, value in values_by_entry:
        weight = 1.0 if sample_weight is None else float(sample_weight[sample])
        total += value * weight
        count += weight != 0
    return total / max(count, 1)


# ----------------------------------------------------------------------------- references


def reference_focal(y, p, alpha, gamma, sample_weight=None):
    entries = []
    for i, label in enumerate(y):
        if label == -1:
            continue
        p_t = float(p[i, label])
        a = alpha[label] if np.ndim(alpha) else alpha
        entries.append((i, -a * (1.0 - p_t) ** gamma * np.log(p_t)))
    return weighted_mean(entries, sample_weight)


def reference_weighted_ce(y, p, class_weights, sample_weight=None):
    entries = [
        (i, -(1.0 if class_weights is None else class_weights[label]) * np.log(p[i, label]))
        for i, label in enumerate(y)
        if label != -1
    ]
    return weighted_mean(entries, sample_weight)


def reference_bce(y, p, sample_weight=None):
    entries = []
    for i in range(y.shape[0]):
        for k in range(y.shape[1]):
            if y[i, k] != -1:
                t, q = y[i, k], float(p[i, k])
                entries.append((i, -(t * np.log(q) + (1 - t) * np.log(1 - q))))
    return weighted_mean(entries, sample_weight)


def reference_binary_focal(y, p, gamma, alpha, sample_weight=None):
    entries = []
    for i in range(y.shape[0]):
        for k in range(y.shape[1]):
            q = float(p[i, k])
            if y[i, k] == 1:
                value = -((1 - q) ** gamma) * np.log(q) * (1.0 if alpha is None else alpha)
            elif y[i, k] == 0:
                value = -(q**gamma) * np.log(1 - q) * (1.0 if alpha is None else 1 - alpha)
            else:
                continue
            entries.append((i, value))
    return weighted_mean(entries, sample_weight)


def reference_selective(y, p, sample_weight=None):
    entries = []
    for i in range(y.shape[0]):
        members = [j for j in range(y.shape[1]) if y[i, j] != -1]
        if not members:
            continue
        total = sum(
            y[i, j] * np.log(p[i, j]) + (1 - y[i, j]) * np.log(1 - p[i, j]) for j in members
        )
        entries.append((i, -total / len(members)))
    return weighted_mean(entries, sample_weight)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("weighted", [False, True])
def test_focal_loss_matches_numpy(seed, weighted):
    rng = np.random.default_rng(seed)
    y, logits = random_expression_batch(rng)
    p = softmax(logits)
    sw = rng.choice([0.0, 0.5, 1.0, 2.0], size=len(y)).astype(np.float32) if weighted else None
    for alpha, gamma in [(2.0, 0.25), (0.25, 2.0), (list(rng.uniform(0.5, 2, 7)), 1.0)]:
        expected = reference_focal(y, p, alpha, gamma, sw)
        got = FocalCrossEntropy(alpha=alpha, gamma=gamma)(y, p, sample_weight=sw)
        np.testing.assert_allclose(float(got), expected, rtol=RTOL)
        got_logits = FocalCrossEntropy(alpha=alpha, gamma=gamma, from_logits=True)(y, logits, sw)
        np.testing.assert_allclose(float(got_logits), expected, rtol=1e-4)


def test_focal_defaults_are_the_papers_printed_values():
    loss = FocalCrossEntropy()
    assert (loss.alpha, loss.gamma) == (2.0, 0.25)
    assert BinaryFocalCrossEntropy().gamma == 1.0


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_cross_entropy_matches_numpy(weighted):
    rng = np.random.default_rng(3)
    y, logits = random_expression_batch(rng, classes=8)
    p = softmax(logits)
    sw = rng.choice([0.0, 1.0, 3.0], size=len(y)).astype(np.float32) if weighted else None
    weights = class_weights_from_labels(rng.integers(-1, 8, size=200), num_classes=8)
    for class_weights in (None, weights):
        expected = reference_weighted_ce(y, p, class_weights, sw)
        got = WeightedCrossEntropy(class_weights=class_weights)(y, p, sample_weight=sw)
        np.testing.assert_allclose(float(got), expected, rtol=RTOL)
        got = WeightedCrossEntropy(class_weights, from_logits=True)(y, logits, sample_weight=sw)
        np.testing.assert_allclose(float(got), expected, rtol=1e-4)


def test_class_weights_are_total_over_class_count():
    assert class_weights_from_counts([10, 30, 60]) == [10.0, 100 / 30, 100 / 60]
    labels = np.array([0, 0, 1, 2, 2, 2, -1, -1])
    assert class_weights_from_labels(labels, 4) == [3.0, 6.0, 2.0, 0.0]
    with pytest.raises(ValueError, match=r"0\.\.2"):
        class_weights_from_labels(np.array([0, 5]), 3)


@pytest.mark.parametrize("weighted", [False, True])
def test_masked_binary_crossentropy_matches_numpy(weighted):
    rng = np.random.default_rng(4)
    y, logits = random_au_batch(rng)
    p = sigmoid(logits)
    sw = rng.choice([0.0, 1.0, 2.0], size=len(y)).astype(np.float32) if weighted else None
    expected = reference_bce(y, p, sw)
    np.testing.assert_allclose(float(MaskedBinaryCrossentropy()(y, p, sw)), expected, rtol=RTOL)
    got = MaskedBinaryCrossentropy(from_logits=True)(y, logits, sw)
    np.testing.assert_allclose(float(got), expected, rtol=1e-4)


@pytest.mark.parametrize("gamma,alpha", [(1.0, None), (2.0, 0.25), (0.5, None)])
def test_binary_focal_matches_numpy(gamma, alpha):
    rng = np.random.default_rng(5)
    y, logits = random_au_batch(rng)
    p = sigmoid(logits)
    sw = rng.choice([0.0, 1.0, 2.0], size=len(y)).astype(np.float32)
    expected = reference_binary_focal(y, p, gamma, alpha, sw)
    got = BinaryFocalCrossEntropy(gamma=gamma, alpha=alpha)(y, p, sample_weight=sw)
    np.testing.assert_allclose(float(got), expected, rtol=RTOL)
    got = BinaryFocalCrossEntropy(gamma=gamma, alpha=alpha, from_logits=True)(y, logits, sw)
    np.testing.assert_allclose(float(got), expected, rtol=1e-4)


def test_binary_focal_with_gamma_one_weights_positives_by_one_minus_p():
    # seed 001: weight 1 - p on a positive, p on a negative
    p = np.array([[0.8, 0.3]], np.float32)
    y = np.array([[1.0, 0.0]], np.float32)
    expected = (-(1 - 0.8) * np.log(0.8) - 0.3 * np.log(0.7)) / 2
    np.testing.assert_allclose(float(BinaryFocalCrossEntropy()(y, p)), expected, rtol=RTOL)


def test_selective_loss_matches_numpy_with_per_sample_label_sets():
    rng = np.random.default_rng(6)
    segments = [(0, 7), (7, 19), (19, 27)]  # expression7 | au12 | compound
    n, units = 30, 27
    y = -np.ones((n, units), np.float32)
    for i in range(n):
        start, stop = segments[i % 3]
        y[i, start:stop] = rng.integers(0, 2, size=stop - start)
    y[5] = -1.0  # a sample with an empty label set
    logits = rng.normal(size=(n, units)).astype(np.float32)
    p = sigmoid(logits)
    sw = rng.choice([0.0, 1.0, 2.0], size=n).astype(np.float32)
    for weights in (None, sw):
        expected = reference_selective(y, p, weights)
        got = SelectiveSigmoidCrossEntropy()(y, p, sample_weight=weights)
        np.testing.assert_allclose(float(got), expected, rtol=RTOL)
    got = SelectiveSigmoidCrossEntropy(from_logits=True)(y, logits)
    np.testing.assert_allclose(float(got), reference_selective(y, p), rtol=1e-4)


def test_selective_loss_normalises_by_the_samples_label_set_size():
    # two samples with 1 and 3 labelled units: each counts once, with N = |L^k|
    p = np.full((2, 4), 0.5, np.float32)
    p[1, 1:] = 0.9
    y = np.array([[1, -1, -1, -1], [-1, 1, 1, 1]], np.float32)
    expected = (np.log(2) + (-np.log(0.9))) / 2
    np.testing.assert_allclose(float(SelectiveSigmoidCrossEntropy()(y, p)), expected, rtol=RTOL)


def test_temporal_leading_axes_are_samples():
    rng = np.random.default_rng(7)
    y, logits = random_expression_batch(rng, n=12)
    p = softmax(logits)
    flat = float(FocalCrossEntropy()(y, p))
    timed = float(FocalCrossEntropy()(y.reshape(3, 4), p.reshape(3, 4, 7)))
    np.testing.assert_allclose(timed, flat, rtol=1e-6)
    sw = np.array([1.0, 0.0, 2.0], np.float32)  # one weight per sequence, broadcast over time
    expected = reference_focal(y, p, 2.0, 0.25, np.repeat(sw, 4))
    got = float(FocalCrossEntropy()(y.reshape(3, 4), p.reshape(3, 4, 7), sample_weight=sw))
    np.testing.assert_allclose(got, expected, rtol=RTOL)


# ----------------------------------------------------------------------------- masking


CLASSIFICATION_CASES = {
    "focal": (FocalCrossEntropy(), "expression"),
    "focal_logits": (FocalCrossEntropy(from_logits=True), "expression_logits"),
    "weighted_ce": (WeightedCrossEntropy([1.0, 2.0, 0.5, 1.0, 1.0, 3.0, 1.0]), "expression"),
    "bce": (MaskedBinaryCrossentropy(), "au"),
    "bce_logits": (MaskedBinaryCrossentropy(from_logits=True), "au_logits"),
    "binary_focal": (BinaryFocalCrossEntropy(), "au"),
    "binary_focal_gamma_half": (BinaryFocalCrossEntropy(gamma=0.5), "au"),
    "selective": (SelectiveSigmoidCrossEntropy(), "au"),
}


def make_case(kind, rng, all_missing=False):
    if kind.startswith("expression"):
        y, logits = random_expression_batch(rng, n=16, missing_rate=1.0 if all_missing else 0.4)
        x = logits if kind.endswith("logits") else softmax(logits)
        missing_rows = y == -1
        return y, x.astype(np.float32), np.broadcast_to(missing_rows[:, None], x.shape)
    y, logits = random_au_batch(rng, n=16, missing_rate=1.0 if all_missing else 0.4)
    x = logits if kind.endswith("logits") else sigmoid(logits)
    return y, x.astype(np.float32), y == -1


@pytest.mark.parametrize("case", sorted(CLASSIFICATION_CASES))
def test_missing_targets_get_exactly_zero_gradient(case):
    loss, kind = CLASSIFICATION_CASES[case]
    y, x, missing = make_case(kind, np.random.default_rng(8))
    # saturated predictions on masked entries must not leak NaN or infinity either
    if not kind.endswith("logits"):
        x = np.where(missing, 1.0, x).astype(np.float32)
    value, gradient = value_and_gradient(lambda t: loss(y, t), x)
    assert np.isfinite(value) and np.isfinite(gradient).all()
    assert np.all(gradient[missing] == 0.0)
    assert np.any(gradient[~missing] != 0.0)


@pytest.mark.parametrize("case", sorted(CLASSIFICATION_CASES))
def test_a_batch_without_labels_gives_zero(case):
    loss, kind = CLASSIFICATION_CASES[case]
    y, x, _ = make_case(kind, np.random.default_rng(9), all_missing=True)
    value, gradient = value_and_gradient(lambda t: loss(y, t), x)
    assert value == 0.0 and np.all(gradient == 0.0)


def test_zero_sample_weight_also_masks():
    rng = np.random.default_rng(10)
    y, logits = random_au_batch(rng, missing_rate=0.0)
    p = sigmoid(logits)
    sw = np.zeros(len(y), np.float32)
    sw[:3] = 1.0
    _, gradient = value_and_gradient(lambda t: MaskedBinaryCrossentropy()(y, t, sw), p)
    assert np.all(gradient[3:] == 0.0)
    np.testing.assert_allclose(
        float(MaskedBinaryCrossentropy()(y, p, sw)), reference_bce(y[:3], p[:3]), rtol=RTOL
    )


def test_bad_arguments_are_rejected_with_what_was_received():
    with pytest.raises(ValueError, match="gamma"):
        FocalCrossEntropy(gamma=-1)
    with pytest.raises(ValueError, match="alpha"):
        BinaryFocalCrossEntropy(alpha=1.5)
    with pytest.raises(ValueError, match="3 class weights"):
        WeightedCrossEntropy([1.0, 1.0, 1.0])(np.array([0]), np.full((1, 7), 1 / 7, np.float32))
