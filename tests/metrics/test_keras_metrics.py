"""Stateful metrics accumulated over several batches against sklearn and a NumPy CCC."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from affectkeras.metrics import (
    ActionUnitABAW2Score,
    ActionUnitAccuracy,
    ActionUnitF1,
    ConcordanceCorrelation,
    ExpressionABAW2Score,
    ExpressionAccuracy,
    ExpressionF1,
    abaw_scores,
)

pytestmark = pytest.mark.jax


def numpy_ccc(x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    covariance = np.mean((x - x.mean()) * (y - y.mean()))
    return 2 * covariance / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)


def batches(n_batches, rng, make):
    return [make(rng) for _ in range(n_batches)]


def feed(metric, parts):
    metric.reset_state()
    for y_true, y_pred in parts:
        metric.update_state(y_true, y_pred)
    return float(metric.result())


@pytest.mark.parametrize("num_classes,width", [(7, 7), (8, 8), (7, 8)])
def test_expression_metrics_match_sklearn_over_batches(num_classes, width):
    rng = np.random.default_rng(num_classes * 10 + width)

    def make(rng):
        n = int(rng.integers(1, 40))
        y = rng.integers(-1, num_classes, size=n)
        # skewed predictions so that some classes are never predicted
        logits = rng.normal(size=(n, width)) + np.linspace(0, 2, width)
        return y.astype(np.int32), logits.astype(np.float32)

    parts = batches(6, rng, make)
    y = np.concatenate([p[0] for p in parts])
    pred = np.concatenate([np.argmax(p[1], axis=1) for p in parts])
    keep = y != -1
    f1 = f1_score(y[keep], pred[keep], average="macro", labels=range(num_classes), zero_division=0)
    accuracy = accuracy_score(y[keep], pred[keep])
    np.testing.assert_allclose(feed(ExpressionF1(num_classes), parts), f1, rtol=1e-6)
    np.testing.assert_allclose(feed(ExpressionAccuracy(num_classes), parts), accuracy, rtol=1e-6)
    np.testing.assert_allclose(
        feed(ExpressionABAW2Score(num_classes), parts), 0.67 * f1 + 0.33 * accuracy, rtol=1e-6
    )
    scores = abaw_scores(
        expression_true=y, expression_pred=np.concatenate([p[1] for p in parts]),
        num_classes=num_classes,
    )  # fmt: skip
    np.testing.assert_allclose([scores["expr_f1"], scores["expr_acc"]], [f1, accuracy])


def test_action_unit_metrics_match_sklearn_over_batches():
    rng = np.random.default_rng(21)

    def make(rng):
        n = int(rng.integers(1, 30))
        y = rng.integers(0, 2, size=(n, 12)).astype(np.float32)
        y[rng.random((n, 12)) < 0.3] = -1
        y[:, 11] = -1  # an AU never labelled: left out of the mean F1
        return y, rng.random((n, 12)).astype(np.float32)

    parts = batches(5, rng, make)
    y = np.concatenate([p[0] for p in parts])
    p = np.concatenate([p[1] for p in parts])
    decisions = (p >= 0.5).astype(int)
    per_au = [
        f1_score(y[y[:, k] != -1, k], decisions[y[:, k] != -1, k], zero_division=0)
        for k in range(11)
    ]
    keep = y != -1
    accuracy = accuracy_score(y[keep], decisions[keep])
    np.testing.assert_allclose(feed(ActionUnitF1(), parts), np.mean(per_au), rtol=1e-6)
    np.testing.assert_allclose(feed(ActionUnitAccuracy(), parts), accuracy, rtol=1e-6)
    np.testing.assert_allclose(
        feed(ActionUnitABAW2Score(), parts), 0.5 * np.mean(per_au) + 0.5 * accuracy, rtol=1e-6
    )
    scores = abaw_scores(au_true=y, au_pred=p)
    np.testing.assert_allclose([scores["au_f1"], scores["au_acc"]], [np.mean(per_au), accuracy])
    assert scores["n_au"] == int(keep.any(axis=1).sum())


def test_ccc_metric_matches_numpy_over_batches():
    rng = np.random.default_rng(22)

    def make(rng):
        n = int(rng.integers(1, 50))
        y = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
        pred = (0.5 * y + rng.normal(0, 0.3, size=(n, 2)) + 0.1).astype(np.float32)
        y[rng.random((n, 2)) < 0.2] = -5
        return y, pred

    parts = batches(7, rng, make)
    y = np.concatenate([p[0] for p in parts])
    p = np.concatenate([p[1] for p in parts])
    expected = [numpy_ccc(y[y[:, d] != -5, d], p[y[:, d] != -5, d]) for d in range(2)]
    np.testing.assert_allclose(feed(ConcordanceCorrelation(0), parts), expected[0], rtol=1e-5)
    np.testing.assert_allclose(feed(ConcordanceCorrelation(1), parts), expected[1], rtol=1e-5)
    np.testing.assert_allclose(feed(ConcordanceCorrelation(), parts), np.mean(expected), rtol=1e-5)


def test_ccc_metric_known_values():
    rng = np.random.default_rng(23)
    y = rng.uniform(-1, 1, size=(64, 2)).astype(np.float32)
    zero_mean = y - y.mean(axis=0)
    metric = ConcordanceCorrelation()
    assert feed(metric, [(y[:30], y[:30]), (y[30:], y[30:])]) == pytest.approx(1.0, abs=1e-6)
    assert feed(metric, [(zero_mean, -zero_mean)]) == pytest.approx(-1.0, abs=1e-6)
    shifted = feed(metric, [(y, y + 0.3)])
    assert shifted < 1.0
    expected = np.mean([numpy_ccc(y[:, d], y[:, d] + 0.3) for d in range(2)])
    assert shifted == pytest.approx(expected, rel=1e-5)


def test_ccc_accumulation_stays_accurate_far_from_zero_in_float32():
    # raw float32 sums of x^2 would cancel catastrophically at an offset of 1000
    rng = np.random.default_rng(24)
    parts = []
    for _ in range(40):
        y = (1000 + rng.normal(0, 0.5, size=(500, 2))).astype(np.float32)
        parts.append((y, (y + rng.normal(0, 0.2, size=y.shape)).astype(np.float32)))
    y = np.concatenate([p[0] for p in parts])
    p = np.concatenate([p[1] for p in parts])
    expected = numpy_ccc(y[:, 0], p[:, 0])
    assert feed(ConcordanceCorrelation(0), parts) == pytest.approx(expected, abs=1e-4)


def test_metrics_skip_zero_sample_weights_and_reset():
    y = np.array([0, 1, 1], np.int32)
    pred = np.eye(3, dtype=np.float32)[[0, 0, 1]]
    metric = ExpressionAccuracy(3)
    metric.update_state(y, pred, sample_weight=np.array([1.0, 0.0, 1.0]))
    assert float(metric.result()) == 1.0
    metric.reset_state()
    metric.update_state(y, pred)
    assert float(metric.result()) == pytest.approx(2 / 3)


def test_temporal_outputs_are_flattened():
    rng = np.random.default_rng(25)
    y = rng.integers(-1, 7, size=(4, 5)).astype(np.int32)
    pred = rng.random((4, 5, 7)).astype(np.float32)
    flat = ExpressionF1(7)
    flat.update_state(y.reshape(-1), pred.reshape(-1, 7))
    timed = ExpressionF1(7)
    timed.update_state(y, pred)
    assert float(timed.result()) == pytest.approx(float(flat.result()))
