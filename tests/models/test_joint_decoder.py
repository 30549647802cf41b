"""Seed 003's joint output decoded per dataset and into the canonical spaces."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras import labels
from affectkeras.models import JointDecoder
from affectkeras.output_spec import OutputSpec

SPACES = [labels.EXPRESSION_7, labels.EMOTIONET_AU, labels.COMPOUND, labels.CKPLUS_EXPRESSION]
SPEC = OutputSpec.joint(SPACES)


def scores(seed=0, n=5):
    return np.random.default_rng(seed).uniform(0.01, 0.99, (n, SPEC["joint"].size))


def test_per_space_decisions_match_a_manual_slice():
    decoder = JointDecoder(SPEC)
    out = scores()
    decoded = decoder.per_space(out)
    np.testing.assert_array_equal(decoded["expression7"], out[:, 0:7].argmax(-1))
    np.testing.assert_array_equal(decoded["emotionet_au"], (out[:, 7:18] >= 0.5).astype(int))
    np.testing.assert_array_equal(decoded["compound"], out[:, 18:26].argmax(-1))
    np.testing.assert_array_equal(decoded["ckplus_expression"], out[:, 26:34].argmax(-1))
    assert decoder.labels_of("compound") == labels.COMPOUND_EMOTIONS


def test_canonical_expression_averages_shared_classes_and_drops_contempt():
    out = scores(1)
    canonical = JointDecoder(SPEC).canonical(out, num_classes=8)
    ck = dict(zip(labels.CKPLUS_EXPRESSION.names, range(26, 34), strict=True))
    raw = np.zeros((len(out), 8))
    for c, name in enumerate(labels.EXPRESSIONS[:7]):
        raw[:, c] = (out[:, c] + out[:, ck[name]]) / 2
    expected = raw / raw.sum(-1, keepdims=True)  # "other" scores 0: no space has it
    np.testing.assert_allclose(canonical["expression"], expected)


def test_canonical_aus_follow_the_canonical_order_with_nan_for_unpredicted():
    out = scores(2)
    aus = JointDecoder(SPEC).canonical(out)["action_units"]
    emotionet = dict(zip(labels.EMOTIONET_ACTION_UNITS, range(7, 18), strict=True))
    for index, name in enumerate(labels.ACTION_UNITS):
        if name in emotionet:
            np.testing.assert_allclose(aus[:, index], out[:, emotionet[name]])
        else:
            assert np.isnan(aus[:, index]).all(), name


def test_compound_scores_are_read_in_table_4_order():
    out = scores(3)
    np.testing.assert_allclose(JointDecoder(SPEC).canonical(out)["compound"], out[:, 18:26])


def test_a_spec_without_a_joint_task_or_bad_widths_are_errors():
    with pytest.raises(ValueError, match="needs one joint task"):
        JointDecoder(OutputSpec.create("expr"))
    with pytest.raises(ValueError, match=r"expected outputs \[N, 34\]"):
        JointDecoder(SPEC).per_space(np.zeros((2, 33)))
