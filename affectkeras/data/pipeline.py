"""Moved to ``affectkeras.data.feeding.tf_data``; this old path keeps ``make_dataset``."""

from affectkeras.data.feeding.tf_data import make_dataset

__all__ = ["make_dataset"]
