"""The no-TensorFlow path: in-memory arrays and FeedDataset, and model.fit on any backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from affectkeras import labels
from affectkeras.data.feeding.augment import Augment, augment_numpy
from affectkeras.data.feeding.feed import make_feed
from affectkeras.data.feeding.in_memory import load_images, to_arrays
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.feeding.sampling import Sampler, expression_strata
from affectkeras.data.feeding.windows import frame_windows, sequences
from affectkeras.output_spec import OutputSpec
from tests.helpers.masked_model import tiny_model
from tests.helpers.pipeline_data import row_of, still_table, video_table

pytestmark = pytest.mark.jax

SPEC = OutputSpec.create("expr,au,va", num_classes=7)


def test_in_memory_arrays_match_the_table(tmp_path):
    table = still_table(tmp_path, 20)
    feed = make_feed(table, SPEC, image_size=16, seed=3)
    store = load_images(feed, workers=2)
    assert store.ok.all() and store.skips.total == 0
    x, y, w = to_arrays(feed, store, epoch=0)
    order = feed.sampler.indices(0)
    assert x.dtype == np.uint8 and x.shape == (20, 16, 16, 3)
    assert [row_of(image) for image in x] == order.tolist()
    np.testing.assert_array_equal(y["expression"], table["expression"].to_numpy()[order])
    au = table[list(labels.ACTION_UNITS)].to_numpy()[order]
    np.testing.assert_array_equal(y["action_units"], au)
    np.testing.assert_array_equal(w["action_units"], (au != -1).any(axis=1))


def test_feed_dataset_batches_follow_the_sampler_and_change_per_epoch(tmp_path):
    table = still_table(tmp_path, 10)
    feed = make_feed(table, SPEC, image_size=16, seed=5)
    for store in (None, load_images(feed)):
        data = FeedDataset(feed, batch_size=4, store=store)
        assert len(data) == 3
        seen = [row_of(image) for i in range(len(data)) for image in data[i][0]]
        assert seen == feed.sampler.indices(0).tolist()
        data.on_epoch_end()
        seen = [row_of(image) for i in range(len(data)) for image in data[i][0]]
        assert seen == feed.sampler.indices(1).tolist()
    assert len(FeedDataset(feed, batch_size=4, drop_remainder=True)) == 2


def test_bad_images_are_skipped_and_counted_with_their_paths(tmp_path):
    table = still_table(tmp_path, 8)
    broken = [table["path"][2], table["path"][5]]
    Path(broken[0]).write_bytes(b"")  # zero bytes
    data = Path(broken[1]).read_bytes()
    Path(broken[1]).write_bytes(data[: len(data) // 2])  # truncated
    feed = make_feed(table, SPEC, image_size=16, shuffle=False)
    store = load_images(feed)
    assert store.skips.counts["bad_image"] == 2
    assert sorted(store.skips.examples["bad_image"]) == sorted(broken)
    x, y, _ = to_arrays(feed, store)
    assert [row_of(image) for image in x] == [0, 1, 3, 4, 6, 7]
    lazy = FeedDataset(feed, batch_size=8)
    x, y, _ = lazy[0]
    assert len(x) == 6 and len(y["expression"]) == 6 and lazy.skips.total == 2


def test_pixel_windows_hold_the_right_frames(tmp_path):
    table = video_table(tmp_path, {"a": list(range(1, 6)), "b": [1, 2, 3]})
    windows = frame_windows(table, 3)
    feed = make_feed(table, SPEC, image_size=16, windows=windows, shuffle=False)
    x, y, _ = FeedDataset(feed, batch_size=len(table), store=load_images(feed))[0]
    assert x["frames"].shape == (8, 3, 16, 16, 3) and x["mask"].dtype == bool
    for k in range(len(table)):
        assert [row_of(f) for f in x["frames"][k]] == windows.rows[k].tolist()
        assert x["mask"][k].tolist() == windows.mask[k].tolist()
    np.testing.assert_array_equal(y["expression"], table["expression"].to_numpy())
    zeros = make_feed(table, SPEC, 16, windows=frame_windows(table, 3, padding="zeros"))
    x, _, _ = FeedDataset(zeros, batch_size=8, store=load_images(zeros))[0]
    assert (x["frames"][~x["mask"]] == 0).all() and (
        x["frames"][x["mask"]].max(axis=(1, 2, 3)) > 0
    ).all()


def test_feature_sequences_from_precomputed_features(tmp_path):
    table = video_table(tmp_path, {"a": list(range(1, 6))})
    features = np.random.default_rng(0).normal(size=(len(table), 6)).astype(np.float32)
    seqs = sequences(table, length=4)
    feed = make_feed(table, SPEC, windows=seqs, shuffle=False, input_names=("features", "mask"))
    x, y, w = FeedDataset(feed, batch_size=4, store=features)[0]
    assert x["features"].shape == (2, 4, 6) and y["expression"].shape == (2, 4)
    np.testing.assert_array_equal(x["features"][1, 0], features[seqs.rows[1, 0]])
    assert x["mask"][1].tolist() == [True, False, False, False] and w["expression"][1, 1] == 0


def test_augmentation_is_reproducible_and_keeps_uint8():
    images = np.random.default_rng(0).integers(0, 256, (6, 2, 16, 16, 3), dtype=np.uint8)
    augment = Augment(flip=True, translate=0.2, rotation=10)
    a = augment_numpy(images, augment, (1, 0, 0), steps=True)
    np.testing.assert_array_equal(a, augment_numpy(images, augment, (1, 0, 0), steps=True))
    assert a.dtype == np.uint8 and not np.array_equal(a, images)
    flip_only = augment_numpy(images[:, 0], Augment(flip=True, translate=0.0), (2,))
    for original, out in zip(images[:, 0], flip_only, strict=True):
        assert np.array_equal(out, original) or np.array_equal(out, original[:, ::-1])
    # one draw per window: every frame of a window gets the same shift
    same = np.repeat(images[:, :1], 2, axis=1)
    out = augment_numpy(same, Augment(translate=0.25), (3,), steps=True)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    with pytest.raises(ValueError, match=r"tf\.data"):
        augment_numpy(images[:, 0], Augment(layers=[object()]), (0,))


def test_model_fit_accepts_the_batches_on_this_backend(tmp_path):
    table = still_table(tmp_path, 24)
    sampler = Sampler.balanced(expression_strata(table), seed=0)
    feed = make_feed(table, SPEC, image_size=16, sampler=sampler)
    data = FeedDataset(feed, batch_size=8, store=load_images(feed), augment=Augment())
    model = tiny_model(16)
    history = model.fit(data, epochs=2, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    # the weights reach the losses by task name: no expression weight -> zero expression loss
    x, y, w = to_arrays(feed, load_images(feed))
    w = {**w, "expression": np.zeros_like(w["expression"])}
    history = model.fit(x, y, sample_weight=w, batch_size=8, epochs=1, verbose=0)
    assert history.history["expression_loss"][0] == 0.0
    assert history.history["action_units_loss"][0] > 0.0


def test_model_fit_on_frame_windows(tmp_path):
    table = video_table(tmp_path, {"a": list(range(1, 9)), "b": list(range(1, 5))})
    feed = make_feed(table, SPEC, image_size=16, windows=frame_windows(table, 4))
    data = FeedDataset(feed, batch_size=6, store=load_images(feed))
    history = tiny_model(16, windows=4).fit(data, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
