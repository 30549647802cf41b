"""Done-when of the synthetic-data issue: a small CNN learns all three tasks from the synthetic
frames and generalises to people it never saw; smoothing its outputs over a video's frames beats
reading frames one by one, scored on the noisy per-frame labels.

Margins (noisy labels, 10 held-out videos of 120 frames): expression macro-F1 >= 0.30 and at
least 2.5x the uniform-guess baseline (about 0.12); AU mean F1 at least 0.2 above the
"every AU present" baseline (about 0.2); VA CCC >= 0.35. Smoothing (a centred 9-frame moving
average of the outputs) must gain in expression F1, AU F1 and VA CCC together at least 0.03.
"""

from __future__ import annotations

import pytest

from tests.helpers.synthetic_learning import Setup, train_and_score


@pytest.fixture(scope="module")
def result():
    return train_and_score(Setup())


@pytest.mark.slow
def test_held_out_identities_are_new_people(result):
    train, held_out = result["identities"]["train"], result["identities"]["held_out"]
    assert not set(train) & set(held_out)


@pytest.mark.slow
def test_small_cnn_learns_expressions_aus_and_va_on_held_out_identities(result):
    frame, chance = result["noisy"]["frame"], result["noisy"]["chance"]
    assert result["train_seconds"] < 240, "training ran far past its ~2 minute budget"
    assert frame["expr_f1"] >= max(0.30, 2.5 * chance["expr_f1"]), (frame, chance)
    assert frame["au_f1"] >= chance["au_f1"] + 0.2, (frame, chance)
    assert frame["va_ccc"] >= 0.35, frame


@pytest.mark.slow
def test_smoothing_over_the_video_beats_single_frames(result):
    frame, smoothed = result["noisy"]["frame"], result["noisy"]["smoothed"]
    gains = {key: smoothed[key] - frame[key] for key in frame}
    assert sum(gains.values()) >= 0.03, gains
    assert min(gains.values()) > -0.005, gains
