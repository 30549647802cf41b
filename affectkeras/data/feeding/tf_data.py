"""The tf.data pipeline: a ``Feed`` into batches ``(x, y, sample_weight)`` for ``model.fit``.

TensorFlow is imported inside the functions, so ``import affectkeras.data`` stays TF-free.

Stages: the Feed's sampler order of the epoch -> per sample, in parallel
(``num_parallel_calls=AUTOTUNE``, order kept when ``deterministic``): read the file, check it
(``decode.looks_complete``: empty, unknown format and truncated files are bad), decode
(``tf.io.decode_image`` with 3 channels: grey is repeated, alpha dropped), crop the table's box,
resize bilinearly to the model size and round to uint8 -> CPU augmentation (flip,
pad-and-random-crop translation, stateless draws from ``(seed, epoch, position)``) -> batch ->
optional per-batch Keras layers on the CPU (rotation, RandAugment ...) -> prefetch.

Pixels stay uint8, unnormalised: the model normalises inside (its backbone's own scaling or
mean subtraction), so images cross to the device as uint8. Targets keep their sentinels and
``sample_weight`` holds per-task float32 weights (0 where MISSING), keyed by task name.

Bad images: a sample needing a bad image is dropped, and its path is counted in a
``SkipReport`` (``dataset.skips`` unless one is passed in) and logged. Files that pass the
structural check but still fail to decode are dropped by ``ignore_errors`` (TensorFlow logs
them; they are not in the count).

Same batches as the no-TensorFlow path (``affectkeras.data.feeding.keras_dataset.FeedDataset``)
for the same Feed without augmentation: same samples, targets and weights; pixels identical when
no resize happens (both decode with libjpeg-turbo/libpng, same upsampling), within 1 grey level
when bilinear resizing (OpenCV's fixed-point vs TensorFlow's float arithmetic).

Example:
    >>> import tempfile, pathlib, cv2, numpy as np
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.data.feeding.feed import make_feed
    >>> from affectkeras.output_spec import OutputSpec
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> paths = [str(folder / f"{i}.jpg") for i in range(3)]
    >>> for p in paths:
    ...     _ = cv2.imwrite(p, np.full((16, 16, 3), 100, np.uint8))
    >>> table = make_table({"path": paths, "split": "train", "expression": [0, -1, 5]}, "x")
    >>> feed = make_feed(table, OutputSpec.create("expr,va"), image_size=8, shuffle=False)
    >>> x, y, w = next(iter(make_dataset(feed, batch_size=3, epoch=0)))
    >>> x.dtype.name, tuple(x.shape), y["expression"].numpy().tolist()
    ('uint8', (3, 8, 8, 3), [0, -1, 5])
    >>> w["expression"].numpy().tolist(), w["valence_arousal"].numpy().tolist()
    ([1.0, 0.0, 1.0], [0.0, 0.0, 0.0])
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np

from affectkeras.data.feeding.augment import Augment, augment_tf, batch_layers
from affectkeras.data.feeding.decode import INTERPOLATIONS, TAIL_BYTES
from affectkeras.data.feeding.feed import Feed
from affectkeras.data.skips import SkipReport

logger = logging.getLogger("affectkeras.data")


def make_dataset(
    feed: Feed,
    batch_size: int = 32,
    augment: Augment | None = None,
    epoch: int | None = None,
    drop_remainder: bool = False,
    deterministic: bool = True,
    interpolation: str = "bilinear",
    skips: SkipReport | None = None,
    first_epoch: int = 0,
) -> Any:
    """Builds the ``tf.data.Dataset`` of a Feed.

    Args:
        feed: the Feed (``affectkeras.data.feeding.feed.make_feed``).
        batch_size: samples per batch.
        augment: CPU augmentation, or None (no augmentation).
        epoch: serve that epoch's order on every pass; None (default) counts passes, so
            ``model.fit`` gets epoch 0's order, then epoch 1's, ...
        drop_remainder: drop an epoch's last partial batch.
        deterministic: keep the sampler's order despite parallel decoding.
        interpolation: ``"bilinear"`` (default) or ``"area"`` resizing.
        skips: a SkipReport to count bad images in (default: a new one, ``dataset.skips``).
        first_epoch: with ``epoch=None``, the order of the first pass (a resumed run passes
            the epoch it resumes at, so it sees the same sequence as an uninterrupted one).

    Returns:
        A ``tf.data.Dataset`` of ``(x, y, sample_weight)``: x uint8 [B, H, W, 3] (or, for
        windows, ``{"frames": uint8 [B, s, H, W, 3], "mask": bool [B, s]}`` under the feed's
        ``input_names``), ``y`` and ``sample_weight`` dicts keyed by task name.
    """
    import tensorflow as tf

    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    skips = SkipReport() if skips is None else skips
    passes = itertools.count(int(first_epoch)) if epoch is None else itertools.repeat(int(epoch))
    sampler = feed.sampler

    def orders():
        current = next(passes)
        samples = sampler.indices(current)
        yield np.full(len(samples), current, np.int64), samples

    spec = tf.TensorSpec([None], tf.int64)
    stream = tf.data.Dataset.from_generator(orders, output_signature=(spec, spec))
    stream = stream.flat_map(_slices).enumerate()

    load = _loader(feed, augment, interpolation, skips)
    layers = batch_layers(augment, sampler.seed) if augment is not None else []
    y_table = {name: tf.constant(value) for name, value in feed.y.items()}
    w_table = {name: tf.constant(value, tf.float32) for name, value in feed.sample_weight.items()}
    mask_table = None if feed.mask is None else tf.constant(feed.mask)

    def load_sample(position, pair):
        return load(pair[0], position, pair[1])

    def is_good(ok, pixels, sample):
        return ok

    def drop_flag(ok, pixels, sample):
        return pixels, sample

    def add_targets(pixels, samples):  # per batch: a few gathers instead of a few per image
        if layers:
            pixels = _apply_layers(layers, pixels, feed.windowed)
        x = pixels
        if mask_table is not None:
            x = {feed.input_names[0]: pixels, feed.input_names[1]: tf.gather(mask_table, samples)}
        y = {name: tf.gather(value, samples) for name, value in y_table.items()}
        w = {name: tf.gather(value, samples) for name, value in w_table.items()}
        return x, y, w

    data = stream.map(load_sample, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    data = data.ignore_errors(log_warning=True)
    data = data.filter(is_good).map(drop_flag)
    data = data.batch(batch_size, drop_remainder=drop_remainder)
    data = data.map(add_targets, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    data = data.prefetch(tf.data.AUTOTUNE)
    data.skips = skips
    return data


def _slices(epochs, samples):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((epochs, samples))


def _loader(feed: Feed, augment: Augment | None, interpolation: str, skips: SkipReport):
    """The per-sample map function: (epoch, position, sample) -> (ok, pixels, sample)."""
    import tensorflow as tf

    height, width = feed.image_size
    paths = tf.constant(feed.paths)
    crops = bool((feed.boxes[:, 2] > 0).any())
    boxes = tf.constant(feed.boxes, tf.int32) if crops else None
    rows_table = tf.constant(feed.rows)
    mask_table = None if feed.mask is None else tf.constant(feed.mask)
    base_seed = int(feed.sampler.seed)

    def record(path: np.ndarray) -> np.int64:
        path = path.decode() if isinstance(path, bytes) else str(path)
        skips.add("bad_image", [path], once=True)  # the total is logged when the run ends
        logger.debug("affectkeras.data.feeding.tf_data: skipped bad image %s", path)
        return np.int64(0)

    def resize(image):
        image = tf.image.resize(image, (height, width), method=interpolation)
        return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)

    def decode_row(row):
        path = paths[row]
        data = tf.io.read_file(path)
        good = _looks_complete(data)

        def decoded():
            # JPEG: the accurate integer IDCT, as libjpeg's (and OpenCV's) default; TF's own
            # default is the fast one, which differs by a few grey levels.
            image = tf.cond(
                tf.strings.substr(data, 0, 3) == b"\xff\xd8\xff",  # len >= 8 here
                lambda: tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE"),
                lambda: tf.io.decode_image(data, channels=3, expand_animations=False),
            )
            if crops:
                image = _crop(image, boxes[row])
            shape = tf.shape(image)
            same = (shape[0] == height) & (shape[1] == width)
            return tf.cond(same, lambda: image, lambda: resize(image))

        def bad():
            with tf.control_dependencies([tf.numpy_function(record, [path], tf.int64)]):
                return tf.zeros((height, width, 3), tf.uint8)

        image = tf.cond(good, decoded, bad)
        image.set_shape((height, width, 3))
        return image, good

    def load(epoch, position, sample):
        rows = rows_table[sample]
        if mask_table is None:
            image, ok = decode_row(rows)
        else:
            mask = mask_table[sample]

            def step(row):
                return tf.cond(
                    row >= 0,
                    lambda: decode_row(row),
                    lambda: (tf.zeros((height, width, 3), tf.uint8), tf.constant(True)),
                )

            image, good = tf.map_fn(
                step,
                rows,
                fn_output_signature=(tf.TensorSpec((height, width, 3), tf.uint8), tf.bool),
            )
            ok = tf.reduce_all(good | ~(mask & (rows >= 0)))
        if augment is not None:
            seed = tf.stack([tf.cast(epoch, tf.int64) + base_seed * 1_000_003, position])
            image = augment_tf(image, augment, seed)
        return ok, image, sample

    return load


def _looks_complete(data):
    """Graph version of ``decode.looks_complete``: magic bytes, then the end marker.

    The common case costs a few string ops: the end marker is in the last bytes (JPEG
    ``FFD9``, PNG ``IEND`` + CRC). Only when it is not does a scan of the last ``TAIL_BYTES``
    look for it (files with trailing padding).
    """
    import tensorflow as tf

    length = tf.strings.length(data)
    head = tf.strings.substr(data + b"\x00" * 12, 0, 12)  # padded: substr needs pos <= len
    last = tf.strings.substr(b"\x00" * 12 + data, length, 12)  # the last 12 bytes
    jpeg = tf.strings.substr(head, 0, 3) == b"\xff\xd8\xff"
    png = tf.strings.substr(head, 0, 8) == b"\x89PNG\r\n\x1a\n"
    riff = tf.strings.substr(head, 0, 4) == b"RIFF"
    other = (
        (tf.strings.substr(head, 0, 2) == b"BM")
        | (tf.strings.substr(head, 0, 4) == b"GIF8")
        | (riff & (tf.strings.substr(head, 8, 4) == b"WEBP"))
    )
    quick = (jpeg & (tf.strings.substr(last, 10, 2) == b"\xff\xd9")) | (
        png & (tf.strings.substr(last, 4, 4) == b"IEND")
    )

    def scan():
        start = tf.maximum(length - TAIL_BYTES, 0)
        # a zero byte is appended so that an empty tail still decodes to a (1-byte) vector
        tail = tf.io.decode_raw(tf.strings.substr(data, start, length - start) + b"\x00", tf.uint8)
        return (jpeg & _contains(tail, b"\xff\xd9")) | (png & _contains(tail, b"IEND"))

    complete = (
        quick | other | tf.cond(quick | other | ~(jpeg | png), lambda: tf.constant(False), scan)
    )
    return (length >= 8) & complete


def _contains(values, pattern: bytes):
    """Whether the uint8 vector ``values`` contains the byte string ``pattern``."""
    import tensorflow as tf

    n = tf.maximum(tf.shape(values)[0] - len(pattern) + 1, 0)
    found = tf.ones([n], tf.bool)
    for offset, byte in enumerate(pattern):
        found &= values[offset : offset + n] == byte
    return tf.reduce_any(found)


def _crop(image, box):
    """Crops ``box`` (x, y, w, h; w = 0 means none), clipped to the image like decode.py."""
    import tensorflow as tf

    shape = tf.shape(image)
    img_h, img_w = shape[0], shape[1]
    x, y, w, h = box[0], box[1], box[2], box[3]
    x0 = tf.clip_by_value(x, 0, img_w - 1)
    y0 = tf.clip_by_value(y, 0, img_h - 1)
    x1 = tf.maximum(tf.minimum(x + w, img_w), x0 + 1)
    y1 = tf.maximum(tf.minimum(y + h, img_h), y0 + 1)
    return tf.cond(w > 0, lambda: image[y0:y1, x0:x1], lambda: image)


def _apply_layers(layers: list, images: Any, windowed: bool) -> Any:
    """Runs Keras preprocessing layers on a uint8 batch (windows: frames flattened first)."""
    import tensorflow as tf

    shape = tf.shape(images)
    flat = tf.reshape(images, tf.concat([[-1], shape[-3:]], axis=0)) if windowed else images
    out = tf.cast(flat, tf.float32)
    for layer in layers:
        out = layer(out, training=True)
    out = tf.cast(tf.clip_by_value(tf.round(out), 0, 255), tf.uint8)
    return tf.reshape(out, shape) if windowed else out
