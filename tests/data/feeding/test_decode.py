"""OpenCV decoding: colour conversions, crops, resizing, and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from affectkeras.data.feeding.decode import crop_box, image_size, looks_complete, read_image
from tests.helpers.pipeline_data import textured_image, write_rgb


def test_grey_and_rgba_become_rgb(tmp_path):
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8)
    image = read_image(write_rgb(tmp_path / "g.png", grey))
    assert image.shape == (8, 8, 3)
    np.testing.assert_array_equal(image, np.repeat(grey[..., None], 3, axis=-1))
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 10
    image = read_image(write_rgb(tmp_path / "a.png", rgba))
    assert image.shape == (8, 8, 3) and (image[..., 0] == 200).all() and (image[..., 1:] == 0).all()


def test_rgb_order_and_jpeg(tmp_path):
    rgb = np.zeros((16, 16, 3), np.uint8)
    rgb[..., 0] = 250
    assert (read_image(write_rgb(tmp_path / "r.png", rgb))[..., 0] == 250).all()
    jpeg = read_image(write_rgb(tmp_path / "r.jpg", rgb, quality=95))
    assert jpeg[..., 0].min() > 240 and jpeg[..., 2].max() < 15


def test_resize_and_crop_box(tmp_path):
    image = textured_image(np.random.default_rng(0), 16)
    path = write_rgb(tmp_path / "t.png", image)
    assert read_image(path, size=(8, 12)).shape == (8, 12, 3)
    np.testing.assert_array_equal(read_image(path, box=(2, 3, 5, 4)), image[3:7, 2:7])
    # boxes reaching outside the image are clipped, like the tf.data path
    np.testing.assert_array_equal(read_image(path, box=(12, -2, 10, 5)), image[0:3, 12:16])
    assert crop_box((np.nan, 0, 1, 1)) is None and crop_box((1.4, 2.6, 0.2, 3)) == (1, 3, 1, 3)
    assert image_size(112) == (112, 112) and image_size((48, 64)) == (48, 64)


def test_bad_files_give_none(tmp_path):
    good = write_rgb(tmp_path / "ok.jpg", textured_image(np.random.default_rng(1), 16))
    data = Path(good).read_bytes()
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.png").write_bytes(b"hello, this is not a png file")
    png = Path(write_rgb(tmp_path / "ok.png", np.zeros((8, 8, 3), np.uint8))).read_bytes()
    (tmp_path / "cut.png").write_bytes(png[:-20])
    for name in ("empty.jpg", "truncated.jpg", "text.png", "cut.png", "absent.jpg"):
        assert read_image(tmp_path / name) is None, name
    assert looks_complete(data) and looks_complete(png)
    assert not looks_complete(data[:-2])
