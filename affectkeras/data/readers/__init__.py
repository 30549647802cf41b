"""Dataset readers: one module per dataset family, each turning files into a sample table.

Readers never import Keras or TensorFlow. Each is registered here with the options it accepts;
``affectkeras.data.read`` checks options against this list before calling it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport

ReadFunction = Callable[[DataSpec, SkipReport], pd.DataFrame]

COMMON_OPTIONS: dict[str, str] = {
    "split": "comma-separated canonical splits to keep (default: all splits)",
}


@dataclass(frozen=True)
class Reader:
    """A registered dataset reader.

    Args:
        name: the DATASET word of a data spec.
        read: ``read(spec, skips) -> table``; records dropped rows in ``skips``.
        summary: one line for ``--help`` listings.
        options: option name -> one-line description (the common ``split`` is implied).
    """

    name: str
    read: ReadFunction
    summary: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def all_options(self) -> dict[str, str]:
        return {**COMMON_OPTIONS, **self.options}


_READERS: dict[str, Reader] = {}


def register_reader(reader: Reader) -> Reader:
    if reader.name in _READERS:
        raise ValueError(f"A reader named {reader.name!r} is already registered")
    _READERS[reader.name] = reader
    return reader


def get_reader(name: str) -> Reader:
    """The reader registered for a dataset name."""
    _load_builtin_readers()
    if name not in _READERS:
        raise ValueError(
            f"Unknown dataset {name!r}; readers available: {', '.join(list_readers())}"
        )
    return _READERS[name]


def list_readers() -> list[str]:
    """Names of the registered readers, sorted."""
    _load_builtin_readers()
    return sorted(_READERS)


def _load_builtin_readers() -> None:
    # Imported on first use so that each reader module registers itself once.
    from affectkeras.data.readers import (  # noqa: F401
        afew_va,
        affectnet,
        affwild2,
        affwild2_mtl,
        ckplus,
        emotionet,
        expw,
        fer2013,
        generic,
        rafdb,
        sfew,
    )
