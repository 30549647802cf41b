"""Targets and sample weights against the sample table they come from."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras import labels
from affectkeras.data.feeding.targets import (
    class_balance_weights,
    joint_targets,
    restrict_tasks,
    task_targets,
)
from affectkeras.data.table import concat_tables, make_table
from affectkeras.output_spec import OutputSpec
from tests.helpers.pipeline_data import random_labels


@pytest.fixture
def table():
    rng = np.random.default_rng(3)
    return make_table(
        {"path": [f"/d/{i}.jpg" for i in range(200)], "split": "train", **random_labels(rng, 200)},
        "affwild2",
    )


def test_targets_keep_sentinels_and_dtypes(table):
    y, _ = task_targets(table, OutputSpec.create("expr,au,va", num_classes=7))
    assert y["expression"].dtype == np.int32 and y["expression"].shape == (200,)
    assert y["action_units"].dtype == np.float32 and y["action_units"].shape == (200, 12)
    assert y["valence_arousal"].dtype == np.float32 and y["valence_arousal"].shape == (200, 2)
    np.testing.assert_array_equal(y["expression"], table["expression"].to_numpy())
    np.testing.assert_array_equal(y["action_units"], table[list(labels.ACTION_UNITS)].to_numpy())
    np.testing.assert_allclose(y["valence_arousal"], table[["valence", "arousal"]].to_numpy())
    assert (y["expression"] == -1).any() and (y["action_units"] == -1).any()
    assert (y["valence_arousal"] == -5).any()


def test_weights_are_zero_exactly_where_the_table_has_no_label(table):
    _, w = task_targets(table, OutputSpec.create("expr,au,va", num_classes=7))
    expression = table["expression"].to_numpy()
    au = table[list(labels.ACTION_UNITS)].to_numpy()
    va = table[["valence", "arousal"]].to_numpy()
    np.testing.assert_array_equal(w["expression"], (expression != -1).astype(np.float32))
    np.testing.assert_array_equal(w["action_units"], (au != -1).any(axis=1).astype(np.float32))
    np.testing.assert_array_equal(w["valence_arousal"], (va != -5).any(axis=1).astype(np.float32))
    # a row with some AUs missing still trains the others (the loss masks each AU)
    partial = (au == -1).any(axis=1) & (au != -1).any(axis=1)
    assert partial.any() and (w["action_units"][partial] == 1).all()


def test_balanced_weights_give_each_class_equal_total_weight(table):
    _, w = task_targets(table, OutputSpec.create("expr", num_classes=7), {"expression": "balanced"})
    expression = table["expression"].to_numpy()
    totals = [w["expression"][expression == c].sum() for c in range(7)]
    np.testing.assert_allclose(totals, np.full(7, sum(totals) / 7), rtol=1e-5)
    assert (w["expression"][expression == -1] == 0).all()
    np.testing.assert_allclose(w["expression"][expression >= 0].mean(), 1.0, rtol=1e-5)


def test_class_balance_power_zero_is_uniform():
    np.testing.assert_allclose(class_balance_weights(np.array([0, 0, 1, -1]), 2, 0.0), [1, 1, 1, 0])


def test_array_weights_multiply_the_label_mask(table):
    custom = np.linspace(0.5, 2.0, len(table)).astype(np.float32)
    _, w = task_targets(table, OutputSpec.create("au"), {"action_units": custom})
    au_labelled = (table[list(labels.ACTION_UNITS)].to_numpy() != -1).any(axis=1)
    np.testing.assert_allclose(w["action_units"], custom * au_labelled)


def test_bad_weight_arguments_name_the_task(table):
    with pytest.raises(ValueError, match="not tasks"):
        task_targets(table, OutputSpec.create("expr"), {"valence_arousal": "balanced"})
    with pytest.raises(ValueError, match="action_units"):
        task_targets(table, OutputSpec.create("au"), {"action_units": "balanced"})
    with pytest.raises(ValueError, match="shape"):
        task_targets(table, OutputSpec.create("expr"), {"expression": np.ones(3)})


def _sjmt_table():
    sfew = make_table(
        {"path": ["s0", "s1", "s2"], "split": "train", "expression": [3, -1, 6]}, "sfew"
    )
    emotionet = make_table(
        {
            "path": ["e0", "e1"],
            "split": "train",
            "AU1": [1, -1],
            "AU2": [0, 1],
            "label_native": ["happily_surprised", "neutral"],
        },
        "emotionet",
    )
    return concat_tables([sfew, emotionet])


def test_joint_targets_mark_units_outside_the_dataset_label_set_missing():
    spec = OutputSpec.joint([labels.EXPRESSION_7, labels.AU_12, labels.COMPOUND])
    spaces = {"sfew": ["expression7"], "emotionet": ["au12", "compound"]}
    table = _sjmt_table()
    y, w = task_targets(table, spec, dataset_spaces=spaces)
    target = y["joint"]
    assert target.shape == (5, 7 + 12 + 8) and target.dtype == np.float32
    task = spec["joint"]
    expr, au, compound = (task.segments[k] for k in ("expression7", "au12", "compound"))
    # SFEW rows: one-hot expression, everything else MISSING
    np.testing.assert_array_equal(target[0, slice(*expr)], np.eye(7)[3])
    assert (target[1, slice(*expr)] == -1).all()  # its expression is MISSING
    assert (target[:3, expr[1] :] == -1).all()
    # EmotioNet rows: AUs from the table (per-AU MISSING kept), compound from label_native
    assert (target[3:, slice(*expr)] == -1).all()
    np.testing.assert_array_equal(target[3, au[0] : au[0] + 2], [1, 0])
    np.testing.assert_array_equal(target[4, au[0] : au[0] + 2], [-1, 1])
    assert (target[3:, au[0] + 2 : au[1]] == -1).all()
    np.testing.assert_array_equal(
        target[3, slice(*compound)], np.eye(8)[labels.COMPOUND_EMOTIONS.index("happily_surprised")]
    )
    assert (target[4, slice(*compound)] == -1).all()  # "neutral" is not a compound emotion
    np.testing.assert_array_equal(w["joint"], [1, 0, 1, 1, 1])


def test_joint_targets_need_known_spaces_and_columns():
    spec = OutputSpec.joint([labels.EXPRESSION_7, labels.EMOTIONET_AU])
    with pytest.raises(ValueError, match="lacks"):
        joint_targets(_sjmt_table(), spec["joint"], {"sfew": ["au12"]})
    with pytest.raises(ValueError, match="AU5"):
        joint_targets(_sjmt_table(), spec["joint"], {"emotionet": ["emotionet_au"]})
    with pytest.raises(ValueError, match="dataset_spaces"):
        task_targets(_sjmt_table(), spec)


def test_restrict_tasks_zeroes_the_other_tasks():
    w = restrict_tasks({"expression": np.ones(3), "action_units": np.ones(3)}, ["action_units"])
    np.testing.assert_array_equal(w["expression"], 0)
    np.testing.assert_array_equal(w["action_units"], 1)
    with pytest.raises(ValueError, match="unknown"):
        restrict_tasks({"expression": np.ones(3)}, ["va"])
