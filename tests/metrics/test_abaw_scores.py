"""``abaw_scores`` on hand-computed cases, following SPEC.md's metrics.json definitions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from affectkeras.metrics import abaw_scores

# Expression: labelled true [0, 0, 1, 2], predicted [0, 1, 1, 1] (last row MISSING).
# class 0: tp 1, predicted 1, true 2 -> F1 2/3; class 1: tp 1, predicted 3, true 1 -> 1/2;
# class 2: tp 0, predicted 0, true 1 -> 0.  Macro over C = 3: 7/18.  Accuracy 2/4.
EXPR_TRUE = np.array([0, 0, 1, 2, -1])
EXPR_PROBS = np.eye(3)[[0, 1, 1, 1, 2]] * 0.8 + 0.05

# AUs (K = 3; the third never labelled): AU-a true [1, 1, 0] vs predicted [1, 0, 1] -> tp 1,
# predicted 2, true 2: F1 1/2, 1 correct; AU-b true [0, 1] vs [1, 0] -> F1 0, 0 correct.
# au_f1 = (1/2 + 0) / 2, au_acc = 1/5, n_au = 3 rows with a labelled AU.
AU_TRUE = np.array([[1, 0, -1], [1, -1, -1], [0, 1, -1], [-1, -1, -1]])
AU_PRED = np.array([[0.9, 0.6, 0.2], [0.4, 0.1, 0.7], [0.5, 0.2, 0.9], [1.0, 1.0, 1.0]])

# VA: valence rows 0-2: x [0.5, -0.5, 0], y [0.4, -0.2, 0.1]: cov 0.1, var 1/6 and 0.06, mean
# gap 0.1 -> CCC 0.2 / (1/6 + 0.06 + 0.01) (population variances; sample ones give 0.857).
# arousal rows 1-2: x [0.2, 0.4], y [0.1, 0.5]: cov 0.02, var 0.01 and 0.04 -> CCC 0.8.
VA_TRUE = np.array([[0.5, -5], [-0.5, 0.2], [0.0, 0.4], [-5, -5]])
VA_PRED = np.array([[0.4, 0.9], [-0.2, 0.1], [0.1, 0.5], [0.3, 0.3]])
VALENCE_CCC = 0.2 / (1 / 6 + 0.06 + 0.01)


def test_expression_scores_by_hand():
    scores = abaw_scores(expression_true=EXPR_TRUE, expression_pred=EXPR_PROBS)
    assert scores == pytest.approx(
        {
            "expr_f1": 7 / 18,
            "expr_acc": 0.5,
            "expr_score_abaw2": 0.67 * 7 / 18 + 0.33 * 0.5,
            "n_expr": 4,
        }
    )


def test_expression_class_count_comes_from_num_classes_then_width_then_seven():
    ints = np.argmax(EXPR_PROBS, axis=1)
    # [N] ints, no num_classes: C = 7, classes 3..6 score F1 0
    assert abaw_scores(expression_true=EXPR_TRUE, expression_pred=ints)["expr_f1"] == (
        pytest.approx((2 / 3 + 1 / 2) / 7)
    )
    assert abaw_scores(expression_true=EXPR_TRUE, expression_pred=ints, num_classes=4)[
        "expr_f1"
    ] == pytest.approx((2 / 3 + 1 / 2) / 4)
    wide = np.pad(EXPR_PROBS, ((0, 0), (0, 2)))  # width 5
    assert abaw_scores(expression_true=EXPR_TRUE, expression_pred=wide)["expr_f1"] == (
        pytest.approx((2 / 3 + 1 / 2) / 5)
    )


def test_other_predicted_on_seven_class_data_counts_as_wrong():
    probs = np.zeros((2, 8))
    probs[0, 0] = 1  # correct
    probs[1, 7] = 1  # "other", not a class of the 7-class data
    scores = abaw_scores(expression_true=[0, 1], expression_pred=probs, num_classes=7)
    assert scores["expr_acc"] == 0.5
    assert scores["expr_f1"] == pytest.approx(1 / 7)  # class 0 F1 1, all others 0


def test_action_unit_scores_by_hand():
    scores = abaw_scores(au_true=AU_TRUE, au_pred=AU_PRED)
    assert scores == pytest.approx(
        {"au_f1": 0.25, "au_acc": 0.2, "au_score_abaw2": 0.225, "n_au": 3}
    )
    binary = (AU_PRED >= 0.5).astype(int)  # 0/1 predictions give the same scores
    assert abaw_scores(au_true=AU_TRUE, au_pred=binary) == scores


def test_va_scores_by_hand_with_population_variances():
    scores = abaw_scores(va_true=VA_TRUE, va_pred=VA_PRED)
    assert scores == pytest.approx(
        {
            "va_ccc_valence": VALENCE_CCC,
            "va_ccc_arousal": 0.8,
            "va_ccc": (VALENCE_CCC + 0.8) / 2,
            "n_va": 3,
        }
    )


def test_mtl_p_only_when_all_three_tasks_are_labelled():
    everything = abaw_scores(
        expression_true=EXPR_TRUE,
        expression_pred=EXPR_PROBS,
        au_true=AU_TRUE,
        au_pred=AU_PRED,
        va_true=VA_TRUE,
        va_pred=VA_PRED,
        num_classes=3,
    )
    assert everything["mtl_p"] == pytest.approx((VALENCE_CCC + 0.8) / 2 + 7 / 18 + 0.25)
    json.dumps(everything)  # plain Python numbers

    no_au_labels = abaw_scores(
        expression_true=EXPR_TRUE,
        expression_pred=EXPR_PROBS,
        au_true=-np.ones_like(AU_TRUE),
        au_pred=AU_PRED,
        va_true=VA_TRUE,
        va_pred=VA_PRED,
    )
    assert "mtl_p" not in no_au_labels
    assert not any(key.startswith("au_") or key == "n_au" for key in no_au_labels)
    assert {"expr_f1", "va_ccc", "n_expr", "n_va"} <= set(no_au_labels)
    assert abaw_scores() == {}


def test_ccc_is_zero_when_nothing_varies_and_equal():
    scores = abaw_scores(va_true=np.full((3, 2), 0.25), va_pred=np.full((3, 2), 0.25))
    assert scores["va_ccc"] == 0.0


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="expression_pred without expression_true"):
        abaw_scores(expression_pred=EXPR_PROBS)
    with pytest.raises(ValueError, match=r"outside -1\.\.2"):
        abaw_scores(expression_true=[0, 3], expression_pred=np.eye(3)[[0, 1]])
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        abaw_scores(va_true=np.zeros((3, 2)), va_pred=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="0, 1 or -1"):
        abaw_scores(au_true=np.full((1, 12), 2), au_pred=np.zeros((1, 12)))
