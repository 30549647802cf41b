"""Every registered backbone through the shared model checks, plus parameter counts."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from affectkeras.models import backbone_entry, get_backbone, list_backbones
from affectkeras.models.backbones import (
    Backbone,
    CifarResNetBackbone,
    ResNet50Backbone,
    TinyBackbone,
)
from affectkeras.models.backbones.mini_xception import MiniXceptionBackbone
from tests.helpers.model_checks import run_model_checks

SLOW = {
    "resnet32",
    "resnet50",
    "resnet50_vggface2",
    "resnet110",
    "mini_xception",
    "mini_xception_wide",
}
"""Backbones whose model checks take 10-45 s each (mini_xception: 7 s on TF, 90 s on JAX, whose
CPU depthwise convolutions compile slowly): the slow tier. ``tiny`` is the fast tier's."""
TEST_SHAPES = {
    "tiny": (32, 32, 3),
    "resnet32": (32, 32, 3),
    "resnet110": (32, 32, 3),
    "mini_xception": (32, 32, 3),
    "mini_xception_wide": (32, 32, 3),
}
"""Small inputs keep the suite fast; ResNet50 runs at 32x32 here (112x112 in its own test)."""


def images(shape, batch=2, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (batch, *shape), dtype=np.uint8)


def backbone_cases():
    cases = []
    for name in list_backbones():
        marks = [pytest.mark.jax] + ([pytest.mark.slow] if name in SLOW else [])
        cases.append(pytest.param(name, marks=marks, id=name))
    return cases


def test_the_registry_lists_the_spec_backbones():
    assert {"tiny", "resnet32", "resnet110", "resnet50"} <= set(list_backbones())


@pytest.mark.parametrize("name", backbone_cases())
def test_backbone_passes_the_shared_model_checks(name, tmp_path):
    shape = TEST_SHAPES.get(name, (32, 32, 3))
    feature_dim = get_backbone(name, input_shape=shape).output.shape[-1]
    run_model_checks(
        lambda: get_backbone(name, input_shape=shape),
        images(shape),
        {"output": (2, feature_dim)},
        tmp_path,
    )


@pytest.mark.jax
def test_uint8_and_float_pixels_give_the_same_features():
    backbone = get_backbone("tiny", input_shape=(16, 16, 3))
    pixels = images((16, 16, 3))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(backbone(pixels)),
        keras.ops.convert_to_numpy(backbone(pixels.astype("float32"))),
        atol=1e-6,
    )


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize(  # counts only: not backend-dependent (and ~14 s per build on JAX)
    ("name", "trainable", "features"),
    [("resnet32", 463_504, 64), pytest.param("resnet110", 1_727_312, 64, marks=pytest.mark.slow)],
)
def test_cifar_resnets_have_the_papers_parameter_counts(name, trainable, features):
    # He et al. (2016) Table 6: 0.46M and 1.7M, counting a 10-way classifier (64 * 10 + 10).
    backbone = get_backbone(name)
    assert trainable_count(backbone) == trainable
    assert backbone.output.shape[-1] == features
    assert round((trainable + 650) / 1e6, 2) == {"resnet32": 0.46, "resnet110": 1.73}[name]


def test_cifar_option_b_adds_two_projection_shortcuts():  # counts only
    a = get_backbone("resnet32", shortcut="A")
    b = get_backbone("resnet32", shortcut="B")
    # 1x1 projections 16->32 and 32->64 plus their BatchNorm scale/offset.
    assert trainable_count(b) - trainable_count(a) == 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64


@pytest.mark.jax
@pytest.mark.slow
def test_resnet50_matches_keras_applications_layer_by_layer():
    ours = get_backbone("resnet50", input_shape=(112, 112, 3))
    reference = keras.applications.ResNet50(
        weights=None, include_top=False, input_shape=(112, 112, 3), pooling="avg"
    )

    def shapes(model):
        return {x.name: [tuple(w.shape) for w in x.weights] for x in model.layers if x.weights}

    assert shapes(ours) == shapes(reference)
    assert trainable_count(ours) == trainable_count(reference) == 23_534_592
    assert ours.output.shape == (None, 2048)


@pytest.mark.parametrize("name", ["mini_xception", "mini_xception_wide"])  # counts only
def test_mini_xception_has_the_parameters_of_its_modules(name):
    """Arriaga et al.'s modules counted by hand: 3x3 convs without bias + BN (4 per channel),
    then per module a 1x1/2 shortcut + BN and two separable 3x3 convs (depthwise 9 per input
    channel, pointwise in x out) + BN."""
    backbone = get_backbone(name, input_shape=(48, 48, 3))
    expected, channels = 0, 3
    for filters in backbone.stem:
        expected += 9 * channels * filters + 4 * filters
        channels = filters
    for filters in backbone.widths:
        expected += channels * filters + 4 * filters  # shortcut
        expected += 9 * channels + channels * filters + 4 * filters  # separable 1
        expected += 9 * filters + filters * filters + 4 * filters  # separable 2
        channels = filters
    assert backbone.count_params() == expected
    assert backbone.feature_dim == backbone.widths[-1]


