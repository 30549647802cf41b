"""Zoom and random erasing (``Augment.scale``, ``Augment.erase``) on both pipelines."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from affectkeras.data.feeding.augment import (
    ERASE_AREA,
    ERASE_ASPECT,
    Augment,
    augment_numpy,
    batch_layers,
    erase_boxes,
)


def rectangle_of(changed: np.ndarray) -> tuple[int, int, int, int]:
    """(y, x, h, w) of the bounding box of the True pixels, checking they fill it."""
    rows, cols = np.nonzero(changed)
    y, x = rows.min(), cols.min()
    h, w = rows.max() - y + 1, cols.max() - x + 1
    assert changed.sum() <= h * w
    return int(y), int(x), int(h), int(w)


def test_erase_boxes_follow_the_area_and_aspect_bounds_and_the_probability():
    rng = np.random.default_rng(0)
    boxes = erase_boxes(rng, 4000, 48, 48, probability=0.5)
    erased = boxes[:, 2] > 0
    assert abs(erased.mean() - 0.5) < 0.03  # binomial sd 0.008
    y, x, h, w = boxes[erased].T
    assert (y >= 0).all() and (x >= 0).all() and (y + h <= 48).all() and (x + w <= 48).all()
    area = h * w / 48**2
    # rounding h and w to whole pixels moves the area by up to ~(h + w) / 2 pixels
    assert area.min() > ERASE_AREA[0] * 0.5 and area.max() < ERASE_AREA[1] * 1.5
    assert abs(np.median(area) - np.mean(ERASE_AREA)) < 0.03
    aspect = h / w
    assert aspect.min() > ERASE_ASPECT[0] * 0.7 and aspect.max() < ERASE_ASPECT[1] * 1.4
    assert not erase_boxes(rng, 100, 48, 48, probability=0.0)[:, 2].any()


def test_numpy_erasing_replaces_one_rectangle_with_grey_noise():
    images = np.full((64, 40, 40, 3), 7, np.uint8)
    out = augment_numpy(images, Augment(flip=False, translate=0.0, erase=1.0), seed=(1, 2, 3))
    for image in out:
        changed = (image != 7).any(axis=-1)
        y, x, h, w = rectangle_of(changed)
        assert ERASE_AREA[0] * 0.5 <= h * w / 40**2 <= ERASE_AREA[1] * 1.5
        patch = image[y : y + h, x : x + w]
        assert (patch[..., 0] == patch[..., 1]).all() and (patch[..., 1] == patch[..., 2]).all()
    again = augment_numpy(images, Augment(flip=False, translate=0.0, erase=1.0), seed=(1, 2, 3))
    np.testing.assert_array_equal(out, again)  # the draw depends on the seed only


def test_numpy_zoom_scales_a_centred_disk_within_the_drawn_range():
    disk = np.zeros((41, 41, 3), np.uint8)
    cv2.circle(disk, (20, 20), 10, (255, 255, 255), -1)
    images = np.repeat(disk[None], 200, axis=0)
    out = augment_numpy(images, Augment(flip=False, translate=0.0, scale=0.2), seed=(0,))
    radius = np.sqrt((out[..., 0] > 127).sum(axis=(1, 2)) / np.pi)
    base = np.sqrt((disk[..., 0] > 127).sum() / np.pi)
    ratio = radius / base
    assert ratio.min() > 0.8 - 0.05 and ratio.max() < 1.2 + 0.05
    assert ratio.std() > 0.05  # the factor is drawn per sample


def test_the_tf_path_erases_a_rectangle_and_zooms_per_batch():
    tf = pytest.importorskip("tensorflow")
    from affectkeras.data.feeding.augment import augment_tf

    image = tf.constant(np.full((40, 40, 3), 7, np.uint8))
    sizes = []
    for position in range(20):
        seed = tf.constant([3, position], tf.int64)
        out = augment_tf(image, Augment(flip=False, translate=0.0, erase=1.0), seed).numpy()
        _, _, h, w = rectangle_of((out != 7).any(axis=-1))
        sizes.append(h * w / 40**2)
    assert ERASE_AREA[0] * 0.5 <= min(sizes) and max(sizes) <= ERASE_AREA[1] * 1.5
    names = [type(layer).__name__ for layer in batch_layers(Augment(rotation=5, scale=0.1), 0)]
    assert names == ["RandomRotation", "RandomZoom"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [("augment_scale=1.5", "augment_scale"), ("augment_erase=2", "augment_erase")],
)
def test_bad_values_are_refused_naming_the_key(setting, message):
    from affectkeras.recipes import get_recipe

    with pytest.raises(ValueError, match=message):
        get_recipe("single_task").config(overrides=[setting])
