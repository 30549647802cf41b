"""The OutputSpec that every head, loss, metric and writer reads."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from affectkeras import labels
from affectkeras.data.table import make_table
from affectkeras.output_spec import OutputSpec


def test_create_orders_tasks_canonically_with_their_sizes_and_activations():
    spec = OutputSpec.create("va,expr,au", num_classes=7)
    assert spec.names == ("expression", "action_units", "valence_arousal")
    assert spec.keys == ("expr", "au", "va")
    assert spec.sizes == {"expression": 7, "action_units": 12, "valence_arousal": 2}
    assert spec.activations == {
        "expression": "softmax",
        "action_units": "sigmoid",
        "valence_arousal": "tanh",
    }
    assert spec["au"].columns == labels.ACTION_UNITS and spec["va"].missing == -5.0
    assert spec.num_classes == 7 and OutputSpec.create("au").num_classes is None


def test_unknown_task_and_empty_task_list_are_errors():
    with pytest.raises(ValueError, match="'pose'"):
        OutputSpec.create("expr,pose")
    with pytest.raises(ValueError, match="No task"):
        OutputSpec.create("")
    with pytest.raises(KeyError, match="valence_arousal"):
        OutputSpec.create("expr")["valence_arousal"]


def small_table():
    return make_table(
        {
            "path": ["a", "b", "c"],
            "split": "train",
            "expression": [7, -1, 2],
            "AU1": [1, -1, 0],
            "AU12": [-1, -1, 1],
        },
        "affwild2",
    )


def test_from_table_picks_labelled_tasks_and_the_table_class_count():
    spec = OutputSpec.from_table(small_table())
    assert spec.names == ("expression", "action_units")
    assert spec.num_classes == 8  # the table holds an "other"


def test_targets_keep_sentinels_and_masks_are_per_element():
    spec = OutputSpec.from_table(small_table())
    targets = spec.targets(small_table())
    assert targets["expression"].tolist() == [7, -1, 2]
    au = targets["action_units"]
    assert au.shape == (3, 12) and au.dtype == np.float32
    mask = spec["au"].labelled(au)
    assert mask[:, 0].tolist() == [True, False, True]
    assert mask[:, 6].tolist() == [False, False, True]  # AU12
    assert spec["au"].sample_labelled(au).tolist() == [True, False, True]
    assert spec["expr"].labelled(targets["expression"]).tolist() == [True, False, True]


def test_decode_argmax_threshold_and_identity():
    spec = OutputSpec.create("expr,au,va", num_classes=7)
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(7), size=5)
    au = rng.uniform(size=(5, 12))
    va = rng.uniform(-1, 1, size=(5, 2))
    decoded = spec.decode({"expression": probs, "action_units": au, "valence_arousal": va})
    np.testing.assert_array_equal(decoded["expression"], probs.argmax(1))
    np.testing.assert_array_equal(decoded["action_units"], (au >= 0.5).astype(int))
    np.testing.assert_array_equal(decoded["valence_arousal"], va)
    with pytest.raises(ValueError, match="width 7"):
        spec["expr"].decode(np.zeros((2, 8)))


def test_joint_spec_concatenates_label_spaces_with_segments():
    spec = OutputSpec.joint([labels.EXPRESSION_7, labels.EMOTIONET_AU, labels.COMPOUND])
    (task,) = spec.tasks
    assert task.size == 7 + 11 + 8 and task.activation == "sigmoid"
    assert task.segments == {"expression7": (0, 7), "emotionet_au": (7, 18), "compound": (18, 26)}
    assert task.label_names[7] == "emotionet_au/AU1"
    outputs = np.arange(26.0)[None]
    np.testing.assert_array_equal(task.segment(outputs, "compound"), np.arange(18.0, 26.0)[None])
    with pytest.raises(ValueError, match="no label space"):
        task.segment(outputs, "au12")
    with pytest.raises(ValueError, match="listed twice"):
        OutputSpec.joint([labels.AU_12, labels.AU_12])


@pytest.mark.parametrize(
    "spec",
    [
        OutputSpec.create("expr,au,va", num_classes=8),
        OutputSpec.create("va"),
        OutputSpec.joint([labels.EXPRESSION_7, labels.AU_12]),
    ],
)
def test_config_round_trips_through_json_and_yaml(spec):
    config = spec.to_config()
    assert OutputSpec.from_config(json.loads(json.dumps(config))) == spec
    assert OutputSpec.from_config(yaml.safe_load(yaml.safe_dump(config))) == spec
