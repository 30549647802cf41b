"""The face renderer: each AU moves its own feature, visibly, also at 48x48 grayscale."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from affectkeras import labels
from affectkeras.data.synthetic import faces

AUS = labels.ACTION_UNITS
# Rows (fractions of the image height) of the face's three bands on the 112 template.
BROWS = slice(int(0.22 * 112), int(0.44 * 112))
MOUTH = slice(int(0.72 * 112), int(0.98 * 112))
UPPER_FACE_AUS = ("AU1", "AU2", "AU4")
LOWER_FACE_AUS = ("AU12", "AU15", "AU23", "AU24", "AU25", "AU26")


def one_au(name: str, intensity: float = 1.0) -> np.ndarray:
    values = np.zeros(12, np.float32)
    values[AUS.index(name)] = intensity
    return values


@pytest.fixture(scope="module")
def identities():
    rng = np.random.default_rng(3)
    return [faces.Identity.sample(rng) for _ in range(6)]


def gray48(image: np.ndarray) -> np.ndarray:
    small = cv2.resize(image, (48, 48), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


def test_render_face_returns_rgb_uint8_of_the_requested_size(identities):
    for size in (48, 112, 160):
        image = faces.render_face(identities[0], np.zeros(12), size=size)
        assert image.shape == (size, size, 3) and image.dtype == np.uint8


def test_render_face_is_deterministic(identities):
    scene = faces.Scene.sample(np.random.default_rng(1))
    a = faces.render_face(identities[0], one_au("AU12"), scene)
    b = faces.render_face(identities[0], one_au("AU12"), scene)
    np.testing.assert_array_equal(a, b)


def test_render_face_rejects_a_wrong_number_of_intensities(identities):
    with pytest.raises(ValueError, match=r"shape \(12,\)"):
        faces.render_face(identities[0], np.zeros(11))


@pytest.mark.parametrize("au", AUS)
def test_every_au_alone_changes_the_face(identities, au):
    for identity in identities:
        neutral = faces.render_face(identity, np.zeros(12)).astype(np.int16)
        moved = faces.render_face(identity, one_au(au)).astype(np.int16)
        changed = np.abs(moved - neutral).max(axis=2) > 20
        assert changed.sum() >= 25, f"{au} changes only {changed.sum()} pixels"


def test_brow_aus_move_the_brows_and_mouth_aus_the_mouth(identities):
    for identity in identities:
        neutral = faces.render_face(identity, np.zeros(12)).astype(np.int16)
        for au in UPPER_FACE_AUS + LOWER_FACE_AUS:
            diff = np.abs(faces.render_face(identity, one_au(au)).astype(np.int16) - neutral)
            brows, mouth = diff[BROWS].sum(), diff[MOUTH].sum()
            if au in UPPER_FACE_AUS:
                assert brows > 0 and mouth == 0, au
            else:
                assert mouth > 0 and brows == 0, au


def test_au_cues_survive_48px_grayscale(identities):
    """Each AU alone moves the 48x48 gray image clearly more than a different identity's
    sensor noise does, and every pair of single AUs looks different."""
    for identity in identities:
        neutral = gray48(faces.render_face(identity, np.zeros(12)))
        singles = {au: gray48(faces.render_face(identity, one_au(au))) for au in AUS}
        for au, image in singles.items():
            diff = np.abs(image - neutral)
            assert (diff > 12).sum() >= 4, f"{au} barely visible at 48px: {(diff > 12).sum()} px"
        names = list(singles)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                assert np.abs(singles[a] - singles[b]).max() > 12, (a, b)


def test_intensity_is_graded(identities):
    neutral = faces.render_face(identities[0], np.zeros(12)).astype(np.int16)
    half = np.abs(faces.render_face(identities[0], one_au("AU26", 0.5)) - neutral).sum()
    full = np.abs(faces.render_face(identities[0], one_au("AU26", 1.0)) - neutral).sum()
    assert 0 < half < full


def test_prototype_intensities_follow_labels_prototypes():
    for expression, aus in labels.PROTOTYPE_AUS.items():
        values = faces.prototype_intensities(expression, intensity=0.7)
        assert sorted(np.flatnonzero(values)) == sorted(AUS.index(a) for a in aus)
        assert np.all(values[values > 0] == np.float32(0.7))
    union = faces.prototype_intensities("happiness", "surprise")
    assert set(np.flatnonzero(union)) == {
        AUS.index(a) for a in ("AU6", "AU12", "AU1", "AU2", "AU25", "AU26")
    }
    with pytest.raises(ValueError, match="contempt"):
        faces.prototype_intensities("contempt")


def test_identities_differ():
    rng = np.random.default_rng(0)
    a, b = faces.Identity.sample(rng), faces.Identity.sample(rng)
    assert a != b
    image_a = faces.render_face(a, np.zeros(12)).astype(np.int16)
    image_b = faces.render_face(b, np.zeros(12)).astype(np.int16)
    assert np.abs(image_a - image_b).mean() > 5


def test_gray_scene_is_gray(identities):
    image = faces.render_face(identities[0], np.zeros(12), faces.Scene(gray=True, noise=3.0))
    assert np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(
        image[..., 1], image[..., 2]
    )
