"""A run's data: reading the specs, the train/validation split, and batches for ``model.fit``.

``input_pipeline=auto`` picks the fastest correct path for the data size, on every backend:

- ``in_memory``: the images the run uses, decoded once into RAM, when they fit in
  ``max_memory_gb``; batches are sliced from that array (``FeedDataset`` with an
  ``ImageStore``). Measured on 2 CPU cores this is within a few per cent of plain ``model.fit``
  on numpy arrays, where the tf.data path that decodes JPEG every epoch costs ~1.5x
  (``benchmarks/recipe_overhead.py``, docs/pipeline.md).
- ``disk_cache``: too big for RAM, small enough for the disk: decoded once into a memory-mapped
  file (``data.feeding.pixel_cache``) in ``pixel_cache`` (default ``RUN_DIR/pixel_cache``,
  removed when the run ends; a folder you name is kept and shared by later runs).
- ``tf_data`` (TensorFlow backend) or ``streaming`` (elsewhere): decoded per batch, when
  neither fits or ``pixel_cache=none``.

Validation batches are served in table order from a decoded cache when they fit in what the
training images leave of ``max_memory_gb``, else decoded per batch; the scores do not depend
on the path.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import pandas as pd

from affectkeras.data.feeding.augment import Augment
from affectkeras.data.feeding.feed import Feed
from affectkeras.data.feeding.in_memory import ImageStore, load_images
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.feeding.pixel_cache import disk_store, pixel_bytes, used_rows
from affectkeras.data.feeding.thinning import thin_samples, with_samples
from affectkeras.data.reading.read import read_datasets
from affectkeras.data.table import expression_classes
from affectkeras.predictor import describe_inputs
from affectkeras.recipes.engine.config import TrainConfig
from affectkeras.recipes.engine.distribution import (
    Placement,
    ProcessShard,
    needs_shards,
    shard_tf_dataset,
)
from affectkeras.recipes.engine.splits import split_train_validation

logger = logging.getLogger("affectkeras.recipes")


@dataclass
class RunTables:
    """The training and validation tables of a run and the expression space of each."""

    train: pd.DataFrame
    validation: pd.DataFrame
    num_classes: int
    validation_classes: int
    dataset_classes: dict[str, int]


def run_tables(specs: Sequence[str], config: TrainConfig) -> RunTables:
    """Reads the data and splits it as ``config`` says (see ``engine.splits``)."""
    table = read_datasets(specs)
    dataset_classes = dict(table.attrs.get("dataset_classes", {}))
    if config.validation_data:
        train = table[table["split"] == "train"]
        validation = read_datasets(config.validation_data)
        if train.empty:
            raise ValueError("No training rows (split 'train') in --data")
    else:
        train, validation = split_train_validation(
            table,
            config.validation_split,
            config.validation_fraction,
            config.seed,
            config.validation_datasets,
        )
    train = train.reset_index(drop=True)
    validation = validation.reset_index(drop=True)
    num_classes = config.num_classes or expression_classes(train)
    validation_classes = expression_classes(validation) if len(validation) else num_classes
    return RunTables(train, validation, num_classes, validation_classes, dataset_classes)


def choose_pipeline(config: TrainConfig, feed: Feed, cache_dir: str | Path | None = None) -> str:
    """``in_memory``, ``disk_cache``, ``tf_data`` or ``streaming`` for this config, backend
    and data size (see the module doc)."""
    if config.input_pipeline != "auto":
        if config.input_pipeline == "tf_data" and not has_tensorflow():
            raise ValueError("input_pipeline=tf_data needs TensorFlow, which is not installed")
        return config.input_pipeline
    size = pixel_bytes(feed)
    if size <= config.max_memory_gb * 1e9:
        return "in_memory"
    folder = cache_folder(config, cache_dir)
    if folder is not None and room_for(folder, size):
        return "disk_cache"
    if keras.backend.backend() == "tensorflow" and has_tensorflow():
        return "tf_data"
    return "streaming"


def cache_folder(config: TrainConfig, cache_dir: str | Path | None) -> Path | None:
    """Where a disk cache goes: ``pixel_cache`` if it names a folder, else ``cache_dir``
    (the run's ``RUN_DIR/pixel_cache``); None with ``pixel_cache=none``."""
    if config.pixel_cache == "none":
        return None
    if config.pixel_cache != "auto":
        return Path(config.pixel_cache).expanduser()
    return None if cache_dir is None else Path(cache_dir)


def room_for(folder: Path, size: int) -> bool:
    """The file system of ``folder`` keeps 10 % (at least 1 GB) free after ``size`` bytes more."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    usage = shutil.disk_usage(existing)
    return usage.free - size >= max(1e9, 0.1 * usage.total)


def training_batches(
    feed: Feed,
    config: TrainConfig,
    augment: Augment | None,
    first_epoch: int,
    cache_dir: str | Path | None = None,
    place: Placement | None = None,
) -> tuple[Any, int, str]:
    """``(batches, batches_per_epoch, pipeline)`` for ``model.fit``.

    The epoch order continues at ``first_epoch`` (a resumed run sees the same sequence). The
    tf.data stream repeats: fit it with ``steps_per_epoch`` (``plan_epochs`` gives it).
    ``cache_dir`` is where ``pixel_cache=auto`` puts a disk cache (the run's folder for it).
    Under a ``place`` of several processes each serves its slice of every global batch
    (``engine.distribution``); under Keras' DataParallel an epoch's last partial batch is
    dropped.
    """
    place = place or Placement()
    place.check_batch(config.batch_size)
    pipeline = choose_pipeline(config, feed, cache_dir)
    place.barrier("affectkeras-pipeline")  # every process chose before a disk cache is written
    batch_size, drop = int(config.batch_size), place.drop_remainder
    rounding = math.floor if drop else math.ceil
    per_epoch = max(1, rounding(len(feed.sampler.indices(0)) / batch_size))
    if pipeline == "tf_data":
        from affectkeras.data.feeding.tf_data import make_dataset

        # one generator pass per epoch, repeated: with steps_per_epoch set, Keras keeps one
        # iterator, so epoch e still gets the sampler's order e (and no "ran out of data")
        batches = make_dataset(
            feed, batch_size, augment, drop_remainder=drop, first_epoch=first_epoch
        )
        return shard_tf_dataset(batches, place).repeat(), per_epoch, pipeline
    cached = pipeline == "disk_cache"  # written by the chief, then read by the others
    store = None
    if place.is_chief or not cached:
        store = decoded_store(feed, pipeline, config, cache_dir)
    if cached:
        place.barrier("affectkeras-pixel-cache")
        if store is None:
            store = decoded_store(feed, pipeline, config, cache_dir)
    dataset = FeedDataset(feed, batch_size, store=store, augment=augment, drop_remainder=drop)
    dataset.start_at_epoch(first_epoch)
    if len(dataset) == 0:
        raise ValueError(f"batch_size={batch_size} exceeds the {len(feed)} training samples")
    shards = ProcessShard(dataset, place) if needs_shards(place) else dataset
    return shards, max(1, len(dataset)), pipeline


def decoded_store(
    feed: Feed, pipeline: str, config: TrainConfig, cache_dir: str | Path | None
) -> ImageStore | None:
    """The decoded images of ``in_memory`` and ``disk_cache``; None for ``streaming``."""
    progress = config.verbose == 1
    if pipeline == "in_memory":
        logger.info("decoding %d images into memory", len(used_rows(feed)))
        return load_images(feed, progress=progress)
    if pipeline == "disk_cache":
        folder = cache_folder(config, cache_dir)
        if folder is None:
            raise ValueError("input_pipeline=disk_cache needs a pixel_cache folder (not none)")
        return disk_store(feed, folder, progress=progress)
    return None


def validation_batches(
    feed: Feed,
    batch_size: int,
    config: TrainConfig | None = None,
    training_pipeline: str = "streaming",
    training_feed: Feed | None = None,
) -> FeedDataset:
    """Unshuffled validation batches: decoded once into memory when they fit in what the
    training images leave of ``max_memory_gb``, else decoded per batch."""
    store = None
    if config is not None and config.input_pipeline in ("auto", "in_memory"):
        budget = config.max_memory_gb * 1e9
        if training_pipeline == "in_memory" and training_feed is not None:
            budget -= pixel_bytes(training_feed)
        if pixel_bytes(feed) <= budget:
            store = load_images(feed)
    return FeedDataset(feed, batch_size, store=store)


def plan_epochs(config: TrainConfig, batches_per_epoch: int) -> tuple[int, int]:
    """``(epochs, steps_per_epoch)``: ``epochs`` as set, else enough epochs for ``steps``
    (whole epochs, so up to one epoch more than ``steps``).

    Raises:
        ValueError: ``steps_per_epoch`` above the batches of one pass over the data.
    """
    steps_per_epoch = config.steps_per_epoch
    if steps_per_epoch is not None and steps_per_epoch > batches_per_epoch:
        raise ValueError(
            f"steps_per_epoch={steps_per_epoch} exceeds the {batches_per_epoch} batches of one "
            "pass over the training data"
        )
    steps_per_epoch = steps_per_epoch or batches_per_epoch
    if config.epochs is not None:
        return int(config.epochs), steps_per_epoch
    return max(1, math.ceil(int(config.steps) / steps_per_epoch)), steps_per_epoch


def has_tensorflow() -> bool:
    """TensorFlow is installed (checked without importing it)."""
    return importlib.util.find_spec("tensorflow") is not None


def epoch_validation(
    feed: Feed,
    table: pd.DataFrame,
    config: TrainConfig,
    predictor: keras.Model,
    training_pipeline: str,
    training_feed: Feed,
) -> FeedDataset:
    """The validation batches scored at each epoch end (``validation_batches``) of the
    validation Feed thinned to every ``validation_frame_stride``-th frame of each video, at
    most ``validation_max_frames`` per video (``data.feeding.thinning``); the whole feed by
    default. metrics.json always scores the whole validation table."""
    thinned = thinned_feed(feed, table, config, predictor)
    return validation_batches(thinned, config.batch_size, config, training_pipeline, training_feed)


def thinned_feed(
    feed: Feed, table: pd.DataFrame, config: TrainConfig, predictor: keras.Model
) -> Feed:
    """``feed`` thinned as ``validation_frame_stride`` and ``validation_max_frames`` say."""
    stride, max_frames = config.validation_frame_stride, config.validation_max_frames
    if stride == 1 and max_frames is None:
        return feed
    inputs = describe_inputs(predictor)
    sequence = inputs.windowed and inputs.readout == "sequence"
    kept = thin_samples(feed, table, stride, max_frames, int(inputs.window or 1) if sequence else 1)
    logger.info(
        "per-epoch validation scores %d of %d samples (validation_frame_stride=%d, "
        "validation_max_frames=%s); metrics.json scores them all",
        len(kept),
        len(feed),
        stride,
        max_frames,
    )
    return with_samples(feed, kept)
