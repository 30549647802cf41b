"""``JointToCanonical`` computes in the graph what ``JointDecoder.canonical`` computes in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras import labels
from affectkeras.models import JointDecoder
from affectkeras.models.layers import JointToCanonical
from affectkeras.output_spec import OutputSpec

pytestmark = pytest.mark.jax


@pytest.mark.parametrize(
    "spaces",
    [
        [labels.EXPRESSION_7, labels.AU_12],
        [labels.EXPRESSION_8, labels.EXPRESSION_7, labels.EMOTIONET_AU, labels.COMPOUND],
    ],
)
def test_layers_equal_the_numpy_decoder(spaces, tmp_path):
    spec = OutputSpec.joint(spaces)
    decoder = JointDecoder(spec)
    size = spec["joint"].size
    joint = keras.Input((size,))
    num_classes = 8 if labels.EXPRESSION_8 in spaces else 7
    kinds = {
        "expression": (num_classes, True),
        "action_units": (12, False),
        "compound": (8, False),
    }
    outputs = {
        kind: JointToCanonical(decoder.canonical_units(kind, num_classes), n, norm, name=kind)(
            joint
        )
        for kind, (n, norm) in kinds.items()
        if decoder.canonical_units(kind, num_classes)
    }
    model = keras.Model(joint, outputs)
    scores = np.random.default_rng(0).random((5, size)).astype("float32")
    expected = decoder.canonical(scores, num_classes=num_classes)
    got = model.predict(scores, verbose=0)
    assert set(got) == set(expected)
    for kind in expected:
        np.testing.assert_allclose(got[kind], expected[kind], rtol=1e-5, equal_nan=True)
    np.testing.assert_allclose(got["expression"].sum(1), 1.0, rtol=1e-5)

    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras").predict(scores, verbose=0)
    for kind in expected:
        np.testing.assert_allclose(again[kind], got[kind], equal_nan=True)


def test_uncovered_action_units_are_nan_and_bad_units_are_refused():
    decoder = JointDecoder(OutputSpec.joint([labels.EMOTIONET_AU]))
    layer = JointToCanonical(decoder.canonical_units("action_units"), 12, normalize=False)
    values = keras.ops.convert_to_numpy(layer(np.full((1, 11), 0.5, "float32")))[0]
    missing = [labels.ACTION_UNITS.index(au) for au in ("AU7", "AU10", "AU15", "AU23", "AU24")]
    assert np.isnan(values[missing]).all() and not np.isnan(np.delete(values, missing)).any()
    with pytest.raises(ValueError, match="label indices"):
        JointToCanonical([[0, 12]], 12, normalize=False)
    with pytest.raises(ValueError, match="unit indices"):
        JointToCanonical([[20, 0]], 12, normalize=False)(np.zeros((1, 11), "float32"))
