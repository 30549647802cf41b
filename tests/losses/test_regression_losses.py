"""CCC, seed 002 VA-bin and distillation, and seed 004 losses against NumPy references written
here, with random MISSING (-5) elements; masked entries must get exactly zero gradient."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras.losses import (
    CCCLoss,
    CCCMSELoss,
    DistillationKL,
    VABinsLoss,
    VectorMSE,
    va_bin_index,
)
from affectkeras.va_binning import va_bin_edges, va_to_bin
from tests.helpers.gradients import value_and_gradient

pytestmark = pytest.mark.jax

RTOL = 5e-5


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def numpy_ccc(x, y):
    """Textbook CCC with population moments, float64."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    covariance = np.mean((x - x.mean()) * (y - y.mean()))
    return 2 * covariance / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)


def random_va(rng, n=40, missing_rate=0.25):
    y = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    y[rng.random((n, 2)) < missing_rate] = -5.0
    pred = np.clip(0.6 * np.where(y == -5, 0, y) + rng.normal(0, 0.3, (n, 2)), -1, 1)
    return y, pred.astype(np.float32)


def reference_ccc_terms(y, pred, sample_weight=None):
    """1 - CCC per dimension over labelled entries; integer weights repeat samples."""
    weights = np.ones(len(y), int) if sample_weight is None else sample_weight.astype(int)
    terms = []
    for d in range(2):
        rows = (y[:, d] != -5) & (weights > 0)
        if rows.sum() < 2:
            terms.append(None)
            continue
        repeat = weights[rows]
        terms.append(1 - numpy_ccc(np.repeat(y[rows, d], repeat), np.repeat(pred[rows, d], repeat)))
    return terms


# ----------------------------------------------------------------------------- CCC


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ccc_loss_matches_numpy_with_missing_and_frequency_weights(seed):
    rng = np.random.default_rng(seed)
    y, pred = random_va(rng)
    sw = rng.integers(0, 4, size=len(y)).astype(np.float32)
    for weights in (None, sw):
        terms = [t for t in reference_ccc_terms(y, pred, weights) if t is not None]
        got = float(CCCLoss()(y, pred, sample_weight=weights))
        np.testing.assert_allclose(got, np.mean(terms), rtol=RTOL)
    v, a = reference_ccc_terms(y, pred)
    got = float(CCCLoss(dimension_weights=[0.3, 0.7])(y, pred))
    np.testing.assert_allclose(got, 0.3 * v + 0.7 * a, rtol=RTOL)


def test_ccc_known_values():
    rng = np.random.default_rng(11)
    y = rng.uniform(-1, 1, size=(50, 2)).astype(np.float32)
    zero_mean = (y - y.mean(axis=0)).astype(np.float32)
    np.testing.assert_allclose(float(CCCLoss()(y, y)), 0.0, atol=1e-6)  # CCC(y, y) = 1
    np.testing.assert_allclose(float(CCCLoss()(zero_mean, -zero_mean)), 2.0, rtol=1e-6)
    shifted = float(CCCLoss()(y, y + 0.2))  # CCC(y, y + c) < 1
    assert shifted > 1e-3
    np.testing.assert_allclose(
        shifted, np.mean([1 - numpy_ccc(y[:, d], y[:, d] + 0.2) for d in range(2)]), rtol=RTOL
    )


def test_ccc_loss_is_finite_on_a_constant_batch_and_skips_single_entries():
    y = np.full((6, 2), 0.3, np.float32)
    value, gradient = value_and_gradient(lambda t: CCCLoss()(y, t), y.copy())
    assert np.isfinite(value) and np.isfinite(gradient).all()
    np.testing.assert_allclose(value, 1.0)  # CCC defined as 0 when nothing varies
    one = np.array([[0.1, -5.0], [-5.0, -5.0]], np.float32)
    assert float(CCCLoss()(one, np.zeros_like(one))) == 0.0  # < 2 labelled entries: no term


# ----------------------------------------------------------------------------- seed 002


def test_va_bin_index_agrees_with_output_spec_bins():
    values = np.concatenate(
        [va_bin_edges(20), np.random.default_rng(0).uniform(-1, 1, 500)]
    ).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(va_bin_index(values, 20)), va_to_bin(values, 20))


