"""``export_model``: a predictor -> a checked SavedModel, ONNX or LiteRT folder, written atomically.

The artifact is the serving model of ``serving_model`` (uint8 frames of any size in, float32
``expression`` / ``action_units`` / ``valence_arousal`` out). Before the folder appears under its
name, the artifact is loaded back with its own runtime (TensorFlow, onnxruntime or LiteRT) and
run on a random uint8 batch at the predictor's size; its outputs must equal the Keras
predictor's within the format's ``TOLERANCE`` (SavedModel 1e-5, ONNX and LiteRT 1e-4), and a
batch at another frame size must give outputs of the right shapes. Only then is the temporary
folder renamed to ``out``, so ``out`` is either absent, the previous export, or the new one
complete, never a half-written mix. ``out/affectkeras.json`` records the inputs, the label names
of every output and the differences measured.

Example (needs TensorFlow):
    >>> import json, pathlib, tempfile
    >>> from affectkeras.models import build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> predictor = build_task_model(get_backbone("tiny", input_shape=(32, 32, 3)),
    ...                              OutputSpec.create("expr,au,va", 7))
    >>> out = export_model(predictor, pathlib.Path(tempfile.mkdtemp()) / "export")
    >>> sorted(path.name for path in out.iterdir())
    ['affectkeras.json', 'assets', 'fingerprint.pb', 'saved_model.pb', 'variables']
    >>> json.loads((out / "affectkeras.json").read_text())["outputs"]["expression"]["labels"][:2]
    ['neutral', 'anger']
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import keras
import numpy as np

from affectkeras import __version__, labels
from affectkeras.export import litert, onnx, saved_model
from affectkeras.export.serving_model import (
    SERVED_OUTPUTS,
    build_serving_model,
    serving_input_names,
)
from affectkeras.predictor import PredictorInputs, describe_inputs
from affectkeras.safe_files import WriteError, cleaned_on_failure, remove_leftovers

FORMATS: dict[str, ModuleType] = {"tf_saved_model": saved_model, "onnx": onnx, "litert": litert}
METADATA_FILE = "affectkeras.json"
CHECK_BATCH = 2

logger = logging.getLogger("affectkeras.export")


def export_model(
    model: str | os.PathLike | keras.Model,
    out: str | os.PathLike,
    format: str = "tf_saved_model",
    overwrite: bool = False,
) -> Path:
    """Exports a predictor for serving and checks the artifact against it (see the module doc).

    Args:
        model: a RUN_DIR, a ``.keras`` file or a loaded predictor.
        out: the folder to write (``saved_model.pb`` etc.; ``model.onnx``; ``model.tflite``),
            plus ``affectkeras.json``.
        format: ``"tf_saved_model"`` (default), ``"onnx"`` or ``"litert"``.
        overwrite: replace an existing non-empty ``out`` (only once the new one is checked).

    Returns:
        ``out`` as a Path.

    Raises:
        ValueError: unknown format, ``out`` exists and ``overwrite`` is False, TensorFlow (or a
            format's converter) is not installed, not a predictor, or the artifact's outputs
            differ from the Keras model's by more than the format's tolerance.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; choose one of {sorted(FORMATS)}")
    writer = FORMATS[format]
    _require_modules(format, writer)
    out = Path(out)
    if out.exists() and not (out.is_dir() and not any(out.iterdir())) and not overwrite:
        raise ValueError(f"{out}: already exists; pass --force (overwrite=True) to replace it")
    predictor = _load(model)
    inputs = describe_inputs(predictor)
    serving = build_serving_model(predictor)

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(
            error.errno, f"{out.parent}: cannot create it ({error.strerror})"
        ) from None
    for leftover in remove_leftovers(out.parent, (f".{out.name}.partial-*",), STALE_SECONDS):
        logger.info("removed %s, left by an export that was killed", leftover)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        with cleaned_on_failure(out, staging):  # full disk, read-only: one line naming out
            writer.write(serving, inputs, staging)
            differences = check_artifact(writer, staging, predictor, serving)
            metadata = describe_export(serving, inputs, format, differences, model)
            (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
            _replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    logger.debug("exported %s to %s (largest difference %.2g)", format, out, _largest(differences))
    return out


def check_artifact(
    writer: ModuleType, folder: Path, predictor: keras.Model, serving: keras.Model
) -> dict[str, float]:
    """Runs the written artifact against ``predictor``; returns the largest |difference| per output.

    ``serving`` is the serving model the artifact was written from (its output names).

    Raises:
        ValueError: a difference above ``writer.TOLERANCE``, or wrong output shapes on frames
            of another size.
    """
    inputs = describe_inputs(predictor)
    run = writer.runner(folder)
    rng = np.random.default_rng(0)
    feed = sample_inputs(inputs, rng)
    expected = predictor.predict(_as_model_feed(feed, inputs), verbose=0)
    got = run(feed)
    differences = {}
    for name, value in got.items():
        if name not in expected:
            continue
        difference = np.abs(np.asarray(value, np.float64) - np.asarray(expected[name]))
        differences[name] = float(difference.max())
    missing = sorted(set(serving.output_names) - set(got))
    if missing:
        raise ValueError(f"{folder}: the exported model lacks the outputs {missing}")
    worst = _largest(differences)
    if not worst <= writer.TOLERANCE:  # also catches NaN
        raise ValueError(
            f"the exported model's outputs differ from the Keras model's by {worst:.3g} "
            f"(per output: {differences}), more than this format's tolerance "
            f"{writer.TOLERANCE:g}; nothing was written"
        )
    other_size = sample_inputs(inputs, rng, extra=(17, 9))
    for name, value in run(other_size).items():
        if np.shape(value)[0] != CHECK_BATCH:
            raise ValueError(f"{folder}: output {name} has shape {np.shape(value)} on a batch of 2")
    return differences


def sample_inputs(
    inputs: PredictorInputs, rng: np.random.Generator, extra: tuple[int, int] = (0, 0)
) -> dict[str, np.ndarray]:
    """A random uint8 batch for the serving inputs, ``extra`` pixels larger than the model's."""
    frame = (inputs.height + extra[0], inputs.width + extra[1], 3)
    if not inputs.windowed:
        return {"image": rng.integers(0, 256, (CHECK_BATCH, *frame), dtype=np.uint8)}
    pixels = rng.integers(0, 256, (CHECK_BATCH, inputs.window, *frame), dtype=np.uint8)
    mask = np.ones((CHECK_BATCH, inputs.window), bool)
    mask[1, : inputs.window // 2] = False  # a track shorter than the window: padded steps
    return {"pixels": pixels, "mask": mask}


def describe_export(
    serving: keras.Model,
    inputs: PredictorInputs,
    format: str,
    differences: dict[str, float],
    source: Any,
) -> dict[str, Any]:
    """The ``affectkeras.json`` written beside the artifact."""
    outputs = {}
    for name in sorted(serving.output_names, key=SERVED_OUTPUTS.index):
        shape = [None, *(int(size) for size in serving.get_layer(name).output.shape[1:])]
        outputs[name] = {"shape": shape, "dtype": "float32", "labels": _labels(name, shape[-1])}
    input_shapes = {
        "image": [None, None, None, 3],
        "pixels": [None, inputs.window, None, None, 3],
        "mask": [None, inputs.window],
    }
    return {
        "format": format,
        "affectkeras_version": __version__,
        "keras_version": keras.__version__,
        "source": str(source) if isinstance(source, str | os.PathLike) else source.name,
        "predictor": {
            "kind": inputs.kind,
            "height": inputs.height,
            "width": inputs.width,
            "window": inputs.window,
            **({"readout": inputs.readout} if inputs.windowed else {}),
        },
        "signature": saved_model.SIGNATURE,
        "inputs": {
            name: {"shape": input_shapes[name], "dtype": "bool" if name == "mask" else "uint8"}
            for name in serving_input_names(inputs)
        },
        "outputs": outputs,
        "check": {
            "max_abs_difference": differences,
            "tolerance": FORMATS[format].TOLERANCE,
            "inputs": f"{CHECK_BATCH} random uint8 frames at {inputs.height}x{inputs.width}",
        },
    }


def _labels(output: str, width: int) -> list[str]:
    if output == "expression":
        return list(labels.expression_names(width))
    if output == "action_units":
        return list(labels.ACTION_UNITS)
    if output == "valence_arousal":
        return list(labels.VALENCE_AROUSAL)
    return list(labels.COMPOUND_EMOTIONS)


def _load(model: Any) -> keras.Model:
    if isinstance(model, keras.Model):
        return model
    from affectkeras.predictor import load_predictor

    return load_predictor(model)


def _as_model_feed(feed: dict[str, np.ndarray], inputs: PredictorInputs) -> Any:
    return feed if inputs.windowed else feed["image"]


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _require_modules(format: str, writer: ModuleType) -> None:
    if not _installed("tensorflow"):
        raise ValueError(
            f"export to {format} needs TensorFlow, which is not installed: pip install "
            "'affectkeras[tf-cpu]' (the .keras model itself is backend-independent)"
        )
    backend = keras.backend.backend()
    if backend not in writer.BACKENDS:
        raise ValueError(
            f"export to {format} runs on the {' or '.join(writer.BACKENDS)} backend, not "
            f"{backend}: run it with KERAS_BACKEND=tensorflow (the .keras file is the same)"
        )
    missing = [name for name in writer.REQUIRES if not _installed(name)]
    if missing:
        raise ValueError(
            f"export to {format} needs {', '.join(missing)}, not installed: "
            "pip install 'affectkeras[export]'"
        )


STALE_SECONDS = 6 * 3600
"""A ``.OUT.partial-*`` folder older than this is a killed export's and is removed."""


def _replace(staging: Path, out: Path) -> None:
    """Renames ``staging`` to ``out``; an existing ``out`` is moved aside first, then removed."""
    if not out.exists():
        staging.rename(out)
        return
    retired = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    out.rename(retired)
    try:
        staging.rename(out)
    except OSError:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _largest(differences: dict[str, float]) -> float:
    return max(differences.values(), default=float("nan"))
