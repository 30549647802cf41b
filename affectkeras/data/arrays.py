"""Moved to ``affectkeras.data.feeding.in_memory``; this old path keeps its names importable."""

from affectkeras.data.feeding.in_memory import (
    ImageStore,
    assemble,
    decode_rows,
    default_workers,
    load_images,
    to_arrays,
    usable,
)

__all__ = [
    "ImageStore",
    "assemble",
    "decode_rows",
    "default_workers",
    "load_images",
    "to_arrays",
    "usable",
]