@pytest.mark.jax
def test_backbone_default_input_shapes():
    assert backbone_entry("resnet50").default_input_shape == (112, 112, 3)
    assert backbone_entry("resnet32").default_input_shape == (32, 32, 3)


@pytest.mark.jax
def test_get_backbone_rejects_bad_requests_clearly(tmp_path):
    with pytest.raises(ValueError, match="Unknown backbone 'resnet18'"):
        get_backbone("resnet18")
    with pytest.raises(ValueError, match="input_shape must be"):
        get_backbone("tiny", input_shape=(32, 32))
    with pytest.raises(ValueError, match="no weights file"):
        get_backbone("tiny", weights=tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="depth must be 6n"):
        CifarResNetBackbone(depth=33)
    with pytest.raises(ValueError, match="unknown variant"):
        get_backbone("resnet50", variant="caffe")


@pytest.mark.jax
def test_weights_saved_from_a_backbone_load_into_a_fresh_one(tmp_path):
    first = get_backbone("tiny", input_shape=(16, 16, 3))
    path = tmp_path / "tiny.weights.h5"
    first.save_weights(path)
    second = get_backbone("tiny", input_shape=(16, 16, 3), weights=path)
    pixels = images((16, 16, 3))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(second(pixels)), keras.ops.convert_to_numpy(first(pixels))
    )


FLOAT32 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
           "registered_name": None}  # fmt: skip
CONFIGS = {  # get_config() of each registered name at ccf6fea, before the Backbone base class
    "tiny": ((16, 16, 3), TinyBackbone, {
        "name": "features", "trainable": True, "dtype": FLOAT32, "input_shape": [16, 16, 3],
        "widths": [16, 32, 64], "normalization": "unit"}),
    "resnet32": ((32, 32, 3), CifarResNetBackbone, {
        "name": "features", "trainable": True, "dtype": FLOAT32, "depth": 32,
        "input_shape": [32, 32, 3], "shortcut": "A", "normalization": "unit",
        "weight_decay": 0.0}),
    "resnet110": ((32, 32, 3), CifarResNetBackbone, {
        "name": "features", "trainable": True, "dtype": FLOAT32, "depth": 110,
        "input_shape": [32, 32, 3], "shortcut": "A", "normalization": "unit",
        "weight_decay": 0.0}),
    "resnet50": ((32, 32, 3), ResNet50Backbone, {
        "name": "features", "trainable": True, "dtype": FLOAT32,
        "input_shape": [32, 32, 3], "variant": "imagenet", "normalization": "caffe",
        "pooling": "avg"}),
    "resnet50_vggface2": ((32, 32, 3), ResNet50Backbone, {
        "name": "features", "trainable": True, "dtype": FLOAT32,
        "input_shape": [32, 32, 3], "variant": "vggface2", "normalization": "vggface2",
        "pooling": "avg"}),
    "mini_xception": ((48, 48, 3), MiniXceptionBackbone, {
        "name": "features", "trainable": True, "dtype": FLOAT32, "input_shape": [48, 48, 3],
        "stem": [8, 8], "widths": [16, 32, 64, 128], "normalization": "unit", "l2": 0.0}),
    "mini_xception_wide": ((48, 48, 3), MiniXceptionBackbone, {
        "name": "features", "trainable": True, "dtype": FLOAT32, "input_shape": [48, 48, 3],
        "stem": [16, 16], "widths": [32, 64, 128, 256], "normalization": "unit", "l2": 0.0}),
}  # fmt: skip


def as_saved(config):
    return json.dumps(config, sort_keys=True)


def test_every_builtin_backbone_has_a_config_case():
    def module(name):
        builder = backbone_entry(name).builder
        return getattr(builder, "func", builder).__module__

    builtins = [name for name in list_backbones() if module(name).startswith("affectkeras.")]
    assert sorted(CONFIGS) == builtins


@pytest.mark.parametrize(  # builds graphs only: not backend-dependent
    "name", [pytest.param(n, marks=[pytest.mark.slow] if n == "resnet110" else []) for n in CONFIGS]
)
def test_config_is_unchanged_and_round_trips(name):
    shape, cls, config = CONFIGS[name]
    backbone = backbone_entry(name).builder(input_shape=shape, name=config["name"])
    assert type(backbone) is cls and isinstance(backbone, Backbone)
    assert keras.saving.get_registered_name(cls) == f"affectkeras>{cls.__name__}"
    assert as_saved(backbone.get_config()) == as_saved(config)
    assert backbone.image_shape == shape and backbone.feature_dim == backbone.output.shape[-1]
    again = cls.from_config(backbone.get_config())
    assert type(again) is cls and as_saved(again.get_config()) == as_saved(config)


@pytest.mark.jax
def test_an_explicit_dtype_policy_is_saved_and_restored():
    backbone = TinyBackbone(input_shape=(16, 16, 3), widths=(8,), dtype="mixed_bfloat16")
    assert backbone.get_config()["dtype"]["config"]["name"] == "mixed_bfloat16"
    again = TinyBackbone.from_config(backbone.get_config())
    assert {layer.dtype_policy.name for layer in again.layers[2:-1]} == {"mixed_bfloat16"}
    assert keras.backend.standardize_dtype(again(images((16, 16, 3))).dtype) == "float32"
