"""The backbone registry behind ``get_backbone`` and ``list_backbones`` (timm-style: names map to
builders; nothing is parsed out of a name).

Each backbone registers itself where it is defined, with ``@register_backbone(...)`` on its class
(see ``affectkeras.models.backbones``); the registry imports every module of that package on
first use, so a new backbone file is listed without touching this module.

Example:
    >>> from affectkeras.models import get_backbone, list_backbones
    >>> list_backbones()  # doctest: +NORMALIZE_WHITESPACE
    ['mini_xception', 'mini_xception_wide', 'resnet110', 'resnet32', 'resnet50',
     'resnet50_vggface2', 'tiny']
    >>> get_backbone("tiny", input_shape=(32, 32, 3)).output.shape
    (None, 64)
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras


@dataclass(frozen=True)
class BackboneEntry:
    """One registered backbone.

    Args:
        name: registry name.
        builder: ``builder(input_shape=..., **kwargs) -> keras.Model``.
        default_input_shape: used when ``get_backbone`` gets no ``input_shape``.
        description: one line for listings.
    """

    name: str
    builder: Callable[..., keras.Model]
    default_input_shape: tuple[int, int, int]
    description: str


_REGISTRY: dict[str, BackboneEntry] = {}


def register_backbone(
    name: str, default_input_shape: tuple[int, int, int], description: str, **defaults: Any
) -> Callable:
    """Decorator registering a backbone class (or builder function) under ``name``.

    Stack it to register one class under several names; ``defaults`` are keyword arguments the
    name implies (``depth=32``), which a ``get_backbone`` keyword argument overrides.

    Args:
        name: registry name.
        default_input_shape: used when ``get_backbone`` gets no ``input_shape``.
        description: one line for listings.
        **defaults: keyword arguments passed to the builder under this name.

    Returns:
        The decorator; it returns the class or function unchanged.
    """

    def decorate(builder: Callable[..., keras.Model]) -> Callable[..., keras.Model]:
        known = _REGISTRY.get(name)
        if known is not None and _origin(known.builder) != _origin(builder):
            raise ValueError(f"Backbone {name!r} is already registered")
        entry_builder = functools.partial(builder, **defaults) if defaults else builder
        _REGISTRY[name] = BackboneEntry(
            name, entry_builder, tuple(default_input_shape), description
        )
        return builder

    return decorate


def _origin(builder: Callable) -> tuple[str, str]:
    """Where a builder is defined; the same place again is a re-run of its module, not a clash."""
    function = builder.func if isinstance(builder, functools.partial) else builder
    return function.__module__, function.__qualname__


def list_backbones() -> list[str]:
    """Names of the registered backbones, sorted."""
    _register_builtins()
    return sorted(_REGISTRY)


def backbone_entry(name: str) -> BackboneEntry:
    """The registry entry of ``name`` (default input shape, description)."""
    _register_builtins()
    if name not in _REGISTRY:
        raise ValueError(f"Unknown backbone {name!r}; registered: {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def get_backbone(
    name: str,
    input_shape: tuple[int, int, int] | None = None,
    weights: str | os.PathLike | None = None,
    **kwargs,
) -> keras.Model:
    """Builds a registered backbone whose output is the pooled feature vector [B, D].

    Every backbone takes RGB pixels in 0..255 ([B, H, W, 3], uint8 or float) and normalises
    inside, as its weights expect.

    Args:
        name: one of ``list_backbones()``.
        input_shape: (H, W, 3); default: the backbone's (112x112 for ResNet50, 32x32 for the
            CIFAR ResNets, 64x64 for ``tiny``).
        weights: None (random initialisation) or a local file. For ``resnet50``: a
            keras.applications ImageNet no-top ``.h5`` or keras-vggface's
            ``rcmalli_vggface_tf_notop_resnet50.h5`` (the variant follows the file). For every
            backbone: a ``.weights.h5`` saved from the same backbone with ``save_weights``.
        **kwargs: passed to the backbone class (``variant=``, ``shortcut=``, ``dtype=`` ...).

    Raises:
        ValueError: for an unknown name, a missing file or weights that do not fit.
    """
    entry = backbone_entry(name)
    shape = tuple(input_shape) if input_shape is not None else entry.default_input_shape
    if len(shape) != 3 or shape[-1] != 3:
        raise ValueError(f"get_backbone({name!r}): input_shape must be (H, W, 3), got {shape}")
    if weights is not None and not os.path.isfile(os.fspath(weights)):
        raise ValueError(f"get_backbone({name!r}): no weights file at {os.fspath(weights)!r}")
    weights = None if weights is None else os.fspath(weights)
    if weights is not None and name.startswith("resnet50") and not weights.endswith(".weights.h5"):
        from affectkeras.models.backbones.resnet50_weights import (
            detect_source,
            load_resnet50_weights,
            read_keras2_h5,
        )

        kwargs.setdefault("variant", detect_source(read_keras2_h5(weights), weights))
        backbone = entry.builder(input_shape=shape, **kwargs)
        check_image_size(name, backbone, shape, lambda size: entry.builder(input_shape=size))
        load_resnet50_weights(backbone, weights)
        return backbone
    backbone = entry.builder(input_shape=shape, **kwargs)
    check_image_size(name, backbone, shape, lambda size: entry.builder(input_shape=size, **kwargs))
    if weights is not None:
        if not weights.endswith(".weights.h5"):
            raise ValueError(
                f"get_backbone({name!r}): weights {weights!r} must be a '.weights.h5' file "
                "written by save_weights"
            )
        backbone.load_weights(weights)
    return backbone


_BUILTINS_DONE = False


def _register_builtins() -> None:
    """Imports every module of ``affectkeras.models.backbones`` on first use; each registers its
    backbones where it defines them (keeps this module's imports lazy and cycle-free)."""
    global _BUILTINS_DONE
    if _BUILTINS_DONE:
        return
    _BUILTINS_DONE = True
    from affectkeras.models import backbones

    for module in pkgutil.iter_modules(backbones.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{backbones.__name__}.{module.name}")


PROBE_SIZE = 256
"""The frame side at which :func:`check_image_size` measures a backbone's downsampling."""


def smallest_feature_map(model: keras.Model) -> int | None:
    """The smallest height of the model's 4-D layer outputs (None: none is known)."""
    sizes = [
        layer.output.shape[1]
        for layer in model._flatten_layers(include_self=False)
        if len(getattr(getattr(layer, "output", None), "shape", ()) or ()) == 4
    ]
    sizes = [int(size) for size in sizes if size is not None]
    return min(sizes) if sizes else None


def check_image_size(name: str, backbone: keras.Model, shape: tuple, build) -> None:
    """Refuses a frame smaller than the backbone's total downsampling.

    At such a size every feature map below the last stride is one pixel of padding and the
    network learns nothing from the image (``image_size=5`` with ResNet-50 used to train
    without a word). Only when the built backbone's smallest feature map is 1 pixel is the
    downsampling measured, on a second build at :data:`PROBE_SIZE` (cheap: small sizes only).

    Raises:
        ValueError: ``min(H, W)`` is below the downsampling factor.
    """
    side = min(int(shape[0] or PROBE_SIZE), int(shape[1] or PROBE_SIZE))
    if smallest_feature_map(backbone) != 1 or side >= PROBE_SIZE:
        return
    probe = smallest_feature_map(build((PROBE_SIZE, PROBE_SIZE, 3)))
    factor = PROBE_SIZE // probe if probe else 1
    if side < factor:
        raise ValueError(
            f"image_size={side} is below what backbone {name!r} downsamples (x{factor}): its "
            f"feature maps would be under one pixel; use an image_size of at least {factor}"
        )
