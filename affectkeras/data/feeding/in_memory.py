"""The no-TensorFlow path: a sample table into in-memory uint8 arrays (OpenCV decoding).

For a JAX-only GPU host. ``load_images`` decodes every row's image once (threads; OpenCV
releases the GIL) into one uint8 [N, H, W, 3] array; ``to_arrays`` returns an epoch's
``(x, y, sample_weight)`` ready for ``model.fit``;
``affectkeras.data.feeding.keras_dataset.FeedDataset`` serves the same batches as a
``keras.utils.PyDataset`` with per-epoch sampling and augmentation.
Targets and weights are those of the tf.data pipeline (same ``Feed``). Images stay uint8 until
the model's first layers normalise them on the device.

Bad images (empty, truncated, undecodable, missing) are skipped: the samples that need them are
dropped and ``SkipReport`` counts them by reason with example paths; an epoch never crashes.

Example:
    >>> import tempfile, pathlib, cv2, numpy as np
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.data.feeding.feed import make_feed
    >>> from affectkeras.output_spec import OutputSpec
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = cv2.imwrite(str(folder / "a.png"), np.zeros((8, 8, 3), np.uint8))
    >>> (folder / "b.jpg").write_bytes(b"not an image")
    12
    >>> table = make_table({"path": [str(folder / "a.png"), str(folder / "b.jpg")],
    ...                     "split": "train", "expression": [1, 2]}, "rafdb")
    >>> feed = make_feed(table, OutputSpec.create("expr"), image_size=4, shuffle=False)
    >>> store = load_images(feed)
    >>> store.images.shape, store.ok.tolist(), dict(store.skips.counts)
    ((2, 4, 4, 3), [True, False], {'bad_image': 1})
    >>> x, y, w = to_arrays(feed, store)
    >>> x.shape, y["expression"].tolist()
    ((1, 4, 4, 3), [1])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from affectkeras.data.feeding.augment import Augment, augment_numpy
from affectkeras.data.feeding.decode import read_image
from affectkeras.data.feeding.feed import Feed
from affectkeras.data.feeding.windows import gather
from affectkeras.data.skips import SkipReport


@dataclass
class ImageStore:
    """Decoded images of every table row of a Feed.

    Attributes:
        images: uint8 [N, H, W, 3]; zeros where the image is bad.
        ok: bool [N]: the row's image decoded.
        skips: what was skipped, by reason (``bad_image``), with example paths.
    """

    images: np.ndarray
    ok: np.ndarray
    skips: SkipReport


def default_workers() -> int:
    """Decoding threads: the CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def decode_rows(
    feed: Feed,
    rows: Sequence[int],
    workers: int | None = None,
    interpolation: str = "bilinear",
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Decodes some table rows' images: uint8 [len(rows), H, W, 3] and bool ok [len(rows)]."""
    rows = np.asarray(rows, np.int64)
    height, width = feed.image_size
    images = np.zeros((len(rows), height, width, 3), dtype=np.uint8)
    ok = np.zeros(len(rows), dtype=bool)

    def one(i: int) -> None:
        row = rows[i]
        box = feed.boxes[row] if feed.boxes[row, 2] > 0 else None
        image = read_image(feed.paths[row], feed.image_size, box, interpolation)
        if image is not None:
            images[i] = image
            ok[i] = True

    workers = default_workers() if workers is None else workers
    bar = tqdm(total=len(rows), desc="decoding images", unit="img", disable=not progress)
    if workers <= 1 or len(rows) < 2:
        for i in range(len(rows)):
            one(i)
            bar.update()
    else:
        with ThreadPoolExecutor(workers) as pool:
            for _ in pool.map(one, range(len(rows))):
                bar.update()
    bar.close()
    return images, ok


def load_images(
    feed: Feed, workers: int | None = None, interpolation: str = "bilinear", progress: bool = False
) -> ImageStore:
    """Decodes the image of every table row the feed uses, once, into memory (``progress``:
    a progress bar on stderr)."""
    used = np.unique(feed.rows[feed.rows >= 0]) if feed.rows.size else np.zeros(0, np.int64)
    height, width = feed.image_size
    images = np.zeros((len(feed.paths), height, width, 3), dtype=np.uint8)
    ok = np.zeros(len(feed.paths), dtype=bool)
    images[used], ok[used] = decode_rows(feed, used, workers, interpolation, progress)
    skips = SkipReport()
    skips.add("bad_image", [str(p) for p in feed.paths[used[~ok[used]]]])
    if skips.total:
        skips.log("affectkeras.data.feeding.in_memory")
    return ImageStore(images, ok, skips)


def usable(feed: Feed, ok: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """bool [len(samples)]: samples whose every real (non-padded) step decoded."""
    rows = feed.rows[np.asarray(samples, np.int64)]
    if rows.ndim == 1:
        return ok[rows]
    real = rows >= 0 if feed.mask is None else feed.mask[samples] & (rows >= 0)
    return (ok[np.maximum(rows, 0)] | ~real).all(axis=1)


def assemble(
    feed: Feed,
    samples: np.ndarray,
    pixels: np.ndarray,
    augment: Augment | None = None,
    seed: Sequence[int] = (0,),
    pixel_rows: np.ndarray | None = None,
) -> tuple[object, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One batch ``(x, y, sample_weight)`` of the given samples from per-row ``pixels``.

    ``pixels`` is indexed by table row (an ``ImageStore.images``, or per-row features [N, D]
    for windows over features), or, with ``pixel_rows`` (sorted table rows), holds just those
    rows' pixels in that order. x is uint8 [B, H, W, 3], or for windows
    ``{input_names[0]: [B, s, ...], input_names[1]: bool [B, s]}``.
    """
    rows, mask, y, weights = feed.take(samples)
    if pixel_rows is not None:
        rows = np.where(rows >= 0, np.searchsorted(pixel_rows, rows), -1)
    values = gather(pixels, rows)
    if augment is not None and values.dtype == np.uint8:
        values = augment_numpy(values, augment, seed, steps=feed.windowed)
    if not feed.windowed:
        return values, y, weights
    return {feed.input_names[0]: values, feed.input_names[1]: mask}, y, weights


def to_arrays(
    feed: Feed,
    store: ImageStore | np.ndarray,
    epoch: int = 0,
    augment: Augment | None = None,
) -> tuple[object, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The whole of epoch ``epoch`` as arrays, in the sampler's order, bad samples dropped.

    Args:
        feed: the Feed.
        store: an ``ImageStore`` (pixels), or per-row features [N, D] (windows of features).
        epoch: which epoch's order (and augmentation draw) to use.
        augment: optional CPU augmentation (one draw for the whole epoch's arrays).

    Returns:
        ``(x, y, sample_weight)`` for ``model.fit(x, y, sample_weight=...)``.
    """
    samples = feed.sampler.indices(epoch)
    if isinstance(store, ImageStore):
        samples = samples[usable(feed, store.ok, samples)]
        pixels = store.images
    else:
        pixels = np.asarray(store)
    return assemble(feed, samples, pixels, augment, (feed.sampler.seed, epoch))
