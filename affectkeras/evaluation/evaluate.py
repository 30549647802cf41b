"""``evaluate``: a saved predictor's SPEC.md scores on a data set (``metrics.json``).

Any recipe's ``model.keras`` (or its RUN_DIR) is a predictor (``affectkeras.predictor``); the data
is read with ``affectkeras.data.read``, decoded at the model's input size in table order (for a
window predictor, each row as the current frame of its video's window), and scored in the data's
expression space (7 or 8 classes) by ``scoring.score_outputs``, the code the training run used
for its own ``metrics.json``.

Example:
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "metrics.json"
    >>> write_metrics({"expr_f1": 0.5, "n_expr": 10}, path)
    >>> json.loads(path.read_text())["n_expr"]
    10
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from affectkeras.data.feeding.feed import Feed, make_feed
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.feeding.windows import frame_windows, sequences
from affectkeras.data.reading.read import read_datasets
from affectkeras.data.table import expression_classes
from affectkeras.evaluation.feed_windows import predict_feed_windows, window_split
from affectkeras.evaluation.scoring import (
    canonical_truth,
    per_dataset_scores,
    predict_feed,
    score_outputs,
    scored_frames,
)
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import WINDOW_MASK, WINDOW_PIXELS, describe_inputs, load_predictor
from affectkeras.safe_files import write_atomically

logger = logging.getLogger("affectkeras.evaluation")


def image_size_of(model: keras.Model) -> tuple[int, int]:
    """The (height, width) of an image predictor's ``image`` input."""
    inputs = describe_inputs(model)
    if inputs.windowed:
        raise ValueError(
            f"evaluate scores image predictors; this one takes windows of {inputs.window} frames"
        )
    return inputs.size


def predictor_feed(model: keras.Model, table: pd.DataFrame, spec: OutputSpec) -> Feed:
    """An unshuffled Feed of every table row in the form ``model`` takes.

    Image predictors get each row's image. ``last`` window predictors (contract 7) get, for
    every row, the window of ``s`` frames of its video ending at it
    (``data.windows.frame_windows``: frames the table lacks are skipped over, steps before the
    video's first frame are padding with ``mask`` False), so each frame is scored by the
    prediction for its own window. ``sequence`` window predictors get each video cut into
    non-overlapping sequences of ``s`` frames (``data.windows.sequences``, the last one padded
    at its end), and each frame is scored at its own step.
    """
    inputs = describe_inputs(model)
    if not inputs.windowed:
        return make_feed(table, spec, inputs.size, shuffle=False)
    if inputs.readout == "sequence":
        windows = sequences(table, inputs.window)
    else:
        windows = frame_windows(table, inputs.window)
    return make_feed(
        table,
        spec,
        inputs.size,
        shuffle=False,
        windows=windows,
        input_names=(WINDOW_PIXELS, WINDOW_MASK),
    )


def evaluate_table(
    model: keras.Model,
    table: pd.DataFrame,
    batch_size: int = 64,
    num_classes: int | None = None,
    progress: bool = False,
    plot_dir: str | Path | None = None,
    cache_frames: bool = True,
) -> dict[str, Any]:
    """Scores of ``model`` on every row of ``table`` (bad images are left out and not scored).

    Args:
        model: a predictor (canonical outputs).
        table: a sample table.
        batch_size: images per prediction batch.
        num_classes: the expression space scored; default the table's (7 or 8).
        progress: show a progress bar.
        plot_dir: also write the evaluation figures here (``affectkeras.plots.plot_evaluation``:
            confusion matrix, per-AU F1, VA density), for the tasks scored.
        cache_frames: window predictors run their frame CNN once per row
            (``feed_windows``); False feeds them pixel windows (the CNN once per step).
    """
    table = table.reset_index(drop=True)
    classes = num_classes or expression_classes(table)
    spec = OutputSpec.create("expr,au,va", num_classes=classes)
    feed = predictor_feed(model, table, spec)
    label = "evaluate" if progress else None
    dataset = FeedDataset(feed, batch_size)
    split = window_split(model) if cache_frames else None
    if split is None:
        samples, outputs = predict_feed(model, dataset, progress=label)
    else:
        samples, outputs = predict_feed_windows(split, dataset, progress=label)
    labelled = labelled_rows(outputs or _output_names(model), table, spec)
    truth = canonical_truth(table, classes)
    rows, outputs = scored_frames(feed, samples, outputs, describe_inputs(model).readout)
    if plot_dir is not None:
        from affectkeras.plots import plot_evaluation

        plot_evaluation({k: v[rows] for k, v in truth.items()}, outputs, plot_dir, classes)
    scores = score_outputs(truth, outputs, rows, classes)
    scored = int(np.count_nonzero(labelled[np.unique(rows)])) if len(rows) else 0
    scores["n_rows_scored"] = scored
    scores["n_rows_skipped"] = int(np.count_nonzero(labelled)) - scored
    if "dataset" in table.columns and len(rows):
        scores["per_dataset"] = per_dataset_scores(table, truth, outputs, rows, classes)
    if dataset.skips.total:
        dataset.skips.log(f"scoring {scored} labelled rows")
    return scores


def _output_names(model: keras.Model) -> list[str]:
    return list(model.output_names)


def labelled_rows(outputs, table: pd.DataFrame, spec: OutputSpec) -> np.ndarray:
    """bool [N]: rows labelled for a task among ``outputs`` (the predicted output names).

    Raises:
        ValueError: the model and the data have no task in common (naming each side's).
    """
    outputs = set(outputs)
    masks = {
        t.name: t.sample_labelled(t.targets(table))
        for t in spec
        if set(t.columns) <= set(table.columns)
    }
    data_tasks = [name for name, mask in masks.items() if mask.any()]
    common = [name for name in data_tasks if name in outputs]
    if not common:
        raise ValueError(
            f"nothing to score: the model outputs {sorted(outputs)}, the data labels "
            f"{data_tasks or 'no task'}; no task in common"
        )
    return np.logical_or.reduce([masks[name] for name in common])


def evaluate(
    model: str | Path | keras.Model,
    data: Sequence[str] | str,
    out: str | Path | None = None,
    batch_size: int = 64,
    progress: bool = False,
    plot_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Scores a RUN_DIR / ``.keras`` model on data specs; writes ``out`` (metrics.json) if given,
    and the evaluation figures into ``plot_dir`` if given.

    Example::

        scores = evaluate("runs/expr", "affwild2:/data/aff-wild2?split=validation")
    """
    predictor = model if isinstance(model, keras.Model) else load_predictor(model)
    table = read_datasets([data] if isinstance(data, str) else list(data))
    splits = table["split"].astype(str).value_counts().to_dict()
    logger.info("scoring %d rows (splits: %s)", len(table), splits)
    scores = evaluate_table(predictor, table, batch_size, progress=progress, plot_dir=plot_dir)
    if out is not None:
        write_metrics(scores, out)
    return scores


def write_metrics(scores: Mapping[str, Any], path: str | Path) -> None:
    """Writes the scores as JSON (temporary file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(dict(scores), indent=2, sort_keys=True) + "\n")
