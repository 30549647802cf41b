"""The two normalisations of the class-weighted cross-entropy (seed 001's L_1), against numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras.losses import WeightedCrossEntropy, weighted_crossentropy_loss

pytestmark = pytest.mark.jax  # the loss runs in keras.ops


def numpy_weighted_ce(y, p, normalization, class_weights=None, sample_weight=None):
    """The reference: a loop over the samples, skipping MISSING (-1) ones."""
    class_weights = np.ones(p.shape[-1]) if class_weights is None else np.asarray(class_weights)
    sample_weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
    numerator, weight_sum, counted = 0.0, 0.0, 0
    for label, probabilities, s in zip(y, p, sample_weight, strict=True):
        if label < 0:
            continue
        numerator += s * class_weights[label] * -np.log(probabilities[label])
        weight_sum += s * class_weights[label]
        counted += s != 0
    if normalization == "weights":
        return numerator / weight_sum if weight_sum > 0 else 0.0
    return numerator / max(counted, 1)


def batch(seed, size=16, classes=8):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(classes), size).astype("float32")
    y = rng.integers(-1, classes, size)
    y[:2] = [-1, 3]  # at least one MISSING and one labelled sample
    return y, p, rng.uniform(0.5, 20.0, classes), rng.uniform(0.0, 2.0, size).astype("float32")


@pytest.mark.parametrize("normalization", ["labelled", "weights"])
@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_both_normalisations_equal_numpy(normalization, with_sample_weight):
    y, p, class_weights, sample = batch(1)
    sample = sample if with_sample_weight else None
    loss = WeightedCrossEntropy(class_weights=list(class_weights), normalization=normalization)
    expected = numpy_weighted_ce(y, p, normalization, class_weights, sample)
    assert float(loss(y, p, sample_weight=sample)) == pytest.approx(expected, rel=1e-5)


def test_weights_normalisation_is_pytorchs_weighted_mean_and_keeps_the_plain_ce_scale():
    # PyTorch's CrossEntropyLoss(weight=w): sum w_y CE / sum w_y; with w = N / N_c drawn from the
    # same labels the "labelled" mean is about C times larger (exactly sum(w) / labelled here).
    y = np.array([0, 0, 0, 0, 0, 0, 1, 2])
    p = np.full((8, 3), 1 / 3, "float32")
    weights = [8 / 6, 8 / 1, 8 / 1]
    by_weights = weighted_crossentropy_loss(y, p, class_weights=weights, normalization="weights")
    by_count = weighted_crossentropy_loss(y, p, class_weights=weights, normalization="labelled")
    assert float(by_weights) == pytest.approx(np.log(3), rel=1e-6)
    assert float(by_count) == pytest.approx(3 * np.log(3), rel=1e-6)  # mean w_y = C = 3


@pytest.mark.parametrize("normalization", ["labelled", "weights"])
def test_a_batch_without_labels_gives_zero_and_zero_gradient(normalization):
    y = np.full(4, -1)
    logits = keras.Variable(np.ones((4, 8), "float32"))
    loss = WeightedCrossEntropy([2.0] * 8, from_logits=True, normalization=normalization)
    assert float(loss(y, logits)) == 0.0
    zero_weight = np.zeros(4, "float32")  # labelled but every sample weight 0
    assert float(loss(np.arange(4), logits, sample_weight=zero_weight)) == 0.0
    if keras.backend.backend() == "jax":
        import jax

        gradient = jax.grad(lambda value: loss(np.arange(4), value, zero_weight))(logits.value)
        np.testing.assert_array_equal(np.asarray(gradient), 0.0)


def test_without_class_weights_and_with_0_1_sample_weights_the_two_agree():
    y, p, _, _ = batch(2)
    mask = (np.arange(len(y)) % 3 != 0).astype("float32")
    values = [
        float(WeightedCrossEntropy(normalization=n)(y, p, sample_weight=mask))
        for n in ("labelled", "weights")
    ]
    assert values[0] == pytest.approx(values[1], rel=1e-6)


def test_the_config_round_trips_and_a_config_without_the_key_loads_as_labelled():
    loss = WeightedCrossEntropy([1.0, 2.0], normalization="weights")
    config = loss.get_config()
    assert config["normalization"] == "weights"
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert again.get_config() == config and again.normalization == "weights"
    old = {"name": "weighted_cross_entropy", "class_weights": [1.0, 2.0], "from_logits": False}
    assert WeightedCrossEntropy().get_config().keys() == old.keys()  # unchanged by the option
    assert WeightedCrossEntropy.from_config(old).normalization == "labelled"
    with pytest.raises(ValueError, match="normalization"):
        WeightedCrossEntropy(normalization="batch")
