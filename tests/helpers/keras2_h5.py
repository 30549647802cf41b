"""Writes weights files in the Keras 2 ``.h5`` layout, and reference ResNet50s to fill them.

Keras 2 stored weights as: a group (the file root for ``save_weights``, ``model_weights`` for
``model.save``) whose ``layer_names`` attribute lists every layer; one subgroup per layer whose
``weight_names`` attribute lists its arrays, each a dataset named ``<layer>/<weight>:0`` inside
the layer group (so ``model_weights/conv1/7x7_s2/conv1/7x7_s2/kernel:0`` for keras-vggface's
first convolution: h5 paths split at every ``/``).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import keras
import numpy as np

SLASH = "__"
"""Keras 3 layer names cannot hold ``/``; the reference model spells it ``__``."""


def write_keras2_h5(
    path: Path, layers: list[tuple[str, list[tuple[str, np.ndarray]]]], whole_model: bool = True
) -> Path:
    """Writes ``[(layer name, [(weight name, array), ...]), ...]`` in the Keras 2 layout."""
    with h5py.File(path, "w") as handle:
        group = handle.create_group("model_weights") if whole_model else handle
        group.attrs["layer_names"] = np.array([name.encode() for name, _ in layers])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = b"2.2.4"
        for name, weights in layers:
            layer_group = group.require_group(name)
            names = [f"{name}/{weight}:0" for weight, _ in weights]
            layer_group.attrs["weight_names"] = np.array([n.encode() for n in names])
            for full_name, (_, array) in zip(names, weights, strict=True):
                layer_group.create_dataset(full_name, data=array)
    return path


def model_layers(model: keras.Model) -> list[tuple[str, list[tuple[str, np.ndarray]]]]:
    """A Keras 3 model's layers and weights as Keras 2 names (``__`` back to ``/``)."""
    return [
        (
            layer.name.replace(SLASH, "/"),
            [(v.name, keras.ops.convert_to_numpy(v.value)) for v in layer.weights],
        )
        for layer in model.layers
    ]


def randomize_batchnorm(model: keras.Model, seed: int = 0) -> None:
    """Gives every BatchNorm non-trivial scale, offset and moving statistics."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.gamma.shape[0]
            layer.gamma.assign(rng.uniform(0.5, 1.0, size).astype("float32"))
            layer.beta.assign(rng.normal(0.0, 0.1, size).astype("float32"))
            layer.moving_mean.assign(rng.normal(0.0, 0.1, size).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, size).astype("float32"))


def vggface_resnet50(input_shape=(112, 112, 3)) -> keras.Model:
    """keras-vggface's ``RESNET50(include_top=False, pooling="avg")``, layer for layer.

    Written from its published architecture (rcmalli/keras-vggface ``models.py``): a "same"
    7x7/2 convolution without bias, BatchNorm with Keras 2's default epsilon 1e-3, ReLU, an
    unpadded 3x3/2 max-pool; bottleneck blocks named ``conv{stage}_{block}_1x1_reduce`` (strided
    in the first block of stages 3-5), ``_3x3``, ``_1x1_increase``, ``_1x1_proj`` (shortcut),
    each followed by ``<name>/bn``; no convolution has a bias. Expects BGR mean-subtracted input.
    """
    layers = keras.layers

    def conv_bn(x, filters, kernel, name, strides=1, padding="valid"):
        x = layers.Conv2D(
            filters, kernel, strides=strides, padding=padding, use_bias=False, name=name
        )(x)
        return layers.BatchNormalization(epsilon=1e-3, name=f"{name}{SLASH}bn")(x)

    inputs = keras.Input(input_shape)
    x = conv_bn(inputs, 64, 7, f"conv1{SLASH}7x7_s2", strides=2, padding="same")
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    for stage, (filters, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), start=2):
        for block in range(1, blocks + 1):
            prefix = f"conv{stage}_{block}"
            strides = 2 if block == 1 and stage > 2 else 1
            y = conv_bn(x, filters, 1, f"{prefix}_1x1_reduce", strides=strides)
            y = layers.Activation("relu")(y)
            y = conv_bn(y, filters, 3, f"{prefix}_3x3", padding="same")
            y = layers.Activation("relu")(y)
            y = conv_bn(y, 4 * filters, 1, f"{prefix}_1x1_increase")
            shortcut = (
                conv_bn(x, 4 * filters, 1, f"{prefix}_1x1_proj", strides=strides)
                if block == 1
                else x
            )
            x = layers.Activation("relu")(layers.Add()([y, shortcut]))
    outputs = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, outputs, name="vggface_resnet50")


def vggface2_preprocess(pixels: np.ndarray) -> np.ndarray:
    """keras-vggface ``utils.preprocess_input(x, version=2)``: RGB -> BGR, minus the BGR mean."""
    bgr = np.asarray(pixels, dtype=np.float32)[..., ::-1]
    return bgr - np.array([91.4953, 103.8827, 131.0912], dtype=np.float32)
