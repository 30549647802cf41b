"""Predicting a window feed with the frame CNN run once per table row.

``evaluate`` feeds a window predictor the window of every frame (``last``: the s frames up to
it) or every sequence of its video (``sequence``); as pixel windows, each frame goes through
the frame CNN once per window it is in, s times for ``last`` windows. :func:`predict_feed_windows`
computes the frame CNN's values of each table row once (``models.temporal.split_window_model``),
batch after batch of windows in the feed's order, keeping only the rows the current batch
needs (consecutive windows of a video share all but one frame), and runs the model's temporal
part on windows gathered from them. It returns what ``scoring.predict_feed`` returns for the
same feed, within float tolerance: the same samples (bad images dropped the same way, and
counted in the dataset's ``skips``) and the same outputs.

Example (tests/evaluation/test_feed_windows.py checks it against ``predict_feed``)::

    dataset = FeedDataset(predictor_feed(model, table, spec), batch_size=64)
    samples, outputs = predict_feed_windows(window_split(model), dataset)
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from affectkeras.data.feeding.in_memory import ImageStore, decode_rows, usable
from affectkeras.models.temporal.split import WindowSplit, split_window_model
from affectkeras.predictor import WINDOW_MASK, WINDOW_PIXELS, describe_inputs

PADDING = -1
"""``Feed.rows`` on zero-padded steps: a black frame."""


def window_split(model: Any) -> WindowSplit | None:
    """The split of a window predictor; None for image predictors and for window models whose
    graph cannot be cut (``split_window_model`` logs why)."""
    if not describe_inputs(model).windowed:
        return None
    return split_window_model(model, WINDOW_PIXELS, WINDOW_MASK)


def predict_feed_windows(
    split: WindowSplit, dataset: Any, progress: str | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Predicts every batch of a window ``FeedDataset`` (no augmentation, in order).

    Args:
        split: the window predictor's ``WindowSplit``.
        dataset: a ``FeedDataset`` of windows, decoded from the files or from its
            ``ImageStore``.
        progress: a label to show a progress bar (stderr) with, or None for none.

    Returns:
        ``(samples, outputs)`` as ``scoring.predict_feed`` gives them.
    """
    feed = dataset.feed
    order = feed.sampler.indices(dataset.epoch)
    size = dataset.batch_size
    batches = [order[start : start + size] for start in range(0, len(order), size)]
    decoded = np.zeros(len(feed.paths), bool)
    rows = np.zeros(0, np.int64)  # table rows whose values are kept, sorted
    values: list[np.ndarray] | None = None
    samples, collected = [], {}
    steps = _decoded_batches(dataset, batches)
    if progress:
        steps = tqdm(steps, total=len(batches), desc=progress, unit="batch", leave=False)
    for batch, new_rows, images, ok in steps:
        decoded[new_rows[new_rows != PADDING]] = ok[new_rows != PADDING]
        bad = feed.paths[new_rows[~ok]]
        dataset.skips.add("bad_image", [str(path) for path in bad], once=True)
        new_values = split.frame_values(images)
        needed = np.isin(rows, feed.rows[batch])  # the rows this batch still needs
        merged = np.concatenate([rows[needed], new_rows])
        arranged = np.argsort(merged, kind="stable")
        rows = merged[arranged]
        if values is None:
            values = [value[arranged] for value in new_values]
        else:
            pairs = zip(values, new_values, strict=True)
            values = [np.concatenate([old[needed], new])[arranged] for old, new in pairs]
        batch = batch[usable(feed, decoded, batch)]
        if len(batch) == 0:
            continue
        wanted = feed.rows[batch]
        index = np.minimum(np.searchsorted(rows, wanted), len(rows) - 1)
        if not (rows[index] == wanted).all():  # an invariant: every row of the batch is kept
            raise RuntimeError("predict_feed_windows: a window's row has no frame values")
        outputs = split.predict(values, index, feed.mask[batch])
        samples.append(batch)
        for name, value in outputs.items():
            collected.setdefault(name, []).append(value)
    if not samples:
        return np.zeros(0, np.int64), {}
    return np.concatenate(samples), {k: np.concatenate(v) for k, v in collected.items()}


def _decoded_batches(
    dataset: Any, batches: list[np.ndarray]
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """``(samples, new rows, their images, ok)`` per batch; the new rows are those the previous
    batch did not need, decoded one batch ahead in a thread."""
    feed = dataset.feed
    plan, before = [], np.zeros(0, np.int64)
    for batch in batches:
        needed = np.unique(feed.rows[batch])
        plan.append(np.setdiff1d(needed, before, assume_unique=True))
        before = needed
    if not batches:
        return

    store = dataset.store if isinstance(dataset.store, ImageStore) else None

    def decode(new_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        real = new_rows != PADDING
        height, width = feed.image_size
        images = np.zeros((len(new_rows), height, width, 3), np.uint8)
        ok = np.ones(len(new_rows), bool)
        if store is not None:  # decoded once already (a training run's validation)
            images[real], ok[real] = store.images[new_rows[real]], store.ok[new_rows[real]]
        else:
            images[real], ok[real] = decode_rows(feed, new_rows[real], dataset.decode_threads)
        return images, ok

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(decode, plan[0])
        for index, batch in enumerate(batches):
            images, ok = pending.result()
            if index + 1 < len(batches):
                pending = pool.submit(decode, plan[index + 1])
            yield batch, plan[index], images, ok
