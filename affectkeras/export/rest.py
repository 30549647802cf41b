"""TF-Serving REST ``:predict`` bodies for an exported model, and what the server answers.

TF-Serving's REST API (``POST /v1/models/NAME:predict``) takes JSON in one of two layouts:

- row ("instances"): ``{"instances": [x_1, x_2, ...]}``, one item per example. With one named
  input (``image``) an item is that input's value (an H x W x 3 nested list of 0..255 ints);
  with several (``pixels`` and ``mask``) an item is an object keyed by input name. The answer
  is ``{"predictions": [...]}``: one object per example keyed by output name (or the bare value
  when the signature has a single output).
- columnar ("inputs"): ``{"inputs": {"image": [[...]]}}`` (or the bare batch when there is one
  input). The answer is ``{"outputs": {"expression": [[...]], ...}}`` (bare with one output).

``rest_request_body`` builds such a body from image files or arrays. ``serve_rest`` answers it
from a SavedModel folder as the server does: JSON in, the values cast to each input's dtype in
the ``serving_default`` signature (the whole batch must share one shape), the signature called,
JSON out. Use it to check a request and the answer's layout before deploying; the test suite
uses it because the TF-Serving binary cannot be installed here.

Example:
    >>> import numpy as np
    >>> body = rest_request_body(np.zeros((2, 4, 4, 3), np.uint8))
    >>> len(body["instances"]), np.shape(body["instances"][0])
    (2, (4, 4, 3))
    >>> rest_request_body(np.zeros((1, 4, 4, 3), np.uint8), style="inputs").keys()
    dict_keys(['inputs'])
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkeras.export.saved_model import SIGNATURE

STYLES = ("instances", "inputs")


def rest_request_body(
    images: Any, style: str = "instances", signature_name: str | None = None
) -> dict[str, Any]:
    """A TF-Serving REST ``:predict`` body (a JSON-ready dict) for the ``image`` signature.

    Args:
        images: one RGB uint8 image [H, W, 3], a batch [B, H, W, 3], or a list of image files
            or arrays of one size; or, for a window model, a mapping of input name to batch
            (``{"pixels": [B, s, H, W, 3], "mask": [B, s]}``).
        style: ``"instances"`` (row layout) or ``"inputs"`` (columnar layout).
        signature_name: added to the body when given (the server defaults to
            ``serving_default``).

    Raises:
        ValueError: unknown style, unreadable file, or images of different sizes.
    """
    if style not in STYLES:
        raise ValueError(f"unknown REST body style {style!r}; choose one of {STYLES}")
    named = (
        {name: np.asarray(value) for name, value in images.items()}
        if isinstance(images, Mapping)
        else {"image": _image_batch(images)}
    )
    if style == "instances":
        count = len(next(iter(named.values())))
        if len(named) == 1:
            instances: list = next(iter(named.values())).tolist()
        else:
            instances = [
                {name: value[i].tolist() for name, value in named.items()} for i in range(count)
            ]
        body: dict[str, Any] = {"instances": instances}
    else:
        body = {"inputs": {name: value.tolist() for name, value in named.items()}}
    if signature_name is not None:
        body = {"signature_name": signature_name, **body}
    return body


def serve_rest(saved_model: str | os.PathLike | Any, body: Mapping | str | bytes) -> dict[str, Any]:
    """Answers a REST ``:predict`` body from a SavedModel as TF-Serving does (module doc).

    Args:
        saved_model: an exported SavedModel folder, or one loaded with ``tf.saved_model.load``.
        body: the request as a dict or as JSON text.

    Returns:
        The response, parsed from the JSON the server would send.

    Raises:
        ValueError: a body the server would refuse (bad JSON, neither or both of ``instances``
            and ``inputs``, unknown signature or input names, ragged batches, wrong shapes).
    """
    import tensorflow as tf

    if isinstance(saved_model, str | os.PathLike):
        saved_model = tf.saved_model.load(str(Path(saved_model)))
    request = json.loads(body) if isinstance(body, str | bytes) else json.loads(json.dumps(body))
    name = request.get("signature_name", SIGNATURE)
    if name not in saved_model.signatures:
        raise ValueError(
            f"serving signature {name!r} not found; the model has {sorted(saved_model.signatures)}"
        )
    signature = saved_model.signatures[name]
    _, specs = signature.structured_input_signature
    row_layout = "instances" in request
    if row_layout == ("inputs" in request):
        raise ValueError('a request has exactly one of "instances" (row) and "inputs" (columnar)')
    values = (
        _rows(request["instances"], specs) if row_layout else _columns(request["inputs"], specs)
    )
    tensors = {}
    for input_name, spec in specs.items():
        array = _array(values[input_name], input_name)
        if not spec.shape.is_compatible_with(array.shape):
            raise ValueError(
                f"input {input_name!r} has shape {array.shape}; the signature takes {spec.shape}"
            )
        tensors[input_name] = tf.constant(array, dtype=spec.dtype)
    outputs = {key: value.numpy() for key, value in signature(**tensors).items()}
    if row_layout:
        count = len(next(iter(outputs.values())))
        if len(outputs) == 1:
            response: dict[str, Any] = {"predictions": next(iter(outputs.values())).tolist()}
        else:
            response = {
                "predictions": [
                    {key: value[i].tolist() for key, value in outputs.items()} for i in range(count)
                ]
            }
    elif len(outputs) == 1:
        response = {"outputs": next(iter(outputs.values())).tolist()}
    else:
        response = {"outputs": {key: value.tolist() for key, value in outputs.items()}}
    return json.loads(json.dumps(response))


def _image_batch(images: Any) -> np.ndarray:
    if isinstance(images, str | os.PathLike):
        images = [images]
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = images[None]
    if isinstance(images, Sequence) and not isinstance(images, np.ndarray):
        images = [
            _read_image(item) if isinstance(item, str | os.PathLike) else item for item in images
        ]
        shapes = {np.shape(item) for item in images}
        if len(shapes) != 1:
            raise ValueError(f"one request batches images of one size; got sizes {sorted(shapes)}")
    batch = np.asarray(images)
    if batch.ndim != 4 or batch.shape[-1] != 3:
        raise ValueError(f"images must be RGB [B, H, W, 3]; got shape {batch.shape}")
    if batch.dtype != np.uint8:
        raise ValueError(f"images must be uint8 0..255; got {batch.dtype}")
    return batch


def _read_image(path: str | os.PathLike) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _rows(instances: Any, specs: Mapping) -> dict[str, list]:
    if not isinstance(instances, list) or not instances:
        raise ValueError('"instances" must be a non-empty list, one item per example')
    if len(specs) == 1:
        (name,) = specs
        if all(isinstance(item, dict) for item in instances):
            return {name: [_field(item, name) for item in instances]}
        return {name: instances}
    if not all(isinstance(item, dict) for item in instances):
        raise ValueError(f"with inputs {sorted(specs)} every instance is an object keyed by them")
    return {name: [_field(item, name) for item in instances] for name in specs}


def _columns(inputs: Any, specs: Mapping) -> dict[str, Any]:
    if isinstance(inputs, dict):
        unknown = sorted(set(inputs) - set(specs))
        if unknown:
            raise ValueError(f"unknown inputs {unknown}; the signature takes {sorted(specs)}")
        return {name: _field(inputs, name) for name in specs}
    if len(specs) != 1:
        raise ValueError(f'with inputs {sorted(specs)}, "inputs" is an object keyed by them')
    return {next(iter(specs)): inputs}


def _field(item: dict, name: str) -> Any:
    if name not in item:
        raise ValueError(f"input {name!r} is missing from the request")
    return item[name]


def _array(value: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"input {name!r}: every example must have the same shape") from error
    if array.dtype == object:
        raise ValueError(f"input {name!r}: every example must have the same shape")
    return array
