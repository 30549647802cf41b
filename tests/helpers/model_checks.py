"""One shared check for every model and head combination (in the spirit of keras-hub's
``TestCase.run_backbone_test``): build, call, output names/shapes/dtypes, no NaN, a gradient
for every trainable weight, ``.keras`` save/load, config round-trip and mixed precision.

Works on the TensorFlow and JAX backends (gradients via ``tf.GradientTape`` or ``jax.grad``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np

MIXED_POLICIES = ("mixed_bfloat16", "mixed_float16")


@contextlib.contextmanager
def dtype_policy(name: str):
    """Sets the global dtype policy for the block and restores the previous one after."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def as_dict(outputs) -> dict[str, np.ndarray]:
    """Model outputs as {name: numpy array}; a single tensor is named ``output``."""
    if isinstance(outputs, Mapping):
        return {name: keras.ops.convert_to_numpy(value) for name, value in outputs.items()}
    return {"output": keras.ops.convert_to_numpy(outputs)}


def output_dtypes(outputs) -> dict[str, str]:
    items = outputs.items() if isinstance(outputs, Mapping) else [("output", outputs)]
    return {name: keras.backend.standardize_dtype(value.dtype) for name, value in items}


def trainable_gradients(model: keras.Model, inputs, seed: int = 0) -> list[np.ndarray]:
    """Gradients of a random linear function of all outputs w.r.t. every trainable variable.

    Random coefficients (not a plain sum) so that softmax outputs, whose sum is constant, still
    pass gradients. Runs in training mode, where BatchNorm normalises with batch statistics: in
    inference mode a fresh BatchNorm is the identity, activations of an untrained deep ResNet
    grow until softmax/tanh saturate, and gradients vanish for reasons that say nothing about
    the wiring.
    """
    reference = as_dict(model(inputs, training=True))
    rng = np.random.default_rng(seed)
    coefficients = {
        name: rng.normal(size=value.shape).astype("float32") for name, value in reference.items()
    }

    def objective(outputs):
        outputs = outputs if isinstance(outputs, Mapping) else {"output": outputs}
        total = 0.0
        for name, value in outputs.items():
            value = keras.ops.cast(value, "float32")
            total = total + keras.ops.sum(value * coefficients[name])
        return total

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = objective(model(inputs, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        return [None if g is None else keras.ops.convert_to_numpy(g) for g in gradients]
    if backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def loss_fn(values):
            outputs, _ = model.stateless_call(values, non_trainable, inputs, training=True)
            return objective(outputs)

        # One compiled graph: op-by-op eager differentiation of a ResNet is many times slower.
        return [np.asarray(g) for g in jax.jit(jax.grad(loss_fn))(trainable)]
    raise NotImplementedError(f"gradient check not written for backend {backend!r}")


def run_model_checks(
    build: Callable[[], keras.Model],
    inputs,
    expected_shapes: Mapping[str, tuple],
    tmp_path: Path,
    *,
    gradients: bool = True,
    saving: bool = True,
    config: bool = True,
    mixed_precision: tuple[str, ...] = MIXED_POLICIES,
    atol: float = 1e-5,
    seed: int = 0,
) -> keras.Model:
    """Runs every model check; returns the float32 model.

    Args:
        build: zero-argument callable building the model (called again under each mixed policy).
        inputs: one batch (numpy array or dict of arrays).
        expected_shapes: output name -> exact shape (``output`` for a single-tensor model).
        tmp_path: folder for the ``.keras`` file.
        seed: seeds weight initialisation (``keras.utils.set_random_seed``).
    """
    # Seeded initialisation: with tiny test widths an unlucky draw can leave every ReLU unit of
    # a small layer dead on a 2-sample batch, which the gradient check would (rightly) flag.
    keras.utils.set_random_seed(seed)
    model = build()
    outputs = model(inputs, training=False)
    values = as_dict(outputs)
    assert set(values) == set(expected_shapes), (sorted(values), sorted(expected_shapes))
    for name, shape in expected_shapes.items():
        assert values[name].shape == tuple(shape), (name, values[name].shape, shape)
        assert np.isfinite(values[name]).all(), f"{name} has NaN or inf"
    assert set(output_dtypes(outputs).values()) == {"float32"}, output_dtypes(outputs)

    if gradients:
        snapshot = model.get_weights()  # training mode moves BatchNorm's statistics
        grads = trainable_gradients(model, inputs)
        model.set_weights(snapshot)
        assert len(grads) == len(model.trainable_variables) > 0
        exempt = {id(v) for v in biases_feeding_batchnorm(model)}
        missing = [
            v.path
            for v, g in zip(model.trainable_variables, grads, strict=True)
            if id(v) not in exempt and (g is None or not np.any(np.abs(g) > 0))
        ]
        assert not missing, f"no gradient reaches {missing[:10]} ({len(missing)} in all)"
        assert all(np.isfinite(g).all() for g in grads)

    if saving:
        path = Path(tmp_path) / f"{model.name}.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
        reloaded = as_dict(loaded(inputs, training=False))
        assert set(reloaded) == set(values)
        for name in values:
            np.testing.assert_allclose(reloaded[name], values[name], atol=atol, err_msg=name)

    if config:
        clone = model.__class__.from_config(model.get_config())
        assert clone.get_config() == model.get_config()
        clone.set_weights(model.get_weights())
        cloned = as_dict(clone(inputs, training=False))
        for name in values:
            np.testing.assert_allclose(cloned[name], values[name], atol=atol, err_msg=name)

    for policy in mixed_precision:
        with dtype_policy(policy):
            mixed = build()
        low = policy.split("_")[1]
        compute = {layer.compute_dtype for layer in _all_layers(mixed)}
        assert low in compute, f"{policy}: no layer computes in {low} ({compute})"
        # Training mode: BatchNorm then normalises with batch statistics, as in mixed-precision
        # training. (In inference mode a fresh BatchNorm is the identity, and an untrained
        # ResNet-110's activations grow past float16's 65504.)
        outputs = mixed(inputs, training=True)
        assert set(output_dtypes(outputs).values()) == {"float32"}, (policy, output_dtypes(outputs))
        for name, value in as_dict(outputs).items():
            assert value.shape == tuple(expected_shapes[name]), (policy, name, value.shape)
            assert np.isfinite(value).all(), f"{policy}: {name} has NaN or inf"
    return model


def biases_feeding_batchnorm(model: keras.Model) -> list:
    """Biases of layers whose output goes straight into a BatchNormalization layer.

    In training mode BatchNorm subtracts the batch mean, so such a bias (keras.applications'
    ResNet50 convolutions have one) gets a zero gradient by construction; it is the only
    trainable weight the gradient check excuses.
    """
    biases = []
    for layer in _all_layers(model):
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                producer = tensor._keras_history.operation
                bias = getattr(producer, "bias", None)
                if bias is not None:
                    biases.append(bias)
    return biases


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
