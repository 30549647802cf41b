"""Config values from YAML or ``--set key=value`` text, converted to each field's annotated type.

Example:
    >>> convert_value("epochs", parse_text("3", int | None), int | None, "--set")
    3
    >>> convert_value("tasks", "expr, au", list[str], "--set")
    ['expr', 'au']
    >>> convert_value("validation_datasets", parse_text("none", list[str]), list[str], "--set")
    []
"""

from __future__ import annotations

import types
import typing
from typing import Any

import yaml


def parse_text(text: str, hint: Any) -> Any:
    """A ``--set`` value: literal text for a text field (``validation_split=none`` is the word
    none), None for ``none``/``null`` in an optional field, else as YAML reads it."""
    if hint is str:
        return text
    if text.lower() in ("none", "null", "~", ""):
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def convert_value(key: str, value: Any, hint: Any, source: str) -> Any:
    """Converts ``value`` to the field's annotated type or raises a ValueError naming the key."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return convert_value(key, value, inner[0], source)
    if value is None and origin is list:
        return []  # validation_datasets=none: the empty list
    if value is None:
        raise ValueError(f"{key}: a value is required (none given) [{source}]")
    try:
        if origin is list:
            items = value.split(",") if isinstance(value, str) else list(value)
            return [str(item).strip() for item in items if str(item).strip()]
        if hint is bool:
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in ("true", "1", "yes", "on"):
                return True
            if word in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if hint is int:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return int(float(value))
        if hint is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if hint is str:
            if isinstance(value, list):
                return ",".join(str(v) for v in value)
            return str(value)
    except (TypeError, ValueError):
        name = getattr(hint, "__name__", str(hint))
        raise ValueError(f"{key}={value!r} is not a valid {name} [{source}]") from None
    return value