def reference_va_bins(y, probabilities, bins, divisor, sample_weight=None):
    edges = np.linspace(-1, 1, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    total = 0.0
    for d in range(2):
        rows = (y[:, d] != -5) & (weights > 0)
        if not rows.any():
            continue
        index = np.digitize(y[rows, d], edges[1:-1])  # independent of va_to_bin
        ce = -np.log(probabilities[rows, d, :][np.arange(rows.sum()), index])
        total += np.sum(ce * weights[rows]) / rows.sum()
        if rows.sum() >= 2:
            repeat = weights[rows].astype(int)
            expected = probabilities[rows, d, :] @ centres
            ccc = numpy_ccc(np.repeat(y[rows, d], repeat), np.repeat(expected, repeat))
            b = rows.sum() if divisor == "batch" else divisor
            total += (1 - ccc) / b
    return total


@pytest.mark.parametrize("bins,divisor", [(20, 1.0), (20, "batch"), (8, 4.0)])
def test_va_bins_loss_matches_numpy(bins, divisor):
    rng = np.random.default_rng(12)
    y, _ = random_va(rng, n=30)
    probabilities = softmax(rng.normal(size=(30, 2, bins))).astype(np.float32)
    sw = rng.integers(0, 3, size=30).astype(np.float32)
    for weights in (None, sw):
        expected = reference_va_bins(y, probabilities, bins, divisor, weights)
        got = float(VABinsLoss(bins=bins, ccc_divisor=divisor)(y, probabilities, weights))
        np.testing.assert_allclose(got, expected, rtol=RTOL)


def test_va_bins_defaults_and_shape_check():
    loss = VABinsLoss()
    assert (loss.bins, loss.ccc_divisor) == (20, 1.0)
    assert DistillationKL().temperature == 1.5
    with pytest.raises(ValueError, match=r"\(2, 20\)"):
        loss(np.zeros((3, 2), np.float32), np.full((3, 2, 10), 0.1, np.float32))
    with pytest.raises(ValueError, match="ccc_divisor"):
        VABinsLoss(ccc_divisor=0)


def reference_kl(teacher, student, temperature, from_logits, sample_weight=None):
    def tempered(x):
        logits = x if from_logits else np.log(x)
        return softmax(logits / temperature)

    q, r = tempered(teacher.astype(np.float64)), tempered(student.astype(np.float64))
    per_sample = (q * np.log(q / r)).reshape(len(q), -1).sum(axis=1)
    weights = np.ones(len(q)) if sample_weight is None else sample_weight
    return np.sum(per_sample * weights) / max(np.sum(weights != 0), 1)


@pytest.mark.parametrize("shape", [(16, 7), (16, 2, 20)])
@pytest.mark.parametrize("from_logits", [False, True])
def test_distillation_kl_matches_numpy(shape, from_logits):
    rng = np.random.default_rng(13)
    teacher_logits = rng.normal(size=shape).astype(np.float32)
    student_logits = rng.normal(size=shape).astype(np.float32)
    teacher = teacher_logits if from_logits else softmax(teacher_logits).astype(np.float32)
    student = student_logits if from_logits else softmax(student_logits).astype(np.float32)
    sw = rng.choice([0.0, 1.0, 2.0], size=shape[0]).astype(np.float32)
    for temperature in (1.0, 1.5, 4.0):
        expected = reference_kl(teacher, student, temperature, from_logits, sw)
        loss = DistillationKL(temperature, from_logits=from_logits)
        np.testing.assert_allclose(float(loss(teacher, student, sw)), expected, rtol=1e-4)
        scaled = DistillationKL(temperature, from_logits, scale_by_temperature_squared=True)
        np.testing.assert_allclose(
            float(scaled(teacher, student, sw)), expected * temperature**2, rtol=1e-4
        )


# ----------------------------------------------------------------------------- seed 004


def reference_vector_mse(y, pred, sample_weight=None):
    entries = []
    for i in range(len(y)):
        v, a = y[i]
        pv, pa = pred[i]
        if v == -5 and a == -5:
            continue
        total = 0.0
        if a != -5:
            total += (a - pa) ** 2
        if v != -5:
            total += (v - pv) ** 2
        if a != -5 and v != -5:
            m, pm = (a + v) / 2, (pa + pv) / 2
            total += (m - pm) ** 2 + ((a - m) - (pa - pm)) ** 2 + ((v - m) - (pv - pm)) ** 2
        entries.append((i, total))
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    return sum(value * weights[i] for i, value in entries) / max(
        sum(weights[i] != 0 for i, _ in entries), 1
    )


def test_vector_mse_and_eq4_total_match_numpy():
    rng = np.random.default_rng(14)
    y, pred = random_va(rng)
    sw = rng.integers(0, 3, size=len(y)).astype(np.float32)
    for weights in (None, sw):
        mse = reference_vector_mse(y, pred, weights)
        np.testing.assert_allclose(float(VectorMSE()(y, pred, weights)), mse, rtol=RTOL)
        v, a = reference_ccc_terms(y, pred, weights)
        expected = 0.4 * a + 0.4 * v + 0.2 * mse
        np.testing.assert_allclose(float(CCCMSELoss()(y, pred, weights)), expected, rtol=RTOL)


def test_vector_mse_takes_the_five_vector_branch_in_paper_order():
    rng = np.random.default_rng(15)
    y, _ = random_va(rng)
    pred5 = rng.uniform(-1, 1, size=(len(y), 5)).astype(np.float32)
    expected = []
    for (v, a), p in zip(y, pred5, strict=True):
        if v == -5 and a == -5:
            continue
        total = (a - p[0]) ** 2 if a != -5 else 0.0  # paper order: a, v, m, a - m, v - m
        total += (v - p[1]) ** 2 if v != -5 else 0.0
        if a != -5 and v != -5:
            m = (a + v) / 2
            total += (m - p[2]) ** 2 + (a - m - p[3]) ** 2 + (v - m - p[4]) ** 2
        expected.append(total)
    np.testing.assert_allclose(float(VectorMSE()(y, pred5)), np.mean(expected), rtol=RTOL)
    with pytest.raises(ValueError, match="width 5"):
        VectorMSE()(y, pred5[:, :3])


# ----------------------------------------------------------------------------- masking

BINS = 20
REGRESSION_CASES = {
    "ccc": CCCLoss(),
    "ccc_weighted": CCCLoss(dimension_weights=[0.4, 0.6]),
    "va_bins": VABinsLoss(),
    "va_bins_batch": VABinsLoss(ccc_divisor="batch"),
    "vector_mse": VectorMSE(),
    "ccc_mse": CCCMSELoss(),
}


def regression_inputs(name, rng, all_missing=False):
    y, pred = random_va(rng, n=20, missing_rate=1.0 if all_missing else 0.3)
    missing = y == -5
    if name.startswith("va_bins"):
        probabilities = softmax(rng.normal(size=(20, 2, BINS))).astype(np.float32)
        return y, probabilities, np.broadcast_to(missing[..., None], probabilities.shape)
    return y, pred, missing


@pytest.mark.parametrize("name", sorted(REGRESSION_CASES))
def test_missing_va_gets_exactly_zero_gradient(name):
    loss = REGRESSION_CASES[name]
    y, x, missing = regression_inputs(name, np.random.default_rng(15))
    value, gradient = value_and_gradient(lambda t: loss(y, t), x)
    assert np.isfinite(value) and np.isfinite(gradient).all()
    assert np.all(gradient[missing] == 0.0)
    assert np.any(gradient[~missing] != 0.0)


@pytest.mark.parametrize("name", sorted(REGRESSION_CASES))
def test_a_va_batch_without_labels_gives_zero(name):
    loss = REGRESSION_CASES[name]
    y, x, _ = regression_inputs(name, np.random.default_rng(16), all_missing=True)
    value, gradient = value_and_gradient(lambda t: loss(y, t), x)
    assert value == 0.0 and np.all(gradient == 0.0)


def test_distillation_zero_weight_samples_get_zero_gradient():
    rng = np.random.default_rng(17)
    teacher = softmax(rng.normal(size=(8, 7))).astype(np.float32)
    student = softmax(rng.normal(size=(8, 7))).astype(np.float32)
    sw = np.array([1, 0, 1, 0, 0, 1, 1, 0], np.float32)
    _, gradient = value_and_gradient(lambda t: DistillationKL()(teacher, t, sw), student)
    assert np.all(gradient[sw == 0] == 0.0) and np.any(gradient[sw == 1] != 0.0)
    value, _ = value_and_gradient(lambda t: DistillationKL()(teacher, t, np.zeros(8)), student)
    assert value == 0.0
