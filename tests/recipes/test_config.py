"""Configs: paper defaults per recipe, typed ``key=value`` overrides, YAML files, clear errors."""

from __future__ import annotations

import pytest

from affectkeras.recipes import get_recipe, list_recipes
from affectkeras.recipes.engine.config import TrainConfig, load_config, resolve_config, save_config


def test_every_recipe_lists_a_summary_and_builds_its_config():
    recipes = list_recipes()
    assert {"single_task", "sjmt"} <= set(recipes)
    for name, summary in recipes.items():
        assert summary and "\n" not in summary
        assert get_recipe(name).config().recipe == name


def test_single_task_defaults_are_seed_001s_single_task_models():
    config = get_recipe("single_task").config()
    assert (config.backbone, config.image_size, config.head) == ("resnet50", 112, "linear")
    assert (config.optimizer, config.learning_rate, config.batch_size) == ("adam", 5e-5, 64)
    assert (config.expr_loss, config.au_loss, config.au_focal_gamma) == ("weighted_ce", "focal", 1)


def test_sjmt_defaults_are_seed_003s():
    config = get_recipe("sjmt").config()
    assert (config.batch_size, config.learning_rate, config.steps) == (128, 0.05, 80000)
    assert (config.schedule, config.decay_steps) == ("exponential", 10000)
    assert config.epochs is None  # 80,000 steps decide the length
    assert (config.augment_flip, config.augment_translate) == (False, 0.125)  # pad + crop
    assert (config.image_size, config.monitor, config.mode) == (32, "accuracy", "sjmt")
    assert config.model_selection == "final"  # its validation set (SFEW) is its test set


def test_selection_validation_and_augmentation_follow_each_paper():
    """Issue 25's items 1, 4 and 5: what selects the checkpoint, on which data, with which
    augmentation (docs/training.md, "Where a recipe departs from its paper")."""
    from affectkeras.recipes.mtl_fusion import MTLFusion

    expected = {  # recipe: (monitor, validation_datasets, flip, translate)
        "sequential_mtl": ("abaw2", ["affwild2"], False, 0.0),
        "mtl_fusion": ("abaw", ["affwild2-mtl", "affwild2"], False, 0.0),
        "single_task": ("f1", ["affwild2-mtl", "affwild2"], False, 0.0),
        "teacher_student": ("abaw2", ["affwild2"], True, 0.1),
        "temporal_stat": ("abaw2", ["affwild2"], True, 0.1),
        "sjmt": ("accuracy", [], False, 0.125),
    }
    for name, values in expected.items():
        config = get_recipe(name).config()
        found = (
            config.monitor,
            config.validation_datasets,
            config.augment_flip,
            config.augment_translate,
        )
        assert found == values, name
    # seed 001's single-task stages are selected on F1, its multi-task stage on P (abaw4 sum)
    config = MTLFusion().config()
    stages = {stage.name: stage.config.monitor for stage in MTLFusion().stages(config, None)}
    assert stages == {"mtl": "abaw", "expr": "f1", "au": "f1", "va": "f1"}
    resolved = get_recipe("sequential_mtl").config(overrides=["validation_datasets=none"])
    assert resolved.validation_datasets == []  # every dataset validates


def test_overrides_are_converted_to_the_field_types():
    config = resolve_config(
        TrainConfig,
        overrides=[
            "epochs=3",
            "learning_rate=1e-3",
            "mixed_precision=true",
            "backbone_weights=none",
            "validation_data=a:x,b:y",
            "tasks=au,expr",
            "num_classes=7",
            "validation_split=none",
            "monitor=1",
        ],
    )
    assert config.validation_split == "none" and config.monitor == "1"  # text stays text
    assert config.epochs == 3 and isinstance(config.epochs, int)
    assert config.learning_rate == 0.001 and config.mixed_precision == "float16"
    assert config.backbone_weights is None and config.validation_data == ["a:x", "b:y"]
    assert config.task_keys == ["expr", "au"]  # canonical order
    assert config.num_classes == 7


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("epoch=3", "Unknown config key 'epoch' (did you mean 'epochs'?); valid keys: recipe"),
        ("epochs=three", "epochs='three' is not a valid int"),
        ("epochs=2.5", "epochs=2.5 is not a valid int"),
        ("epochs=0", "epochs must be >= 1"),
        ("mixed_precision=maybe", "mixed_precision='maybe'; choose one of ['false', 'float16'"),
        ("distribution=mesh", "distribution='mesh'; choose one of ['none', 'mirrored'"),
        ("replicas=0", "replicas must be >= 1"),
        ("optimizer=rmsprop", "optimizer='rmsprop'; choose one of"),
        ("tasks=expr,pain", "unknown task 'pain'"),
        ("batch_size", "expected key=value"),
    ],
)
def test_bad_overrides_say_which_key_is_wrong(override, message):
    with pytest.raises(ValueError) as error:
        resolve_config(TrainConfig, overrides=[override])
    assert message in str(error.value)


def test_recipe_specific_keys_are_checked():
    with pytest.raises(ValueError, match="single_task trains one task"):
        get_recipe("single_task").config(overrides=["tasks=expr,au"])
    with pytest.raises(ValueError, match="valence/arousal is a regression"):
        get_recipe("sjmt").config(overrides=["tasks=expr,va"])
    with pytest.raises(ValueError, match="Unknown config key 'mode'"):
        get_recipe("single_task").config(overrides=["mode=sjmt"])


def test_yaml_file_then_overrides(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("epochs: 4\nbatch_size: 16\ntasks: [expr, va]\n")
    config = load_config(TrainConfig, path, overrides=["batch_size=8"])
    assert (config.epochs, config.batch_size, config.task_keys) == (4, 8, ["expr", "va"])


def test_yaml_errors_name_the_file_and_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("epochs: 4\nbatch_size: [16\n")
    with pytest.raises(ValueError, match=r"broken.yaml:3: not valid YAML"):
        load_config(TrainConfig, broken)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("epochs: 4\nlearning_rat: 0.1\n")
    with pytest.raises(ValueError, match=r"'learning_rat' \(did you mean 'learning_rate'\?\).*"):
        load_config(TrainConfig, unknown)
    with pytest.raises(ValueError, match="no such config file"):
        load_config(TrainConfig, tmp_path / "absent.yaml")


def test_a_saved_config_loads_back_equal_for_its_recipe_only(tmp_path):
    recipe = get_recipe("sjmt")
    config = recipe.config(overrides=["mode=alternating", "steps=50", "data=csv:a.csv,csv:b.csv"])
    save_config(config, tmp_path / "config.yaml")
    assert recipe.config(tmp_path / "config.yaml") == config
    single = tmp_path / "single.yaml"
    save_config(get_recipe("single_task").config(), single)
    with pytest.raises(ValueError, match="the config is for recipe 'single_task', not 'sjmt'"):
        recipe.config(single)
