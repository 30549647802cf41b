"""The base class of every backbone: a functional model from RGB pixels to pooled features.

A backbone subclass builds its graph in ``__init__`` (sections Layers / Functional model /
Config, keras-hub style) and ends with
``super().__init__(inputs, outputs, arguments={...}, dtype=dtype, **kwargs)``, where
``arguments`` holds its own constructor arguments as they should appear in the config.
:class:`Backbone` does the rest in one place: ``image_shape`` and ``feature_dim`` are read off
the graph, each argument becomes an attribute, and ``get_config()`` is ``name``, ``trainable``,
the serialized dtype policy, ``input_shape`` and the arguments (tuples as lists), which
``from_config`` passes back to the subclass's ``__init__``.
"""

from __future__ import annotations

from typing import Any

import keras


def _plain(value: Any) -> Any:
    """A config value as JSON stores it: tuples (also nested) become lists."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


class Backbone(keras.Model):
    """A functional ``keras.Model`` mapping [B, H, W, 3] RGB 0..255 pixels to [B, D] features.

    Args:
        inputs: the ``keras.Input`` of shape (H, W, 3).
        outputs: the pooled features, [B, D].
        arguments: the subclass's own constructor arguments besides ``input_shape`` and
            ``dtype``, as config values (numbers, strings, None, tuples); each becomes an
            attribute.
        dtype: dtype policy of every layer (default: the global policy).
        **kwargs: ``keras.Model`` arguments (``name``, ``trainable``).

    Attributes:
        image_shape: (H, W, 3), from ``inputs``.
        feature_dim: D, from ``outputs``.
    """

    def __init__(
        self, inputs, outputs, arguments: dict[str, Any] | None = None, dtype=None, **kwargs
    ) -> None:
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)
        if dtype is not None:
            # A functional model ignores its dtype argument and keeps the global policy; the
            # policy its layers were built with is the one the config must save.
            self.dtype_policy = keras.dtype_policies.get(dtype)
        self.image_shape = tuple(None if s is None else int(s) for s in inputs.shape[1:])
        self.feature_dim = int(outputs.shape[-1])
        arguments = dict(arguments or {})
        for key, value in arguments.items():
            if hasattr(self, key):
                raise ValueError(f"{type(self).__name__}: argument {key!r} shadows an attribute")
            setattr(self, key, value)
        self._argument_names = tuple(arguments)

    @property
    def arguments(self) -> dict[str, Any]:
        """The subclass's own constructor arguments (the config without the shared keys)."""
        return {key: getattr(self, key) for key in self._argument_names}

    def get_config(self) -> dict[str, Any]:
        # Not chained to keras.Model: a functional model's config is its layer graph, which a
        # backbone's __init__ rebuilds from these arguments.
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "input_shape": list(self.image_shape),
            **{key: _plain(value) for key, value in self.arguments.items()},
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Backbone:
        return cls(**config)
