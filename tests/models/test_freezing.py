"""Seed 004's fine-tuning: only the backbone's last stage and the heads stay trainable."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras.models import build_task_model, get_backbone
from affectkeras.models.freezing import backbone_of, freeze_all_but_last_stage
from affectkeras.output_spec import OutputSpec


def test_resnet50_keeps_conv5_trainable():  # layer names only: not backend-dependent
    model = build_task_model(
        get_backbone("resnet50", input_shape=(32, 32, 3)), OutputSpec.create("expr", 7)
    )
    names = freeze_all_but_last_stage(model)
    assert names and all(n.startswith("conv5_") for n in names)
    assert {w.path.split("/")[0] for w in backbone_of(model).trainable_weights} == set(names)


@pytest.mark.jax
@pytest.mark.parametrize(
    ("name", "last"),
    [("tiny", "stage3_"), pytest.param("resnet32", "stage3_", marks=pytest.mark.slow)],
)
def test_only_the_last_stage_and_the_heads_train(name, last):
    model = build_task_model(
        get_backbone(name, input_shape=(32, 32, 3)), OutputSpec.create("expr,va", 7)
    )
    names = freeze_all_but_last_stage(model)
    assert names and all(n.startswith(last) for n in names)
    backbone = backbone_of(model)
    trainable = {w.path for w in model.trainable_weights}
    for layer in backbone.layers:
        if layer.trainable_weights:
            assert layer.name.startswith(last), layer.name
    assert any("expression_logits" in p for p in trainable)
    assert any("valence_arousal_logits" in p for p in trainable)
    # a training step moves nothing outside the last stage and the heads
    before = {layer.name: [w.numpy() for w in layer.weights] for layer in backbone.layers}
    model.compile(
        optimizer=keras.optimizers.SGD(0.1), loss={"expression": "mse", "valence_arousal": "mse"}
    )
    x = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3)).astype("float32")
    y = {"expression": np.eye(7)[[0, 1, 2, 3]], "valence_arousal": np.zeros((4, 2))}
    model.fit(x, y, epochs=1, verbose=0)
    for layer in backbone.layers:
        if layer.name.startswith(last) or not layer.weights:
            continue
        for old, new in zip(before[layer.name], layer.weights, strict=True):
            np.testing.assert_array_equal(old, new.numpy(), err_msg=layer.name)


@pytest.mark.jax
def test_a_model_without_a_staged_backbone_is_refused():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="no nested backbone"):
        freeze_all_but_last_stage(model)
