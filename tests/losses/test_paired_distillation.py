"""Seed 002's in-graph distillation KL against numpy (eq. 4-5), weights, steps and gradients."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras.losses import PairedDistillationKL

pytestmark = pytest.mark.jax


def _softmax(logits, temperature):
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _kl(teacher, student, temperature):
    """KL(softmax(log t / T) || softmax(log s / T)) summed over the last axis."""
    q = _softmax(np.log(teacher), temperature)
    r = _softmax(np.log(student), temperature)
    return (q * np.log(q / r)).sum(axis=-1)


def _probabilities(rng, shape):
    return _softmax(rng.normal(size=shape), 1.0).astype("float32")


def test_expression_pairs_match_the_numpy_kl_with_per_sample_weights():
    rng = np.random.default_rng(0)
    teacher, student = _probabilities(rng, (6, 7)), _probabilities(rng, (6, 7))
    weights = np.array([0.4, 1.0, 0.0, 0.4, 1.0, 0.0], "float32")
    loss = PairedDistillationKL(temperature=1.5)
    value = float(loss(np.zeros(6), np.concatenate([teacher, student], -1), weights))
    kl = _kl(teacher.astype("float64"), student.astype("float64"), 1.5)
    expected = (weights * kl).sum() / (weights != 0).sum()
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_va_bins_sum_valence_and_arousal_per_frame_of_a_sequence():
    rng = np.random.default_rng(1)
    teacher, student = _probabilities(rng, (2, 3, 2, 5)), _probabilities(rng, (2, 3, 2, 5))
    weights = np.array([[1.0, 1.0, 0.0], [0.4, 0.0, 0.0]], "float32")  # [B, T]; 0 = padding
    loss = PairedDistillationKL(temperature=2.0, event_ndim=2)
    value = float(loss(np.zeros((2, 3)), np.concatenate([teacher, student], -1), weights))
    kl = _kl(teacher.astype("float64"), student.astype("float64"), 2.0).sum(axis=-1)  # eq. 5
    expected = (weights * kl).sum() / (weights != 0).sum()
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    scaled = PairedDistillationKL(2.0, 2, scale_by_temperature_squared=True)
    pair = np.concatenate([teacher, student], -1)
    np.testing.assert_allclose(float(scaled(np.zeros(1), pair, weights)), 4 * expected, rtol=1e-5)


def test_the_teacher_half_gets_no_gradient_and_equal_halves_give_zero():
    rng = np.random.default_rng(2)
    teacher = _probabilities(rng, (4, 7))
    loss = PairedDistillationKL()
    assert abs(float(loss(np.zeros(1), np.concatenate([teacher, teacher], -1)))) < 1e-6
    student = _probabilities(rng, (4, 7))
    pair = keras.Variable(np.concatenate([teacher, student], -1))
    if keras.backend.backend() == "jax":
        import jax

        grad = np.asarray(jax.grad(lambda p: loss(np.zeros(1), p))(pair.value))
    else:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = loss(np.zeros(1), pair.value)
        grad = tape.gradient(value, pair.value).numpy()
    assert np.all(grad[:, :7] == 0) and np.any(grad[:, 7:] != 0)


def test_round_trip_and_bad_input():
    loss = PairedDistillationKL(temperature=3.0, event_ndim=2, scale_by_temperature_squared=True)
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert again.get_config() == loss.get_config()
    with pytest.raises(ValueError, match="two equal halves"):
        PairedDistillationKL()(np.zeros(1), np.zeros((2, 7), "float32"))
    with pytest.raises(ValueError, match="temperature must be positive"):
        PairedDistillationKL(temperature=0)
