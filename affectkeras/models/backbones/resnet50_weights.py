"""Loads pretrained ResNet50 weights from local Keras 2 ``.h5`` files (nothing downloads).

Two sources, told apart by their layer names:

- ``imagenet``: keras.applications' ``resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5``,
  whose layer names (``conv1_conv``, ``conv2_block1_1_conv``, ...) are our backbone's own.
- ``vggface2``: keras-vggface's ``rcmalli_vggface_tf_notop_resnet50.h5``, named after the Caffe
  model (``conv1/7x7_s2``, ``conv2_1_1x1_reduce``, ``conv2_1_1x1_reduce/bn``, ...). Its
  ``_1x1_reduce``, ``_3x3``, ``_1x1_increase`` and ``_1x1_proj`` convolutions are our
  ``_1_conv``, ``_2_conv``, ``_3_conv`` and ``_0_conv``; a ``/bn`` suffix names a convolution's
  BatchNorm.

A Keras 2 ``.h5`` file lists its layers in the ``layer_names`` attribute of the weights group
(the file root for ``save_weights`` files, ``model_weights`` for whole-model files); each layer
group lists its arrays in a ``weight_names`` attribute (``conv1/7x7_s2/kernel:0``). Arrays are
matched to our variables by layer and by weight name (``kernel``, ``bias``, ``gamma``, ``beta``,
``moving_mean``, ``moving_variance``), every shape is checked, and nothing is assigned unless
everything matches.
"""

from __future__ import annotations

import os
import re

import numpy as np

SOURCES: tuple[str, ...] = ("imagenet", "vggface2")

_VGGFACE2_CONVS = {"0": "1x1_proj", "1": "1x1_reduce", "2": "3x3", "3": "1x1_increase"}
_OUR_BLOCK_LAYER = re.compile(r"^conv(\d)_block(\d+)_(\d)_(conv|bn)$")


def read_keras2_h5(path: str | os.PathLike) -> dict[str, dict[str, np.ndarray]]:
    """Reads a Keras 2 weights file: layer name -> {weight name: array}.

    Layers without weights are left out; weight names lose their layer prefix and ``:0``
    (``conv1/7x7_s2/bn/moving_mean:0`` -> ``moving_mean``).

    Raises:
        ValueError: when the file is not a Keras 2 ``.h5`` weights file.
    """
    import h5py

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"ResNet50 weights: no file at {path!r}")
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"ResNet50 weights: {path!r} is not an HDF5 file ({error})") from error
    with handle:
        group = handle.get("model_weights", handle)
        if "layer_names" not in group.attrs:
            raise ValueError(
                f"ResNet50 weights: {path!r} has no 'layer_names' attribute, so it is not a "
                "Keras 2 .h5 weights file (Keras 3 '.weights.h5' files load with "
                "model.load_weights instead)"
            )
        weights: dict[str, dict[str, np.ndarray]] = {}
        for layer in _decode(group.attrs["layer_names"]):
            names = _decode(group[layer].attrs.get("weight_names", []))
            if not names:
                continue
            arrays = {}
            for name in names:
                short = name.split("/")[-1].split(":")[0]
                arrays[short] = np.asarray(group[layer][name])
            weights[layer] = arrays
    return weights


def detect_source(weights: dict[str, dict[str, np.ndarray]], path: str = "") -> str:
    """``"imagenet"`` or ``"vggface2"`` from the layer names of a read weights file."""
    if "conv1/7x7_s2" in weights:
        return "vggface2"
    if "conv1_conv" in weights:
        return "imagenet"
    raise ValueError(
        f"ResNet50 weights {path!r}: neither keras.applications' layer names (conv1_conv, ...) "
        f"nor keras-vggface's (conv1/7x7_s2, ...); its first layers are {list(weights)[:5]}"
    )


def source_layer_name(layer_name: str, source: str) -> str:
    """The name a layer of our backbone has in a weights file of ``source``.

    Example:
        >>> source_layer_name("conv2_block1_1_conv", "vggface2")
        'conv2_1_1x1_reduce'
        >>> source_layer_name("conv5_block3_3_bn", "vggface2")
        'conv5_3_1x1_increase/bn'
        >>> source_layer_name("conv1_bn", "imagenet")
        'conv1_bn'
    """
    if source == "imagenet":
        return layer_name
    if source != "vggface2":
        raise ValueError(f"Unknown ResNet50 weights source {source!r}; use one of {SOURCES}")
    if layer_name == "conv1_conv":
        return "conv1/7x7_s2"
    if layer_name == "conv1_bn":
        return "conv1/7x7_s2/bn"
    match = _OUR_BLOCK_LAYER.match(layer_name)
    if not match:
        raise ValueError(f"ResNet50 layer {layer_name!r} has no keras-vggface counterpart")
    stage, block, conv, kind = match.groups()
    name = f"conv{stage}_{block}_{_VGGFACE2_CONVS[conv]}"
    return name + "/bn" if kind == "bn" else name


def load_resnet50_weights(backbone, path: str | os.PathLike) -> str:
    """Loads a keras.applications or keras-vggface ResNet50 ``.h5`` into ``backbone``.

    Args:
        backbone: a ``ResNet50Backbone`` whose ``variant`` matches the file (``get_backbone``
            picks it from the file).
        path: local ``.h5`` file.

    Returns:
        The detected source, ``"imagenet"`` or ``"vggface2"``.

    Raises:
        ValueError: naming the file and the first layers or arrays that are missing, unexpected
            or of the wrong shape; the backbone is left untouched.
    """
    path = os.fspath(path)
    weights = read_keras2_h5(path)
    source = detect_source(weights, path)
    if backbone.variant != source:
        raise ValueError(
            f"ResNet50 weights {path!r} are {source} weights but the backbone is the "
            f"{backbone.variant!r} variant; build it with variant={source!r} (its stem pads "
            "differently, so the same weights would give different features)"
        )
    assignments = []
    problems = []
    used = set()
    for layer in backbone.layers:
        if not layer.weights:
            continue
        source_name = source_layer_name(layer.name, source)
        if source_name not in weights:
            problems.append(f"layer {source_name!r} (for {layer.name!r}) is missing")
            continue
        used.add(source_name)
        arrays = weights[source_name]
        expected = {variable.name for variable in layer.weights}
        if set(arrays) != expected:
            problems.append(
                f"layer {source_name!r} holds {sorted(arrays)}, "
                f"{layer.name!r} needs {sorted(expected)}"
            )
            continue
        for variable in layer.weights:
            array = arrays[variable.name]
            if tuple(array.shape) != tuple(variable.shape):
                problems.append(
                    f"{source_name}/{variable.name} has shape {tuple(array.shape)}, "
                    f"{layer.name}/{variable.name} needs {tuple(variable.shape)}"
                )
            else:
                assignments.append((variable, array))
    unexpected = sorted(set(weights) - used)
    if unexpected:
        problems.append(
            f"layers {unexpected[:5]} have no place in a no-top ResNet50 backbone "
            f"({len(unexpected)} in all)"
        )
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValueError(f"ResNet50 weights {path!r} do not fit the backbone: {shown}{more}")
    for variable, array in assignments:
        variable.assign(array.astype(variable.dtype))
    return source


def _decode(names) -> list[str]:
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in names]
