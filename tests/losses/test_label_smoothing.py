"""Label smoothing of the expression cross-entropy, against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras.losses import WeightedCrossEntropy

pytestmark = pytest.mark.jax  # the loss runs in keras.ops


def numpy_smoothed_ce(y, p, eps, class_weights=None, sample_weight=None):
    labelled = y >= 0
    classes = p.shape[-1]
    target = np.eye(classes)[np.where(labelled, y, 0)] * (1 - eps) + eps / classes
    values = -(target * np.log(p)).sum(axis=-1)
    if class_weights is not None:
        values = values * np.asarray(class_weights)[np.where(labelled, y, 0)]
    if sample_weight is not None:
        values = values * sample_weight
    return values[labelled].sum() / labelled.sum()


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_smoothed_cross_entropy_equals_numpy(eps):
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(7), 12).astype("float32")
    y = rng.integers(-1, 7, 12)
    weights = rng.uniform(0.5, 3.0, 7)
    sample = rng.uniform(0.2, 1.0, 12).astype("float32")
    loss = WeightedCrossEntropy(class_weights=list(weights), label_smoothing=eps)
    got = float(loss(y, p, sample_weight=sample))
    assert got == pytest.approx(numpy_smoothed_ce(y, p, eps, weights, sample), rel=1e-5)


def test_smoothing_is_kept_by_the_config_and_left_out_when_zero():
    assert "label_smoothing" not in WeightedCrossEntropy().get_config()
    config = WeightedCrossEntropy(label_smoothing=0.1).get_config()
    assert config["label_smoothing"] == 0.1
    assert WeightedCrossEntropy.from_config(config).get_config() == config


def test_smoothing_is_refused_out_of_range_and_for_the_focal_loss():
    p = np.full((1, 7), 1 / 7, "float32")
    with pytest.raises(ValueError, match="label_smoothing"):
        WeightedCrossEntropy(label_smoothing=1.0)(np.array([0]), p)
    from affectkeras.recipes import get_recipe

    with pytest.raises(ValueError, match="label_smoothing"):
        get_recipe("single_task").config(overrides=["expr_loss=focal", "label_smoothing=0.1"])
