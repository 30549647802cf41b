"""The scores of fit, metrics.json and evaluate: one function, checked against sklearn/numpy."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from affectkeras.data.table import make_table
from affectkeras.evaluation.scoring import canonical_truth, score_outputs
from affectkeras.metrics import abaw_scores
from affectkeras.recipes.engine.monitor import monitored_score


def random_table(n=40, seed=0):
    rng = np.random.default_rng(seed)
    columns = {
        "path": [f"{i}.jpg" for i in range(n)],
        "split": "validation",
        "expression": rng.integers(-1, 8, n),
        "valence": np.where(rng.random(n) < 0.2, -5, rng.uniform(-1, 1, n)),
        "arousal": rng.uniform(-1, 1, n),
        "label_native": rng.choice(["happily_surprised", "sadly_angry", "happy"], n),
    }
    for au in ("AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24"):
        columns[au] = rng.integers(-1, 2, n)
    columns["AU25"] = rng.integers(0, 2, n)
    columns["AU26"] = rng.integers(0, 2, n)
    return make_table(columns, "affwild2")


def test_score_outputs_is_abaw_scores_on_the_scored_rows():
    table = random_table()
    rng = np.random.default_rng(1)
    rows = np.array([3, 1, 4, 15, 9, 2, 6, 5, 35, 8])  # a subset, in another order
    outputs = {
        "expression": rng.dirichlet(np.ones(8), len(rows)),
        "action_units": rng.random((len(rows), 12)),
        "valence_arousal": rng.uniform(-1, 1, (len(rows), 2)),
        "joint": rng.random((len(rows), 5)),  # extras are ignored
    }
    truth = canonical_truth(table, num_classes=8)
    scores = score_outputs(truth, outputs, rows, num_classes=8)
    expected = abaw_scores(
        expression_true=table.expression.to_numpy()[rows],
        expression_pred=outputs["expression"],
        au_true=truth["action_units"][rows],
        au_pred=outputs["action_units"],
        va_true=truth["valence_arousal"][rows],
        va_pred=outputs["valence_arousal"],
        num_classes=8,
    )
    assert {k: v for k, v in scores.items() if not k.startswith("compound")} == expected
    labelled = table.expression.to_numpy()[rows] >= 0
    predicted = outputs["expression"].argmax(1)[labelled]
    true = table.expression.to_numpy()[rows][labelled]
    assert scores["expr_f1"] == pytest.approx(
        f1_score(true, predicted, average="macro", labels=range(8), zero_division=0)
    )
    assert scores["expr_acc"] == pytest.approx(accuracy_score(true, predicted))


def test_only_outputs_the_model_has_are_scored_and_compound_adds_table_4_keys():
    table = random_table()
    rows = np.arange(len(table))
    compound = np.zeros((len(rows), 8))
    compound[:, 5] = 1.0  # always "happily_surprised"
    scores = score_outputs(canonical_truth(table, 8), {"compound": compound}, rows, 8)
    assert set(scores) == {"compound_acc", "compound_mean_class_acc", "n_compound"}
    native = table.label_native.to_numpy()
    is_compound = native != "happy"
    assert scores["n_compound"] == is_compound.sum()
    expected = np.mean(native[is_compound] == "happily_surprised")
    assert scores["compound_acc"] == pytest.approx(expected)
    assert scores["compound_mean_class_acc"] == pytest.approx(0.5)  # one of two classes right


def test_the_monitored_score_follows_the_trained_tasks():
    scores = {
        "expr_f1": 0.4,
        "expr_acc": 0.6,
        "expr_score_abaw2": 0.466,
        "au_f1": 0.5,
        "au_acc": 0.9,
        "au_score_abaw2": 0.7,
        "va_ccc": 0.3,
    }
    assert monitored_score(scores, "abaw", ["expr"]) == 0.466  # ABAW2 expression challenge
    assert monitored_score(scores, "abaw", ["expr", "au", "va"]) == pytest.approx(1.2)  # P
    assert monitored_score(scores, "abaw", ["expr", "au"]) == pytest.approx(0.9)
    assert monitored_score(scores, "accuracy", ["expr", "au"]) == pytest.approx(0.75)
    expected = scores["expr_score_abaw2"] + scores["au_score_abaw2"]  # seed 000's two scores
    assert monitored_score(scores, "abaw2", ["expr", "au"]) == pytest.approx(expected)
    assert np.isnan(monitored_score({"expr_score_abaw2": 0.5}, "abaw2", ["expr", "au"]))
    assert monitored_score(scores, "va_ccc", ["expr"]) == 0.3
    assert np.isnan(monitored_score({}, "abaw", ["au"]))


def test_per_dataset_scores_score_each_dataset_in_its_own_space():
    from affectkeras.data.table import concat_tables
    from affectkeras.evaluation.scoring import per_dataset_scores

    rng = np.random.default_rng(3)
    eight = random_table(30, seed=4)
    seven = make_table(
        {
            "path": [f"s{i}.jpg" for i in range(20)],
            "split": "validation",
            "expression": rng.integers(0, 7, 20),
        },
        "rafdb",
    )
    table = concat_tables([eight, seven])
    table.attrs["dataset_classes"] = {"affwild2": 8, "rafdb": 7}
    rows = rng.permutation(len(table))[:40]
    outputs = {
        "expression": rng.dirichlet(np.ones(8), len(rows)),
        "valence_arousal": rng.uniform(-1, 1, (len(rows), 2)),
    }
    truth = canonical_truth(table, num_classes=8)
    per = per_dataset_scores(table, truth, outputs, rows, num_classes=8)
    assert sorted(per) == ["affwild2", "rafdb"]
    for name, classes in (("affwild2", 8), ("rafdb", 7)):
        mine = table.dataset.to_numpy()[rows] == name
        true = table.expression.to_numpy()[rows][mine]
        predicted = outputs["expression"].argmax(1)[mine]
        labelled = true >= 0
        true, predicted = true[labelled], predicted[labelled]
        assert per[name]["n_expr"] == len(true)
        assert per[name]["expr_acc"] == pytest.approx(accuracy_score(true, predicted))
        assert per[name]["expr_f1"] == pytest.approx(
            f1_score(true, predicted, average="macro", labels=range(classes), zero_division=0)
        )
    assert "va_ccc" in per["affwild2"] and "va_ccc" not in per["rafdb"]
