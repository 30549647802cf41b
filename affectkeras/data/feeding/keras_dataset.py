"""``FeedDataset``: the no-TensorFlow batches as a ``keras.utils.PyDataset`` (any backend).

Each epoch takes the Feed's sampler order for that epoch, cuts it into batches and serves
``(x, y, sample_weight)``: uint8 pixels (or windows with a mask), targets with their sentinels
and per-task weights. Pixels come from an in-memory ``ImageStore`` (``load_images``), from
per-row features, or, when neither is given, are decoded from the files batch by batch with
OpenCV threads. Augmentation (flip, pad-and-crop translation, rotation) is applied here on the
CPU, drawn from ``(seed, epoch, batch)``.

Bad images: with a store, samples needing a bad image are dropped before batching (the same
stream as the tf.data pipeline's); when decoding on the fly they are dropped from their batch
(which is then smaller) and counted in ``skips``.

Example:
    >>> import tempfile, pathlib, cv2, numpy as np
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.data.feeding.feed import make_feed
    >>> from affectkeras.output_spec import OutputSpec
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> paths = [str(folder / f"{i}.png") for i in range(5)]
    >>> for p in paths:
    ...     _ = cv2.imwrite(p, np.zeros((8, 8, 3), np.uint8))
    >>> table = make_table({"path": paths, "split": "train", "AU1": [1, 0, -1, 1, 0]}, "bp4d")
    >>> feed = make_feed(table, OutputSpec.create("au"), image_size=8, seed=1)
    >>> data = FeedDataset(feed, batch_size=2)
    >>> x, y, w = data[0]
    >>> len(data), x.shape, x.dtype.name, y["action_units"].shape, w["action_units"].dtype.name
    (3, (2, 8, 8, 3), 'uint8', (2, 12), 'float32')
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from affectkeras.data.feeding.augment import Augment
from affectkeras.data.feeding.feed import Feed
from affectkeras.data.feeding.in_memory import ImageStore, assemble, decode_rows, usable
from affectkeras.data.skips import SkipReport


class FeedDataset(keras.utils.PyDataset):
    """Batches of a Feed for ``model.fit`` without TensorFlow.

    Args:
        feed: the Feed (``affectkeras.data.feeding.feed.make_feed``).
        batch_size: samples per batch (the last batch of an epoch may be smaller unless
            ``drop_remainder``).
        store: an ``ImageStore`` of decoded images, or per-row features [N, D]; None decodes
            from the files per batch.
        augment: CPU augmentation, or None.
        drop_remainder: drop an epoch's last partial batch.
        decode_threads: OpenCV threads for on-the-fly decoding (default: the usable cores).
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` of PyDataset.
    """

    def __init__(
        self,
        feed: Feed,
        batch_size: int = 32,
        store: ImageStore | np.ndarray | None = None,
        augment: Augment | None = None,
        drop_remainder: bool = False,
        decode_threads: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.feed = feed
        self.batch_size = int(batch_size)
        self.store = store
        self.augment = augment
        self.drop_remainder = drop_remainder
        self.decode_threads = decode_threads
        self.skips = SkipReport()
        self.epoch = 0
        self._order = self._epoch_order(0)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        order = self.feed.sampler.indices(epoch)
        if isinstance(self.store, ImageStore):
            order = order[usable(self.feed, self.store.ok, order)]
        return order

    @property
    def num_batches(self) -> int:
        count = len(self._order) / self.batch_size
        return math.floor(count) if self.drop_remainder else math.ceil(count)

    def __len__(self) -> int:
        return self.num_batches

    def __getitem__(self, index: int) -> tuple[Any, dict, dict]:
        return self.batch(index)[1:]

    def batch(self, index: int) -> tuple[np.ndarray, Any, dict, dict]:
        """Batch ``index`` with the feed samples it holds: ``(samples, x, y, sample_weight)``.

        ``samples`` (int64 [B]) are the Feed's sample indices that made it into the batch
        (bad images dropped), so predictions can be matched to table rows.
        """
        if not 0 <= index < self.num_batches:
            raise IndexError(f"batch {index} out of range ({self.num_batches} batches)")
        samples = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        seed = (self.feed.sampler.seed, self.epoch, index)
        if self.store is None:
            samples, pixels, needed = self._decode(samples)
            x, y, w = assemble(self.feed, samples, pixels, self.augment, seed, pixel_rows=needed)
            return samples, x, y, w
        pixels = self.store.images if isinstance(self.store, ImageStore) else self.store
        return (samples, *assemble(self.feed, samples, np.asarray(pixels), self.augment, seed))

    def start_at_epoch(self, epoch: int) -> None:
        """Serves epoch ``epoch``'s order next (a resumed run continues the same sequence)."""
        self.epoch = int(epoch)
        self._order = self._epoch_order(self.epoch)

    def _decode(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Decodes the rows a batch needs: (usable samples, pixels of ``needed``, needed)."""
        rows = self.feed.rows[samples]
        needed = np.unique(rows[rows >= 0])
        images, ok = decode_rows(self.feed, needed, self.decode_threads)
        status = np.zeros(len(self.feed.paths), dtype=bool)
        status[needed] = ok
        self.skips.add("bad_image", [str(p) for p in self.feed.paths[needed[~ok]]], once=True)
        return samples[usable(self.feed, status, samples)], images, needed

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._order = self._epoch_order(self.epoch)
