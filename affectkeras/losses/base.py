"""The base classes of affectkeras losses: masking and reduction owned by the loss itself.

Keras' ``Loss.__call__`` reduces per-sample values by the batch size; the affect losses instead
average over the *labelled* samples or entries of the batch (Contract 3 of the project brief), and
some of them (CCC) are batch statistics rather than sums of per-sample terms. So an
:class:`AffectLoss` computes the reduced float32 scalar itself in
``compute(y_true, y_pred, sample_weight)``, and ``__call__`` only converts the inputs.
``compile(loss=...)``, ``loss_weights`` and per-output ``sample_weight`` dicts work as with any
Keras loss.

Every affectkeras loss is a pure function plus a thin class, as in Keras' ``LossFunctionWrapper``:
the function ``fn(y_true, y_pred, sample_weight=None, **arguments)`` returns the reduced scalar
(masking, sample weights, leading sample axes and all), and the class, a
:class:`MaskedLossWrapper`, only names the arguments, their defaults and checks:

    @keras.saving.register_keras_serializable(package="affectkeras")
    class MyLoss(MaskedLossWrapper):
        def __init__(self, power: float = 2.0, name: str = "my_loss"):
            super().__init__(my_loss, name=name, power=float(power))

``get_config()`` is ``{"name": ..., **arguments}`` and ``from_config`` passes it back to
``__init__``, so the arguments must be JSON-plain values (numbers, strings, lists, None).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops


class AffectLoss(keras.losses.Loss):
    """Base class: a serializable loss that masks MISSING targets and averages over labels.

    Subclasses implement :meth:`compute` and extend :meth:`get_config` with their arguments;
    :class:`MaskedLossWrapper` does both from a pure function and its arguments.
    """

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name, reduction="sum_over_batch_size", dtype="float32")

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), "float32")
        y_true = ops.convert_to_tensor(y_true)
        if sample_weight is not None:
            sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), "float32")
        return replica_share(self.compute(y_true, y_pred, sample_weight))

    def call(self, y_true, y_pred):
        """Unweighted value of the loss (``compute`` without sample weights)."""
        return self.compute(ops.convert_to_tensor(y_true), ops.cast(y_pred, "float32"), None)

    def compute(self, y_true, y_pred, sample_weight):
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}


def replica_share(value: Any) -> Any:
    """``value`` / N inside one of the N replicas of a TensorFlow strategy, else ``value``.

    Under ``tf.distribute`` Keras sums the replicas' gradients, so each replica's loss counts
    1/N, as Keras' own ``Loss.__call__`` scales it; outside a replica (a callback scoring the
    validation set) the value is the loss itself.
    """
    if keras.backend.backend() != "tensorflow":
        return value
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return value * (1.0 / context.num_replicas_in_sync)


class MaskedLossWrapper(AffectLoss):
    """A loss made of a pure function that masks and reduces, and the function's arguments.

    Unlike Keras' ``LossFunctionWrapper``, ``fn`` returns the reduced scalar, not per-sample
    values: it owns the mask and the denominator (the labelled samples or entries), and may be a
    batch statistic. Each argument is also an attribute of the loss (``FocalCrossEntropy().gamma``),
    and ``compute`` reads the attributes, so the loss, its config and its value always agree.

    Args:
        fn: ``fn(y_true, y_pred, sample_weight=None, **arguments) -> float32 scalar``. A
            ``ValueError`` it raises is re-raised with the loss name in front.
        name: loss name.
        **arguments: the keyword arguments of ``fn``: the loss's whole config besides ``name``.
    """

    def __init__(self, fn: Callable[..., Any], name: str, **arguments: Any) -> None:
        super().__init__(name=name)
        self.fn = fn
        for key, value in arguments.items():
            if hasattr(self, key):
                raise ValueError(f"{type(self).__name__}: argument {key!r} shadows an attribute")
            setattr(self, key, value)
        self._argument_names = tuple(arguments)

    @property
    def arguments(self) -> dict[str, Any]:
        """The keyword arguments passed to ``fn`` (the config without ``name``)."""
        return {key: getattr(self, key) for key in self._argument_names}

    def compute(self, y_true, y_pred, sample_weight):
        try:
            return self.fn(y_true, y_pred, sample_weight=sample_weight, **self.arguments)
        except ValueError as error:
            raise ValueError(f"{self.name}: {error}") from error

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self.arguments}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.arguments.items())
        return f"{type(self).__name__}({arguments}, name={self.name!r})"


def float_list(values) -> list[float] | None:
    """None, or a sequence of numbers as a list of Python floats (a JSON-plain config value)."""
    return None if values is None else [float(value) for value in values]


def positive(value: float, what: str) -> float:
    """``float(value)``, or a ``ValueError`` naming ``what`` when it is not > 0."""
    if not value > 0:
        raise ValueError(f"{what} must be positive, got {value}")
    return float(value)
