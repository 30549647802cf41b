"""affectkeras: multi-task facial affect recognition (expressions, action units, valence/arousal).

Importing the package is cheap and needs neither Keras nor TensorFlow: the submodules that use
them are loaded on first access (``affectkeras.models`` etc.), and TensorFlow itself is only ever
imported by the tf.data pipeline and the exporters. With ``KERAS_BACKEND=jax`` everything outside
those two runs on hosts where TensorFlow is not installed.

Example:
    >>> import affectkeras
    >>> affectkeras.labels.ACTION_UNITS[:3]
    ('AU1', 'AU2', 'AU4')
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY_SUBMODULES = (
    "data",
    "labels",
    "output_spec",
    "cli",
    "losses",
    "metrics",
    "models",
    "recipes",
    "inference",
    "plots",
    "export",
    "presets",
    "framing",
)

__all__ = ["__version__", "load_preset", "list_presets", *_LAZY_SUBMODULES]


def load_preset(name: str | None = None) -> Any:
    """A trained predictor shipped in the package, by name (default: the default preset).

    See ``affectkeras.presets``; ``affectkeras.list_presets()`` names them. Offline.
    """
    from affectkeras import presets

    return presets.load_preset(name or presets.DEFAULT_PRESET)


def list_presets() -> list[str]:
    """The names of the presets shipped in this installation."""
    from affectkeras import presets

    return presets.list_presets()


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f"affectkeras.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'affectkeras' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
