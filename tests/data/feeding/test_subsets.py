"""Seed 000's E/A/B sets and per-dataset label spaces."""

from __future__ import annotations

import numpy as np

from affectkeras import labels
from affectkeras.data.feeding.subsets import infer_dataset_spaces, subset_tasks, task_subsets
from affectkeras.data.table import concat_tables, make_table
from tests.helpers.pipeline_data import random_labels


def test_e_a_b_partition_the_rows_by_which_tasks_are_labelled():
    rng = np.random.default_rng(0)
    table = make_table(
        {
            "path": [str(i) for i in range(300)],
            "split": "train",
            **random_labels(rng, 300, missing=0.5),
        },
        "affwild2",
    )
    sets = task_subsets(table)
    has_expr = table["expression"].to_numpy() != -1
    has_au = (table[list(labels.ACTION_UNITS)].to_numpy() != -1).any(axis=1)
    np.testing.assert_array_equal(sets["E"], np.flatnonzero(has_expr & ~has_au))
    np.testing.assert_array_equal(sets["A"], np.flatnonzero(has_au & ~has_expr))
    np.testing.assert_array_equal(sets["B"], np.flatnonzero(has_expr & has_au))
    assert all(len(rows) > 20 for rows in sets.values())
    everything = np.concatenate(list(sets.values()))
    assert len(np.unique(everything)) == len(everything)  # disjoint


def test_seed_002_sets_use_valence_arousal():
    table = make_table(
        {
            "path": list("abc"),
            "split": "train",
            "expression": [1, -1, 2],
            "valence": [-5, 0.1, 0.2],
            "arousal": [-5, 0.3, 0.4],
        },
        "affectnet",
    )
    sets = task_subsets(table, "expr", "va")
    assert [sets[k].tolist() for k in "EAB"] == [[0], [1], [2]]
    assert subset_tasks("expr", "va") == {
        "E": ["expression"],
        "A": ["valence_arousal"],
        "B": ["expression", "valence_arousal"],
    }


def test_infer_dataset_spaces_reads_what_each_dataset_labels():
    table = concat_tables(
        [
            make_table({"path": ["a"], "split": "train", "expression": [2]}, "sfew"),
            make_table(
                {
                    "path": ["b", "c"],
                    "split": "train",
                    "AU4": [1, -1],
                    "label_native": ["sadly_angry", ""],
                },
                "emotionet",
            ),
            make_table({"path": ["d"], "split": "train"}, "unlabelled"),
        ]
    )
    spaces = infer_dataset_spaces(table, [labels.EXPRESSION_7, labels.AU_12, labels.COMPOUND])
    assert spaces == {"emotionet": ["au12", "compound"], "sfew": ["expression7"]}
