"""A run's data: reading the specs, the train/validation split, and batches for ``model.fit``.

Training batches come from tf.data on the TensorFlow backend and from the in-memory
``FeedDataset`` elsewhere (the JAX GPU host has no TensorFlow); ``input_pipeline`` forces one.
Validation batches are always a streaming ``FeedDataset`` (decoded per batch, in table order),
so validation scores do not depend on the backend.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import pandas as pd

from affectkeras.data.feeding.augment import Augment
from affectkeras.data.feeding.feed import Feed
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.reading.read import read_datasets
from affectkeras.data.table import expression_classes
from affectkeras.recipes.engine.config import TrainConfig
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
            table, config.validation_split, config.validation_fraction, config.seed
        )
    train = train.reset_index(drop=True)
    validation = validation.reset_index(drop=True)
    num_classes = config.num_classes or expression_classes(train)
    validation_classes = expression_classes(validation) if len(validation) else num_classes
    return RunTables(train, validation, num_classes, validation_classes, dataset_classes)


def choose_pipeline(config: TrainConfig, feed: Feed) -> str:
    """``tf_data``, ``in_memory`` or ``streaming`` for this config, backend and data size."""
    if config.input_pipeline != "auto":
        if config.input_pipeline == "tf_data" and not has_tensorflow():
            raise ValueError("input_pipeline=tf_data needs TensorFlow, which is not installed")
        return config.input_pipeline
    if keras.backend.backend() == "tensorflow" and has_tensorflow():
        return "tf_data"
    height, width = feed.image_size
    gigabytes = len(feed.paths) * height * width * 3 / 1e9
    return "in_memory" if gigabytes <= config.max_memory_gb else "streaming"


def training_batches(
    feed: Feed, config: TrainConfig, augment: Augment | None, first_epoch: int
) -> tuple[Any, int, str]:
    """``(batches, batches_per_epoch, pipeline)`` for ``model.fit``.

    The epoch order continues at ``first_epoch`` (a resumed run sees the same sequence). The
    tf.data stream repeats: fit it with ``steps_per_epoch`` (``plan_epochs`` gives it).
    """
    pipeline = choose_pipeline(config, feed)
    batch_size = int(config.batch_size)
    per_epoch = max(1, math.ceil(len(feed.sampler.indices(0)) / batch_size))
    if pipeline == "tf_data":
        from affectkeras.data.feeding.tf_data import make_dataset

        # one generator pass per epoch, repeated: with steps_per_epoch set, Keras keeps one
        # iterator, so epoch e still gets the sampler's order e (and no "ran out of data")
        batches = make_dataset(feed, batch_size, augment, first_epoch=first_epoch).repeat()
        return batches, per_epoch, pipeline
    store = None
    if pipeline == "in_memory":
        from affectkeras.data.feeding.in_memory import load_images

        logger.info("decoding %d images into memory", len(feed.paths))
        store = load_images(feed, progress=config.verbose == 1)
    dataset = FeedDataset(feed, batch_size, store=store, augment=augment)
    dataset.start_at_epoch(first_epoch)
    return dataset, max(1, len(dataset)), pipeline


def validation_batches(feed: Feed, batch_size: int) -> FeedDataset:
    """Streaming, unshuffled validation batches."""
    return FeedDataset(feed, batch_size)


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
