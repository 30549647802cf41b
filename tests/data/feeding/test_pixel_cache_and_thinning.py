"""The decoded-pixel disk cache, the pipeline ``auto`` picks, and per-epoch validation thinning."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from affectkeras.data.feeding import pixel_cache
from affectkeras.data.feeding.feed import make_feed
from affectkeras.data.feeding.in_memory import load_images
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.feeding.pixel_cache import cache_key, disk_store, pixel_bytes
from affectkeras.data.feeding.thinning import thin_samples, with_samples
from affectkeras.data.feeding.windows import frame_windows
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.engine.config import TrainConfig
from affectkeras.recipes.engine.inputs import choose_pipeline, training_batches
from affectkeras.safe_files import WriteError
from tests.helpers.pipeline_data import row_of, still_table, video_table, write_rgb

pytestmark = pytest.mark.jax

SPEC = OutputSpec.create("expr,au,va", num_classes=7)


def batches(dataset) -> list:
    return [dataset[i] for i in range(len(dataset))]


def assert_same_batches(first, second) -> None:
    assert len(first) == len(second)
    for (x1, y1, w1), (x2, y2, w2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(x1, x2)
        for name in y1:
            np.testing.assert_array_equal(y1[name], y2[name])
            np.testing.assert_array_equal(w1[name], w2[name])


def test_cached_and_uncached_paths_give_the_same_batches(tmp_path):
    table = still_table(tmp_path / "images", 13)
    feed = make_feed(table, SPEC, image_size=16, seed=2)
    streaming = FeedDataset(feed, batch_size=4)
    in_memory = FeedDataset(feed, batch_size=4, store=load_images(feed))
    on_disk = FeedDataset(feed, batch_size=4, store=disk_store(feed, tmp_path / "cache"))
    for epoch in (0, 1):
        for dataset in (streaming, in_memory, on_disk):
            dataset.start_at_epoch(epoch)
        reference = batches(streaming)
        assert [row_of(x) for batch in reference for x in batch[0]] == list(
            feed.sampler.indices(epoch)
        )
        assert_same_batches(reference, batches(in_memory))
        assert_same_batches(reference, batches(on_disk))


def test_the_disk_cache_is_reused_and_follows_edited_files(tmp_path, monkeypatch):
    table = still_table(tmp_path / "images", 6)
    feed = make_feed(table, SPEC, image_size=8, shuffle=False)
    first = disk_store(feed, tmp_path / "cache")
    files = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert files == [f"pixels-{cache_key(feed)}.npy", f"pixels-{cache_key(feed)}.ok.npy"]
    calls = []
    monkeypatch.setattr(pixel_cache, "decode_rows", lambda *a, **k: calls.append(a))
    again = disk_store(feed, tmp_path / "cache")
    assert calls == [] and np.array_equal(first.images, again.images)
    monkeypatch.undo()
    path = Path(table["path"][3])
    write_rgb(path, np.full((16, 16, 3), 200, np.uint8))
    os.utime(path, ns=(1, 1))  # a different modification time, whatever the clock
    edited = disk_store(feed, tmp_path / "cache")
    assert cache_key(feed) != files[0][len("pixels-") : -len(".npy")]
    assert int(edited.images[3].min()) == 200
    np.testing.assert_array_equal(edited.images[:3], first.images[:3])


def test_a_bad_image_is_counted_and_a_full_disk_is_one_error_naming_the_file(tmp_path, monkeypatch):
    table = still_table(tmp_path / "images", 5)
    Path(table["path"][1]).write_bytes(b"not an image")
    feed = make_feed(table, SPEC, image_size=8, shuffle=False)
    store = disk_store(feed, tmp_path / "cache")
    assert store.ok.tolist() == [True, False, True, True, True]
    assert store.skips.counts["bad_image"] == 1

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    folder = tmp_path / "full"
    with pytest.raises(WriteError, match=r"full.*pixels-.*\.npy: cannot write it \(no space"):
        disk_store(make_feed(table, SPEC, image_size=12, shuffle=False), folder)
    assert list(folder.iterdir()) == []  # no partial file left behind


def test_auto_decodes_into_memory_then_onto_disk_then_per_batch(tmp_path):
    table = still_table(tmp_path / "images", 10)
    feed = make_feed(table, SPEC, image_size=16, seed=0)
    assert pixel_bytes(feed) == 10 * 16 * 16 * 3
    small = TrainConfig(max_memory_gb=1.0, batch_size=4)
    tight = TrainConfig(max_memory_gb=1e-6, batch_size=4)  # 1 kB: does not fit
    assert choose_pipeline(small, feed, tmp_path / "run") == "in_memory"
    assert choose_pipeline(tight, feed, tmp_path / "run") == "disk_cache"
    assert choose_pipeline(tight, feed, None) in ("tf_data", "streaming")  # no folder for it
    no_disk = TrainConfig(max_memory_gb=1e-6, pixel_cache="none")
    assert choose_pipeline(no_disk, feed, tmp_path / "run") in ("tf_data", "streaming")
    named = TrainConfig(max_memory_gb=1e-6, pixel_cache=str(tmp_path / "shared"), batch_size=4)
    dataset, per_epoch, pipeline = training_batches(feed, named, None, 0, tmp_path / "run")
    assert (pipeline, per_epoch) == ("disk_cache", 3)
    assert len(list((tmp_path / "shared").glob("pixels-*.npy"))) == 2
    assert not (tmp_path / "run").exists()
    reference = FeedDataset(feed, batch_size=4)
    assert_same_batches(batches(reference), batches(dataset))


def thinned_reference(table, stride, max_frames):
    """Row indices kept, computed video by video with plain Python."""
    kept = set(np.flatnonzero(table["video"] == ""))
    for _, group in table[table["video"] != ""].groupby("video"):
        rows = list(group.sort_values("frame").index)[::stride]
        if max_frames is not None and len(rows) > max_frames:
            picks = np.linspace(0, len(rows) - 1, max_frames).round().astype(int)
            rows = [rows[i] for i in sorted(set(picks))]
        kept.update(rows)
    return sorted(kept)


@pytest.mark.parametrize("stride,max_frames", [(1, None), (3, None), (1, 4), (2, 3), (7, 1)])
def test_thinning_keeps_every_kth_frame_and_at_most_n_per_video(tmp_path, stride, max_frames):
    table = video_table(tmp_path, {"a": list(range(1, 18)), "b": [4, 2, 9, 7], "c": [1]})
    feed = make_feed(table, SPEC, image_size=8, shuffle=False)
    kept = thin_samples(feed, table, stride, max_frames)
    assert feed.rows[kept].tolist() == thinned_reference(table, stride, max_frames)
    thin = with_samples(feed, kept)
    np.testing.assert_array_equal(thin.y["expression"], feed.y["expression"][kept])
    batch_rows = [row_of(x) for x, _, _ in batches(FeedDataset(thin, 5)) for x in x]
    assert batch_rows == feed.rows[kept].tolist()


def test_thinning_windows_keeps_the_windows_of_the_kept_frames(tmp_path):
    table = video_table(tmp_path, {"a": list(range(1, 11)), "b": list(range(1, 5))})
    windows = frame_windows(table, length=3)
    feed = make_feed(table, SPEC, image_size=8, shuffle=False, windows=windows)
    kept = thin_samples(feed, table, stride=2)
    current = feed.rows[kept][:, -1]
    assert current.tolist() == thinned_reference(table, 2, None)
    sequences = thin_samples(feed, table, max_frames=6, frames_per_sample=3)
    assert len(sequences) == 2 + 2  # 6 // 3 windows from each video
    with pytest.raises(ValueError, match="stride must be >= 1"):
        thin_samples(feed, table, stride=0)
