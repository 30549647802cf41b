"""Synthetic videos: labels derived from a smooth AU state, noisy annotations, lost faces."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras import labels
from affectkeras.data.synthetic import videos
from affectkeras.data.synthetic.videos import LabelNoise, make_video

AU_INDEX = {name: i for i, name in enumerate(labels.ACTION_UNITS)}


@pytest.fixture(scope="module")
def clips():
    return [make_video(seed=11, index=i, frames=400) for i in range(6)]


def test_make_video_is_deterministic_and_videos_are_independent():
    a, b = make_video(5, 2, 80), make_video(5, 2, 80)
    for field in ("intensities", "expression", "aus", "va", "noisy_expression", "noisy_aus"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    np.testing.assert_array_equal(a.render(7), b.render(7))
    assert a.identity != make_video(5, 3, 80).identity
    assert a.identity != make_video(6, 2, 80).identity


def test_labels_follow_the_clean_au_state(clips):
    for clip in clips:
        np.testing.assert_array_equal(clip.aus, clip.intensities >= videos.ONSET)
        assert clip.expression.min() >= 0 and clip.expression.max() < len(labels.EXPRESSIONS)
        assert np.all(np.abs(clip.va) <= 1)
        # A frame labelled with a basic expression shows that expression's prototype AUs.
        for code in range(1, 7):
            frames = clip.expression == code
            aus = [AU_INDEX[a] for a in labels.PROTOTYPE_AUS[labels.EXPRESSIONS[code]]]
            if frames.any():
                assert clip.intensities[frames][:, aus].min() >= videos.ONSET * 0.8 - 1e-6


def test_expressions_move_valence_and_arousal_along_the_circumplex(clips):
    expression = np.concatenate([c.expression for c in clips])
    va = np.concatenate([c.va for c in clips])
    happy, sad = expression == 4, expression == 5
    assert happy.any() and sad.any()
    assert va[happy, 0].mean() > 0.3 > -0.3 > va[sad, 0].mean()
    assert va[sad, 1].mean() < 0 < va[expression == 6, 1].mean()


def test_every_expression_and_au_occurs(clips):
    expression = np.concatenate([c.expression for c in clips])
    aus = np.concatenate([c.aus for c in clips])
    assert set(expression.tolist()) == set(range(8))
    assert aus.any(axis=0).all()
    assert 0.05 < aus.mean() < 0.4


def test_states_are_smooth_and_frames_jitter(clips):
    for clip in clips:
        assert np.abs(np.diff(clip.intensities, axis=0)).max() < 0.45
        assert np.abs(clip.jitter).max() > 0


def test_annotation_noise_rates(clips):
    expression = np.concatenate([c.expression for c in clips])
    noisy = np.concatenate([c.noisy_expression for c in clips])
    aus = np.concatenate([c.aus for c in clips])
    noisy_aus = np.concatenate([c.noisy_aus for c in clips])
    noise = LabelNoise()
    # A flip draws a random class, which is the clean one 1/8 of the time.
    assert abs((expression != noisy).mean() - noise.expression * 7 / 8) < 0.02
    assert abs((aus != noisy_aus).mean() - noise.action_units) < 0.01
    quiet = make_video(11, 0, 400, noise=LabelNoise(0.0, 0.0, 0.0))
    np.testing.assert_array_equal(quiet.noisy_expression, quiet.expression)
    np.testing.assert_array_equal(quiet.noisy_va, quiet.va)


def test_other_is_never_a_prototype():
    rng = np.random.default_rng(0)
    prototypes = [set(aus) for aus in labels.PROTOTYPE_AUS.values() if aus]
    for _ in range(200):
        chosen = set(videos.random_other_aus(rng))
        assert 1 <= len(chosen) <= 3
        assert not any(p <= chosen for p in prototypes)


def test_some_faces_are_lost_in_the_wild_and_none_in_the_studio():
    wild = [make_video(3, i, 200) for i in range(10)]
    assert any(not clip.detected.all() for clip in wild)
    assert make_video(3, 0, 200, wild=False).detected.all()


def test_make_video_rejects_no_frames():
    with pytest.raises(ValueError, match="frames"):
        make_video(0, 0, 0)
