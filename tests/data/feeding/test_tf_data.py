"""The tf.data pipeline: same batches as the no-TensorFlow path, bad files, windows, model.fit.

Not jax-marked: these tests import TensorFlow (the CI's JAX venv has none).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from affectkeras.data.feeding.augment import Augment
from affectkeras.data.feeding.feed import make_feed
from affectkeras.data.feeding.in_memory import load_images
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.feeding.sampling import Sampler, expression_strata
from affectkeras.data.feeding.windows import frame_windows, sequences
from affectkeras.output_spec import OutputSpec
from tests.helpers.pipeline_data import (
    row_of,
    still_table,
    textured_image,
    video_table,
    write_rgb,
)

tf = pytest.importorskip("tensorflow")
make_dataset = pytest.importorskip("affectkeras.data.feeding.tf_data").make_dataset

SPEC = OutputSpec.create("expr,au,va", num_classes=7)


def _batches(dataset):
    return [tf.nest.map_structure(lambda t: t.numpy(), batch) for batch in dataset]


def _compare(tf_batches, np_batches, tolerance):
    """Targets and weights equal; pixels within ``tolerance`` grey levels. Returns max diff."""
    assert len(tf_batches) == len(np_batches)
    worst = 0
    for (xt, yt, wt), (xn, yn, wn) in zip(tf_batches, np_batches, strict=True):
        for name in yn:
            np.testing.assert_array_equal(yt[name], yn[name])
            assert yt[name].dtype == yn[name].dtype
            np.testing.assert_array_equal(wt[name], wn[name])
        pixels_t = xt if not isinstance(xt, dict) else xt["frames"]
        pixels_n = xn if not isinstance(xn, dict) else xn["frames"]
        assert pixels_t.dtype == np.uint8 == pixels_n.dtype
        worst = max(worst, int(np.abs(pixels_t.astype(int) - pixels_n.astype(int)).max()))
    assert worst <= tolerance
    return worst


@pytest.mark.parametrize(
    ("suffix", "side", "size", "tolerance"),
    [(".png", 16, 16, 0), (".jpg", 16, 16, 0), (".jpg", 20, 16, 1), (".png", 12, 16, 1)],
)
def test_tf_and_no_tf_paths_yield_the_same_batches(tmp_path, suffix, side, size, tolerance):
    table = still_table(tmp_path, 21, side=side, suffix=suffix)
    sampler = Sampler.balanced(expression_strata(table), seed=7)
    feed = make_feed(table, SPEC, image_size=size, sampler=sampler)
    for epoch in (0, 1):
        tf_batches = _batches(make_dataset(feed, batch_size=5, epoch=epoch))
        data = FeedDataset(feed, batch_size=5, store=load_images(feed))
        for _ in range(epoch):
            data.on_epoch_end()
        np_batches = [data[i] for i in range(len(data))]
        _compare(tf_batches, np_batches, tolerance)


def test_resized_pixels_differ_by_at_most_one_grey_level_and_mostly_not(tmp_path):
    table = still_table(tmp_path, 12, side=37, suffix=".jpg")
    feed = make_feed(table, SPEC, image_size=16, shuffle=False)
    ((xt, _, _),) = _batches(make_dataset(feed, batch_size=12))
    xn = load_images(feed).images
    diff = np.abs(xt.astype(int) - xn.astype(int))
    assert diff.max() <= 1 and (diff == 0).mean() > 0.5


def test_windows_match_between_paths_and_hold_the_right_frames(tmp_path):
    table = video_table(tmp_path, {"a": list(range(1, 7)), "b": [1, 2, 4]})
    for windows in (
        frame_windows(table, 3),
        sequences(table, 4),
        frame_windows(table, 3, padding="zeros"),
    ):
        feed = make_feed(table, SPEC, image_size=16, windows=windows, seed=2)
        tf_batches = _batches(make_dataset(feed, batch_size=4, epoch=0))
        data = FeedDataset(feed, batch_size=4, store=load_images(feed))
        _compare(tf_batches, [data[i] for i in range(len(data))], 0)
        order = feed.sampler.indices(0)
        frames = np.concatenate([x["frames"] for x, _, _ in tf_batches])
        mask = np.concatenate([x["mask"] for x, _, _ in tf_batches])
        for k, sample in enumerate(order):
            real = windows.mask[sample]
            assert [row_of(f) for f in frames[k][real]] == windows.rows[sample][real].tolist()
            assert mask[k].tolist() == real.tolist()


def test_bad_images_are_skipped_and_counted_never_crashing(tmp_path):
    table = still_table(tmp_path, 10, suffix=".jpg")
    paths = table["path"].tolist()
    Path(paths[1]).write_bytes(b"")
    data = Path(paths[4]).read_bytes()
    Path(paths[4]).write_bytes(data[: len(data) // 2])
    Path(paths[7]).write_bytes(b"GIF89a but not really")  # passes the magic check, fails decode
    feed = make_feed(table, SPEC, image_size=16, shuffle=False)
    dataset = make_dataset(feed, batch_size=4)
    batches = _batches(dataset)
    expression = np.concatenate([y["expression"] for _, y, _ in batches])
    kept = [0, 2, 3, 5, 6, 8, 9]
    np.testing.assert_array_equal(expression, table["expression"].to_numpy()[kept])
    # empty and truncated files are caught before decoding and counted with their paths; the
    # fake GIF passes that check, fails in the decoder and is dropped by ignore_errors (logged
    # by TensorFlow, not counted: the documented limit of the tf.data path)
    assert dataset.skips.counts["bad_image"] == 2
    assert sorted(dataset.skips.examples["bad_image"]) == sorted([paths[1], paths[4]])


def test_augmentation_is_reproducible_and_differs_per_epoch(tmp_path):
    table = still_table(tmp_path, 8)
    feed = make_feed(table, SPEC, image_size=16, seed=1)
    shift = Augment(flip=True, translate=0.25)

    def images(augment, epoch):
        return _batches(make_dataset(feed, batch_size=8, augment=augment, epoch=epoch))[0][0]

    plain = images(None, 0)
    first = images(shift, 0)
    assert first.dtype == np.uint8 and first.shape == plain.shape
    assert not np.array_equal(first, plain)
    np.testing.assert_array_equal(first, images(shift, 0))  # stateless: same seed and epoch
    assert not np.array_equal(first, images(shift, 1))
    # each image is its plain self flipped or not, then shifted by a whole number of pixels
    for out, original in zip(first, plain, strict=True):
        candidates = [original, original[:, ::-1]]
        assert any(_is_shift(out, c, 4) for c in candidates)
    rotated = images(Augment(flip=False, translate=0.0, rotation=20), 0)
    assert rotated.dtype == np.uint8 and not np.array_equal(rotated, plain)
    import keras

    randaugment = Augment(flip=False, translate=0.0, layers=[keras.layers.RandAugment((0, 255))])
    out = images(randaugment, 0)
    assert out.dtype == np.uint8 and out.shape == plain.shape


def _is_shift(out, original, pad):
    padded = np.pad(original, ((pad, pad), (pad, pad), (0, 0)))
    size = original.shape[0]
    return any(
        np.array_equal(out, padded[dy : dy + size, dx : dx + size])
        for dy in range(2 * pad + 1)
        for dx in range(2 * pad + 1)
    )


def test_model_fit_on_tf_data_counts_epochs(tmp_path):
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the TensorFlow-backend fit; the JAX one runs in a subprocess below")
    from tests.helpers.masked_model import tiny_model

    table = still_table(tmp_path, 20, suffix=".jpg")
    feed = make_feed(table, SPEC, image_size=16, seed=0)
    epochs_drawn = []
    draw = feed.sampler.indices
    feed.sampler.indices = lambda epoch=0: (epochs_drawn.append(epoch), draw(epoch))[1]
    dataset = make_dataset(feed, batch_size=8, augment=Augment())
    history = tiny_model(16).fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert epochs_drawn == [0, 1]  # each pass over the dataset is the next epoch's order


@pytest.mark.slow
def test_tf_data_feeds_a_jax_backend_model(tmp_path):
    """tf.data as the input of a JAX-backend model (a GPU host with both installed)."""
    code = textwrap.dedent(
        f"""
        import numpy as np, keras
        assert keras.backend.backend() == "jax"
        from pathlib import Path
        from affectkeras.data.feeding.feed import make_feed
        from affectkeras.data.feeding.tf_data import make_dataset
        from affectkeras.data.feeding.augment import Augment
        from affectkeras.output_spec import OutputSpec
        from tests.helpers.pipeline_data import still_table
        from tests.helpers.masked_model import tiny_model
        table = still_table(Path({str(tmp_path)!r}), 16, suffix=".jpg")
        feed = make_feed(table, OutputSpec.create("expr,au,va", num_classes=7), image_size=16)
        data = make_dataset(feed, batch_size=8, augment=Augment(rotation=10))
        history = tiny_model(16).fit(data, epochs=2, verbose=0)
        assert np.isfinite(history.history["loss"]).all(), history.history
        print("OK", history.history["loss"])
        """
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": os.getcwd()}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr[-3000:]


def test_crop_boxes_and_padded_jpegs_agree_between_paths(tmp_path):
    table = still_table(tmp_path, 6, side=24)
    table["box_x"] = [0.0, 4.0, 20.0, -3.0, np.nan, 2.0]
    table["box_y"] = [0.0, 2.0, 20.0, 5.0, np.nan, 2.0]
    table["box_w"] = [16.0, 12.0, 10.0, 10.0, np.nan, 16.0]
    table["box_h"] = [16.0, 12.0, 10.0, 30.0, np.nan, 16.0]
    padded = Path(tmp_path / "padded.jpg")
    write_rgb(padded, textured_image(np.random.default_rng(0), 24))
    padded.write_bytes(padded.read_bytes() + b"\x00" * 100)  # trailing padding after EOI
    table.loc[5, "path"] = str(padded)
    feed = make_feed(table, SPEC, image_size=16, shuffle=False)
    ((xt, _, _),) = _batches(make_dataset(feed, batch_size=6))
    store = load_images(feed)
    assert store.ok.all() and len(xt) == 6
    np.testing.assert_array_equal(xt[0], store.images[0])  # 16x16 crop: no resize, identical
    assert np.abs(xt.astype(int) - store.images.astype(int)).max() <= 1
    assert row_of(xt[1]) == 1 and row_of(xt[4]) == 4
