"""The small layers, each against an independent numpy formula or library reference."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras.models.layers import (
    MaskedStatistics,
    PixelNormalization,
    TakeStep,
    VABinExpectation,
    ZeroPadShortcut,
)
from affectkeras.va_binning import va_bin_centres
from tests.helpers.keras2_h5 import vggface2_preprocess

pytestmark = pytest.mark.jax

PIXELS = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3)).astype("uint8")


def run(layer, *args, **kwargs):
    return keras.ops.convert_to_numpy(layer(*args, **kwargs))


def test_vggface2_normalisation_matches_keras_vggface_version_2():
    np.testing.assert_allclose(
        run(PixelNormalization("vggface2"), PIXELS), vggface2_preprocess(PIXELS), atol=1e-4
    )


def test_caffe_normalisation_matches_keras_applications():
    expected = keras.applications.resnet50.preprocess_input(PIXELS.astype("float32"))
    np.testing.assert_allclose(run(PixelNormalization("caffe"), PIXELS), expected, atol=1e-4)


def test_unit_and_symmetric_scaling():
    np.testing.assert_allclose(run(PixelNormalization("unit"), PIXELS), PIXELS / 255.0, atol=1e-6)
    np.testing.assert_allclose(
        run(PixelNormalization("symmetric"), PIXELS), PIXELS / 127.5 - 1, atol=1e-6
    )


def test_normalisation_stays_float32_under_mixed_precision():
    layer = PixelNormalization("vggface2", dtype=keras.DTypePolicy("mixed_bfloat16"))
    assert layer.compute_dtype == "bfloat16"  # an explicit policy wins ...
    assert PixelNormalization("vggface2").compute_dtype == "float32"  # ... the default is float32


def test_va_expectation_is_probabilities_times_centres():
    logits = np.random.default_rng(1).normal(size=(3, 2, 7))
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = np.einsum("bdk,k->bd", probabilities, va_bin_centres(7))
    np.testing.assert_allclose(run(VABinExpectation(7), probabilities), expected, atol=1e-6)


def test_zero_pad_shortcut_subsamples_and_pads_channels():
    x = np.random.default_rng(2).normal(size=(1, 5, 5, 3)).astype("float32")
    out = run(ZeroPadShortcut(filters=8, stride=2), x)
    assert out.shape == (1, 3, 3, 8)
    np.testing.assert_allclose(out[..., 2:5], x[:, ::2, ::2, :])
    assert not out[..., :2].any() and not out[..., 5:].any()


def test_masked_statistics_ignore_padded_steps():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 4)).astype("float32")
    mask = np.array([[True] * 5, [False, False, True, True, True]])
    out = run(MaskedStatistics(), x, mask=mask)
    for row in range(2):
        valid = x[row][mask[row]]
        expected = np.concatenate([valid.mean(0), valid.max(0), valid.min(0)])
        np.testing.assert_allclose(out[row], expected, atol=1e-6)
    # changing a padded step changes nothing
    x2 = x.copy()
    x2[1, 0] = 100.0
    np.testing.assert_allclose(run(MaskedStatistics(), x2, mask=mask), out, atol=1e-6)


def test_take_step_picks_the_current_frame():
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(run(TakeStep(-1), x), x[:, -1])
