"""Fewer validation frames per epoch: a frame stride and a per-video cap over a Feed's samples.

Aff-Wild2's validation set holds ~300k frames in ~70 videos; scoring all of them at every epoch
end costs as much as a good part of an epoch of training, and neighbouring frames (25-30 fps)
are nearly copies of each other. ``thin_samples`` keeps, in each video, every ``stride``-th
sample in frame order, then at most ``max_frames`` frames, evenly spaced over the video. Still
images (no video) are always kept. A sample is a frame, or a ``last`` window (scored at its
current frame), or with ``frames_per_sample = s`` a seed-002 ``sequence`` of s frames (the cap
then keeps ``max_frames // s`` sequences, at least one).

Recipes use it for the per-epoch validation scores only (``validation_frame_stride``,
``validation_max_frames``); the final ``metrics.json`` scores every frame.

Example:
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.data.feeding.feed import make_feed
    >>> from affectkeras.output_spec import OutputSpec
    >>> table = make_table({"path": [f"/v/{i}.jpg" for i in range(10)], "split": "validation",
    ...                     "video": ["a"] * 6 + ["b"] * 3 + [""], "frame": [*range(1, 7),
    ...                     *range(1, 4), -1], "expression": 0}, "affwild2")
    >>> feed = make_feed(table, OutputSpec.create("expr"), image_size=8, shuffle=False)
    >>> thin_samples(feed, table, stride=2).tolist()
    [0, 2, 4, 6, 8, 9]
    >>> small = with_samples(feed, thin_samples(feed, table, max_frames=2))
    >>> small.rows.tolist(), len(small.sampler.indices(0))
    ([0, 5, 6, 8, 9], 5)
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from affectkeras.data.feeding.feed import Feed
from affectkeras.data.feeding.sampling import Sampler


def thin_samples(
    feed: Feed,
    table: pd.DataFrame,
    stride: int = 1,
    max_frames: int | None = None,
    frames_per_sample: int = 1,
) -> np.ndarray:
    """int64 [K]: the feed samples kept, in the feed's order (see the module doc).

    Args:
        feed: a Feed built on ``table`` (its rows index the table).
        table: the sample table (``video`` and ``frame`` columns).
        stride: keep every ``stride``-th sample of each video (>= 1).
        max_frames: then at most this many frames per video (None: no cap).
        frames_per_sample: frames one sample scores (s for ``sequence`` windows, else 1).
    """
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be >= 1, got {max_frames}")
    samples = np.arange(len(feed), dtype=np.int64)
    if stride == 1 and max_frames is None:
        return samples
    rows = feed.rows if feed.rows.ndim == 1 else _scored_row(feed.rows)
    videos = table["video"].to_numpy(dtype=str)[rows]
    frames = table["frame"].to_numpy(dtype=np.int64)[rows]
    keep = videos == ""
    cap = None if max_frames is None else max(1, max_frames // max(1, frames_per_sample))
    order = np.lexsort((frames, videos))
    starts = np.flatnonzero(np.r_[True, videos[order][1:] != videos[order][:-1]])
    for group in np.split(order, starts[1:]):
        if not len(group) or videos[group[0]] == "":
            continue
        group = group[::stride]
        if cap is not None and len(group) > cap:
            group = group[np.unique(np.linspace(0, len(group) - 1, cap).round().astype(int))]
        keep[group] = True
    return samples[keep]


def with_samples(feed: Feed, samples: np.ndarray) -> Feed:
    """The Feed restricted to ``samples`` (in order, unshuffled), rows still indexing the table."""
    samples = np.asarray(samples, np.int64)
    rows, mask, y, weights = feed.take(samples)
    return dataclasses.replace(
        feed,
        rows=rows,
        mask=mask,
        y=y,
        sample_weight=weights,
        sampler=Sampler(len(samples), shuffle=False),
    )


def _scored_row(rows: np.ndarray) -> np.ndarray:
    """A window's row that names its video and place: the last real (non-negative) step."""
    real = rows >= 0
    last = rows.shape[1] - 1 - np.argmax(real[:, ::-1], axis=1)
    return np.maximum(rows[np.arange(len(rows)), last], 0)
