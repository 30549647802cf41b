"""Every head style on a small backbone of each family, through the shared model checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras import labels
from affectkeras.models import (
    VA_BINS_OUTPUT,
    build_heads,
    build_task_model,
    get_backbone,
)
from affectkeras.output_spec import OutputSpec
from affectkeras.va_binning import va_bin_centres
from tests.helpers.model_checks import run_model_checks

FEATURE_DIMS = {"tiny": 64, "resnet32": 64}
"""Backbones every head is checked on: the heads only see a feature vector, so a small
backbone of each family is enough. The heavy backbones (resnet50, resnet50_vggface2,
resnet110) pass every check on their own in tests/models/test_backbones.py."""
JOINT = OutputSpec.joint([labels.EXPRESSION_7, labels.EMOTIONET_AU, labels.COMPOUND])

HEADS = {
    # name: (OutputSpec, build_task_model kwargs, expected output shapes for batch 2)
    "linear": (
        OutputSpec.create("expr,au,va", 8),
        {"head": "linear"},
        {"expression": (2, 8), "action_units": (2, 12), "valence_arousal": (2, 2)},
    ),
    "dense512": (
        OutputSpec.create("expr,au", 7),
        {"head": "dense512", "dropout": 0.2},
        {"expression": (2, 7), "action_units": (2, 12)},
    ),
    "bn_fc128": (  # seed 002's authors' head, on the VA bin head too
        OutputSpec.create("expr,au,va", 7),
        {"head": "bn_fc128", "va_bins": 20},
        {
            "expression": (2, 7),
            "action_units": (2, 12),
            VA_BINS_OUTPUT: (2, 2, 20),
            "valence_arousal": (2, 2),
        },
    ),
    "va_bins": (
        OutputSpec.create("expr,va", 7),
        {"va_bins": 20},
        {"expression": (2, 7), VA_BINS_OUTPUT: (2, 2, 20), "valence_arousal": (2, 2)},
    ),
    "sjmt_joint": (JOINT, {}, {"joint": (2, 7 + 11 + 8)}),
    "features": (
        OutputSpec.create("expr", 7),
        {"return_features": True},
        {"expression": (2, 7), "features": (2, None)},
    ),
}


def images(shape=(32, 32, 3), batch=2, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (batch, *shape), dtype=np.uint8)


def expected_for(head, feature_dim):
    return {k: tuple(feature_dim if s is None else s for s in v) for k, v in HEADS[head][2].items()}


def combinations():
    cases = []
    for backbone in FEATURE_DIMS:
        for head in HEADS:
            # tiny x every head is the fast tier (and the JAX pass); resnet32 x every head
            # repeats it on the CIFAR ResNet family at ~8 s each, in the slow tier.
            # bn_fc128's full checks take 12 s on JAX (2 s on TF): its JAX pass is the two
            # cheap bn_fc128 tests below (structure, save/load round trip).
            marks = [pytest.mark.jax] if backbone == "tiny" else [pytest.mark.slow]
            if (backbone, head) == ("tiny", "bn_fc128"):
                marks = []
            cases.append(pytest.param(backbone, head, marks=marks, id=f"{backbone}-{head}"))
    return cases


@pytest.mark.parametrize(("backbone_name", "head"), combinations())
def test_backbone_and_head_pass_the_shared_model_checks(backbone_name, head, tmp_path):
    spec, kwargs, _ = HEADS[head]

    def build():
        backbone = get_backbone(backbone_name, input_shape=(32, 32, 3))
        return build_task_model(backbone, spec, **kwargs)

    run_model_checks(build, images(), expected_for(head, FEATURE_DIMS[backbone_name]), tmp_path)


@pytest.mark.jax
def test_head_outputs_are_valid_distributions_and_ranges():
    features = np.random.default_rng(1).normal(size=(4, 16)).astype("float32")
    inputs = keras.Input((16,))
    spec = OutputSpec.create("expr,au,va", 8)
    model = keras.Model(inputs, build_heads(inputs, spec, va_bins=10))
    out = {k: keras.ops.convert_to_numpy(v) for k, v in model(features).items()}
    np.testing.assert_allclose(out["expression"].sum(-1), 1.0, atol=1e-6)
    assert ((out["action_units"] > 0) & (out["action_units"] < 1)).all()
    np.testing.assert_allclose(out[VA_BINS_OUTPUT].sum(-1), 1.0, atol=1e-6)
    # the expected value is probabilities @ centres (contract 5)
    np.testing.assert_allclose(
        out["valence_arousal"], out[VA_BINS_OUTPUT] @ va_bin_centres(10), atol=1e-6
    )
    assert (np.abs(out["valence_arousal"]) < 1).all()


@pytest.mark.jax
def test_tanh_va_head_and_dense512_shape():
    inputs = keras.Input((16,))
    model = keras.Model(inputs, build_heads(inputs, OutputSpec.create("va"), "dense512"))
    assert model.get_layer("head_dense1").units == 512
    assert model.get_layer("valence_arousal").activation.__name__ == "tanh"
    assert tuple(model.get_layer("valence_arousal").output.shape) == (None, 2)


@pytest.mark.jax
def test_sjmt_has_one_sigmoid_layer_over_the_union():
    backbone = get_backbone("tiny", input_shape=(32, 32, 3))
    model = build_task_model(backbone, JOINT)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [26]
    assert model.get_layer("joint").activation.__name__ == "sigmoid"


@pytest.mark.jax
def test_model_fit_maps_targets_by_output_name():
    backbone = get_backbone("tiny", input_shape=(16, 16, 3))
    model = build_task_model(backbone, OutputSpec.create("expr,au", 7))
    model.compile(
        optimizer="adam",
        loss={
            "expression": "sparse_categorical_crossentropy",
            "action_units": "binary_crossentropy",
        },
    )
    x = images((16, 16, 3), batch=4)
    y = {
        "action_units": np.ones((4, 12), "float32"),
        "expression": np.array([0, 1, 2, 3]),
    }
    history = model.fit(x, y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.jax
def test_unknown_head_style_is_an_error():
    with pytest.raises(ValueError, match="Unknown head style 'dense1024'"):
        build_heads(keras.Input((4,)), OutputSpec.create("expr"), "dense1024")


@pytest.mark.jax
def test_bn_fc128_is_a_bn_dense128_relu_bn_dropout_tower_per_task():
    inputs = keras.Input((16,))
    spec = OutputSpec.create("expr,va", 7)
    model = keras.Model(inputs, build_heads(inputs, spec, "bn_fc128", va_bins=20))
    expected = [
        (keras.layers.BatchNormalization, None),
        (keras.layers.Dense, 128),
        (keras.layers.Activation, "relu"),
        (keras.layers.BatchNormalization, None),
        (keras.layers.Dropout, 0.5),  # the authors' code; the paper gives no rate
        (keras.layers.Dense, None),
    ]
    for prefix, last in (("expression", "expression_logits"), ("valence_arousal", None)):
        names = [f"{prefix}_{part}" for part in ("bn0", "fc", "fc_relu", "bn1", "dropout")]
        names.append(last or f"{VA_BINS_OUTPUT}_logits")
        chain = [model.get_layer(name) for name in names]
        for layer, (kind, detail), previous in zip(
            chain, expected, [None, *chain[:-1]], strict=True
        ):
            assert isinstance(layer, kind), layer
            assert previous is None or layer.input is previous.output  # one chain per task
            if kind is keras.layers.Dense and detail:
                assert layer.units == detail
            if kind is keras.layers.Activation:
                assert layer.activation.__name__ == detail
            if kind is keras.layers.Dropout:
                assert layer.rate == detail
        assert chain[0].input is inputs  # each task's tower starts from the shared features
    assert model.get_layer(f"{VA_BINS_OUTPUT}_logits").units == 2 * 20
    other_rate = keras.Model(inputs, build_heads(inputs, spec, "bn_fc128", dropout=0.2))
    assert other_rate.get_layer("expression_dropout").rate == 0.2


@pytest.mark.jax
def test_bn_fc128_saved_predictor_loads_with_equal_outputs(tmp_path):
    from affectkeras.predictor import load_predictor

    keras.utils.set_random_seed(0)
    backbone = get_backbone("tiny", input_shape=(32, 32, 3))
    model = build_task_model(backbone, OutputSpec.create("expr,va", 7), "bn_fc128", va_bins=20)
    rng = np.random.default_rng(2)
    for layer in model.layers:  # BN statistics away from their initial 0 / 1
        if layer.name.endswith(("_bn0", "_bn1")):
            gamma, beta, mean, _ = layer.get_weights()
            layer.set_weights(
                [gamma, beta, rng.normal(size=mean.shape), rng.uniform(0.5, 2, mean.shape)]
            )
    model.save(tmp_path / "model.keras")
    loaded = load_predictor(tmp_path / "model.keras")
    x = images()
    before, after = model(x, training=False), loaded(x, training=False)
    assert set(before) == set(after)
    for name in before:
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(after[name]),
            keras.ops.convert_to_numpy(before[name]),
            atol=1e-6,
        )
