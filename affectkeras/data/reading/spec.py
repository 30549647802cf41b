"""Data SPEC strings: ``DATASET:PATH`` with optional reader options ``?key=value&key=value``.

Example:
    >>> spec = parse_spec("fer2013:/data/fer2013?split=train&cache=/tmp/fer")
    >>> spec.dataset, spec.path.name, spec.options
    ('fer2013', 'fer2013', {'split': 'train', 'cache': '/tmp/fer'})

Option values are URL-unquoted, so a path holding ``&`` or ``?`` can be written ``%26`` / ``%3F``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from affectkeras import labels

TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


@dataclass(frozen=True)
class DataSpec:
    """A parsed data SPEC: which reader, which path, which options."""

    dataset: str
    path: Path
    options: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"{self.dataset}:{self.path}"

    # ------------------------------------------------------------ typed option access

    def choice(self, key: str, choices: Iterable[str], default: str | None) -> str | None:
        """The option's value, which must be one of ``choices``; ``default`` when absent."""
        choices = tuple(choices)
        value = self.options.get(key)
        if value is None:
            return default
        if value not in choices:
            raise ValueError(
                f"Data spec {self}: option {key}={value!r} is not one of {', '.join(choices)}"
            )
        return value

    def flag(self, key: str, default: bool) -> bool:
        """A true/false option (``true|false``, ``1|0``, ``yes|no``)."""
        value = self.options.get(key)
        if value is None:
            return default
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
        raise ValueError(f"Data spec {self}: option {key}={value!r} must be true or false")

    def path_option(self, key: str) -> Path | None:
        """An option holding a path, made absolute; None when absent."""
        value = self.options.get(key)
        return None if value is None else Path(os.path.abspath(os.path.expanduser(value)))

    def num_classes(self) -> int | None:
        """The ``classes=7|8`` option as an int (None: the file's own space)."""
        value = self.choice("classes", ("7", "8"), None)
        return None if value is None else int(value)

    def splits(self) -> tuple[str, ...] | None:
        """The ``split=`` option as a tuple of canonical splits (comma-separated), or None."""
        value = self.options.get("split")
        if value is None:
            return None
        wanted = tuple(s.strip() for s in value.split(",") if s.strip())
        unknown = [s for s in wanted if s not in labels.SPLITS]
        if not wanted or unknown:
            raise ValueError(
                f"Data spec {self}: split={value!r}: "
                f"canonical splits are {', '.join(labels.SPLITS)}"
            )
        return wanted


def parse_spec(text: str | DataSpec) -> DataSpec:
    """Parses ``DATASET:PATH[?key=value&...]``.

    Raises:
        ValueError: on a missing ``:``, an empty dataset or path, a malformed or repeated option.
    """
    if isinstance(text, DataSpec):
        return text
    if not isinstance(text, str):
        raise ValueError(
            f"A data spec is a string DATASET:PATH[?options], got {type(text).__name__}"
        )
    dataset, sep, rest = text.partition(":")
    if not sep or not dataset.strip() or not rest.strip():
        raise ValueError(
            f"Data spec {text!r} must look like DATASET:PATH[?key=value&key=value], "
            "e.g. fer2013:/data/fer2013?split=train"
        )
    path_text, _, query = rest.partition("?")
    options: dict[str, str] = {}
    for item in query.split("&") if query else []:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise ValueError(f"Data spec {text!r}: option {item!r} must be key=value")
        if key in options:
            raise ValueError(f"Data spec {text!r}: option {key!r} is given twice")
        options[key] = unquote(value.strip())
    path = Path(os.path.abspath(os.path.expanduser(path_text.strip())))
    return DataSpec(dataset=dataset.strip().lower(), path=path, options=options, text=text)
