"""Seed 003's Table 4 scores against sklearn: plain and per-class (balanced) accuracy."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from affectkeras import labels
from affectkeras.metrics import compound_scores, compound_targets


def test_compound_scores_match_sklearn():
    rng = np.random.default_rng(0)
    true = rng.integers(-1, 8, 200)
    scores = rng.random((200, 8))
    result = compound_scores(true, scores)
    kept = true >= 0
    predicted = scores.argmax(1)[kept]
    assert result["n_compound"] == kept.sum()
    assert result["compound_acc"] == pytest.approx(accuracy_score(true[kept], predicted))
    assert result["compound_mean_class_acc"] == pytest.approx(
        balanced_accuracy_score(true[kept], predicted)
    )


def test_unlabelled_data_gives_no_compound_keys_and_shapes_are_checked():
    assert compound_scores(np.full(3, -1), np.zeros(3)) == {}
    with pytest.raises(ValueError, match="shape"):
        compound_scores(np.zeros(3), np.zeros(4))


def test_compound_targets_read_native_labels():
    native = ["Sadly_Disgusted", "happy", " angrily_surprised "]
    expected = [labels.COMPOUND_EMOTIONS.index("sadly_disgusted"), -1, 1]
    assert compound_targets(native).tolist() == expected
