"""Moved to ``affectkeras.data.feeding.keras_dataset``; this old path keeps ``FeedDataset``."""

from affectkeras.data.feeding.keras_dataset import FeedDataset

__all__ = ["FeedDataset"]
