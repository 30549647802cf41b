"""Freezing a task model's backbone except its last stage (seed 004's fine-tuning).

Do et al. (sec. II-C): "We freeze all weight values exception the last stage convolution and
identity block as well as the classification layer." Every registered backbone names its stage
layers with a stage number: ``conv2_...`` to ``conv5_...`` (ResNet-50), ``stage1_...`` to
``stage3_...`` (CIFAR ResNets, ``tiny``); the last stage is the highest number. Layers of the
backbone outside it (stem, normalisation, earlier stages) are frozen; the heads stay trainable.
Frozen BatchNormalization layers run in inference mode (Keras 3).

Example:
    >>> from affectkeras.models import build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> model = build_task_model(get_backbone("tiny", input_shape=(16, 16, 3)),
    ...                          OutputSpec.create("expr", 7))
    >>> freeze_all_but_last_stage(model)
    ['stage3_conv', 'stage3_bn']
"""

from __future__ import annotations

import re

import keras

_STAGE = re.compile(r"^(?:conv|stage)(\d+)_")


def _leaves(layer: keras.layers.Layer):
    inner = getattr(layer, "layers", None)
    if inner is None:
        yield layer
        return
    for child in inner:
        yield from _leaves(child)


def backbone_of(model: keras.Model) -> keras.Model:
    """The nested backbone model of a task model (the sub-model with stage-numbered layers)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model) and any(
            _STAGE.match(leaf.name) for leaf in _leaves(layer)
        ):
            return layer
    raise ValueError(
        f"{model.name}: no nested backbone with stage-numbered layers (conv<N>_ / stage<N>_)"
    )


def freeze_all_but_last_stage(model: keras.Model) -> list[str]:
    """Freezes the backbone of ``model`` except its last stage; returns the trainable layers
    of the backbone that own weights."""
    backbone = backbone_of(model)
    leaves = list(_leaves(backbone))
    stages = [int(m.group(1)) for m in (_STAGE.match(leaf.name) for leaf in leaves) if m]
    last = max(stages)
    trainable = []
    for leaf in leaves:
        match = _STAGE.match(leaf.name)
        leaf.trainable = bool(match) and int(match.group(1)) == last
        if leaf.trainable and leaf.weights:
            trainable.append(leaf.name)
    return trainable
