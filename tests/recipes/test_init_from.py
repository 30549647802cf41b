"""``init_from``: a run's backbone starts from another run's, array by array, shapes checked."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras.models import build_task_model, get_backbone
from affectkeras.models.backbones.tiny import TinyBackbone
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes import get_recipe
from affectkeras.recipes.engine.init_from import initialise_backbone


def _saved_run(path, widths=(16, 32, 64), seed=1):
    """A RUN_DIR holding a tiny-backbone predictor (as any recipe saves it) at 48 px."""
    keras.utils.set_random_seed(seed)
    backbone = TinyBackbone(input_shape=(48, 48, 3), widths=widths)
    model = build_task_model(backbone, OutputSpec.create("expr", num_classes=7))
    path.mkdir(parents=True)
    model.save(path / "model.keras")
    return path, backbone


@pytest.mark.jax  # loading and assigning variables: backend-dependent
def test_init_from_copies_every_backbone_array_of_a_run(tmp_path):
    run, saved = _saved_run(tmp_path / "pretrain")
    recipe = get_recipe("single_task")
    overrides = ["backbone=tiny", "image_size=32", "tasks=expr", f"init_from={run}"]
    backbone = recipe.backbone(recipe.config(overrides=overrides))  # another image size
    assert len(backbone.weights) == len(saved.weights) > 0
    for mine, theirs in zip(backbone.weights, saved.weights, strict=True):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(mine), keras.ops.convert_to_numpy(theirs), mine.path
        )
    keras.utils.set_random_seed(2)
    fresh = recipe.backbone(recipe.config(overrides=overrides[:3]))
    kernel = keras.ops.convert_to_numpy(fresh.weights[0])
    assert not np.array_equal(kernel, keras.ops.convert_to_numpy(saved.weights[0]))


@pytest.mark.jax  # loading and assigning variables: backend-dependent
def test_a_backbone_saved_on_its_own_is_a_source_too(tmp_path):
    keras.utils.set_random_seed(3)
    saved = get_backbone("tiny", input_shape=(32, 32, 3))
    saved.save(tmp_path / "tiny.keras")
    target = initialise_backbone(get_backbone("tiny", (32, 32, 3)), tmp_path / "tiny.keras")
    for mine, theirs in zip(target.weights, saved.weights, strict=True):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(mine), keras.ops.convert_to_numpy(theirs)
        )


@pytest.mark.jax  # loading and assigning variables: backend-dependent
def test_the_first_mismatching_layer_is_named(tmp_path):
    run, _ = _saved_run(tmp_path / "narrow", widths=(8, 32, 64))
    with pytest.raises(ValueError, match=r"layer .*conv.* does not fit: .* wants \(3, 3, 3, 16\)"):
        initialise_backbone(get_backbone("tiny", (32, 32, 3)), run)


def test_bad_sources_are_clear_errors(tmp_path):
    target = get_backbone("tiny", (32, 32, 3))
    with pytest.raises(ValueError, match="no such run directory or file"):
        initialise_backbone(target, tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"model\.keras is missing"):
        initialise_backbone(target, tmp_path)
    (tmp_path / "notes.keras").write_text("not a model")
    with pytest.raises(ValueError, match="not a loadable Keras model"):
        initialise_backbone(target, tmp_path / "notes.keras")
    run, _ = _saved_run(tmp_path / "tinyrun")
    with pytest.raises(ValueError, match="holds no CifarResNetBackbone backbone"):
        initialise_backbone(get_backbone("resnet32", (32, 32, 3)), run)

    image = keras.Input((32, 32, 3), name="image")
    two = [TinyBackbone(input_shape=(32, 32, 3), name=f"tiny_{i}") for i in range(2)]
    fused = keras.Model(image, keras.layers.Average()([b(image) for b in two]))
    fused.save(tmp_path / "fused.keras")
    with pytest.raises(ValueError, match="holds 2 TinyBackbone backbones"):
        initialise_backbone(target, tmp_path / "fused.keras")


def test_init_from_and_backbone_weights_are_exclusive():
    with pytest.raises(ValueError, match="give one of them"):
        get_recipe("single_task").config(overrides=["init_from=a", "backbone_weights=b.h5"])


def test_seed_000_defaults_to_vggface2_and_says_when_it_trains_from_random(caplog):
    # not marked jax: a config default and a log line (building ResNet-50 costs 18 s on JAX)
    recipe = get_recipe("sequential_mtl")
    config = recipe.config(overrides=["image_size=32"])
    assert config.backbone == "resnet50_vggface2"  # sec. 2.2: VGGFace2 initialisation
    with caplog.at_level("WARNING", logger="affectkeras.recipes"):
        recipe.backbone(config)
    assert "RANDOM weights" in caplog.text and "backbone_weights=" in caplog.text
