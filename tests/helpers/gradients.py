"""Gradients of a scalar function of one array on the active Keras backend (TF, JAX or torch).

Backend-agnostic tests use this instead of importing TensorFlow, so they also run in the JAX CI
venv where TensorFlow is absent: TensorFlow is only imported when it is the active backend.
"""

from __future__ import annotations

import keras
import numpy as np


def value_and_gradient(function, x: np.ndarray) -> tuple[float, np.ndarray]:
    """``(function(x), d function / d x)`` as NumPy, for a scalar ``function`` of a float array."""
    backend = keras.backend.backend()
    x = np.asarray(x, np.float32)
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        value, gradient = jax.value_and_grad(lambda t: function(t))(jnp.asarray(x))
        return float(value), np.asarray(gradient)
    if backend == "tensorflow":
        import tensorflow as tf

        tensor = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            value = function(tensor)
        return float(value), tape.gradient(value, tensor).numpy()
    if backend == "torch":
        import torch

        tensor = torch.tensor(x, requires_grad=True)
        value = function(tensor)
        value.backward()
        return float(value.detach()), tensor.grad.numpy()
    raise NotImplementedError(f"No gradient helper for the {backend} backend")
