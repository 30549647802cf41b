"""Predicting a feed in batches and scoring the canonical outputs: one path for fit and evaluate.

Every recipe saves a *predictor* (``affectkeras.predictor``: canonical outputs). The
per-epoch validation callback and ``affectkeras evaluate`` both run :func:`predict_feed` and
:func:`score_outputs` on it, so the numbers in ``history.csv``, ``metrics.json`` and a later
``evaluate`` are computed by the same code on the same rows.

Example:
    >>> import numpy as np
    >>> from affectkeras.data.table import make_table
    >>> table = make_table({"path": ["a", "b", "c"], "split": "validation",
    ...                     "expression": [0, 1, -1]}, "affwild2")
    >>> truth = canonical_truth(table, num_classes=7)
    >>> outputs = {"expression": np.eye(7)[[0, 2, 1]]}
    >>> scores = score_outputs(truth, outputs, np.arange(3), num_classes=7)
    >>> scores["expr_acc"], scores["n_expr"]
    (0.5, 2)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from affectkeras import labels
from affectkeras.metrics.abaw import abaw_scores
from affectkeras.metrics.compound import compound_scores, compound_targets
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import frame_outputs, output_dict

COMPOUND_OUTPUT = "compound"

logger = logging.getLogger("affectkeras.evaluation")


def canonical_truth(table: pd.DataFrame, num_classes: int) -> dict[str, np.ndarray]:
    """Canonical targets of every table row (sentinels kept), plus ``compound`` indices."""
    spec = OutputSpec.create("expr,au,va", num_classes=num_classes)
    truth = {
        task.name: task.targets(table) for task in spec if set(task.columns) <= set(table.columns)
    }
    if "label_native" in table.columns:
        truth[COMPOUND_OUTPUT] = compound_targets(table["label_native"].to_numpy())
    return truth


def iterate_batches(dataset: Any) -> Iterator[tuple[np.ndarray, Any, dict, dict]]:
    """``(samples, x, y, sample_weight)`` of every batch, decoding one batch ahead in a thread."""
    count = len(dataset)
    if count == 0:
        return
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(dataset.batch, 0)
        for index in range(count):
            current = pending.result()
            if index + 1 < count:
                pending = pool.submit(dataset.batch, index + 1)
            yield current


def predict_feed(
    model: Any,
    dataset: Any,
    on_batch: Callable[[dict, dict, dict], None] | None = None,
    progress: str | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Predicts every batch of a ``FeedDataset`` (no augmentation, in order).

    Args:
        model: a Keras model.
        dataset: a ``FeedDataset`` (its ``batch`` method gives the samples of each batch).
        on_batch: called as ``on_batch(outputs, y, sample_weight)`` per batch (e.g. losses).
        progress: a label to show a progress bar (stderr) with, or None for none.

    Returns:
        ``(samples, outputs)``: the feed samples predicted (bad images left out) and each
        output concatenated over batches, in that order.
    """
    samples, collected = [], {}
    batches = iterate_batches(dataset)
    if progress:
        batches = tqdm(batches, total=len(dataset), desc=progress, unit="batch", leave=False)
    for batch_samples, x, y, weights in batches:
        if len(batch_samples) == 0:
            continue
        outputs = output_dict(model, model.predict_on_batch(x))
        # under a TF MirroredStrategy each replica predicts the whole batch, concatenated
        outputs = {name: value[: len(batch_samples)] for name, value in outputs.items()}
        if on_batch is not None:
            on_batch(outputs, y, weights)
        samples.append(batch_samples)
        for name, value in outputs.items():
            collected.setdefault(name, []).append(value)
    if not samples:
        return np.zeros(0, np.int64), {}
    return np.concatenate(samples), {k: np.concatenate(v) for k, v in collected.items()}


def sample_rows(feed_rows: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """Table rows scored for each sample: the row itself, or a window's current (last) frame."""
    rows = np.asarray(feed_rows)[np.asarray(samples, np.int64)]
    return rows[:, -1] if rows.ndim == 2 else rows


def scored_frames(
    feed: Any, samples: np.ndarray, outputs: Mapping[str, np.ndarray], readout: str = "last"
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(table rows, outputs)`` of every scored frame of the predicted ``samples`` of a Feed.

    An image or a ``last`` window scores one row (the window's current frame); a ``sequence``
    window scores each real step at its own row (``predictor.frame_outputs``).
    """
    samples = np.asarray(samples, np.int64)
    if readout == "sequence" and feed.mask is not None:
        mask = np.asarray(feed.mask)[samples]
        return np.asarray(feed.rows)[samples][mask], frame_outputs(outputs, mask, readout)
    return sample_rows(feed.rows, samples), dict(outputs)


def score_outputs(
    truth: Mapping[str, np.ndarray],
    outputs: Mapping[str, np.ndarray],
    rows: np.ndarray,
    num_classes: int,
) -> dict[str, float | int]:
    """SPEC.md's metrics.json scores of the canonical outputs at table ``rows``.

    Tasks the model does not output, or the data does not label, are left out; seed 003's
    compound emotions add ``compound_acc``, ``compound_mean_class_acc`` and ``n_compound``. An
    AU the model was not trained on (NaN in every row of its ``action_units``: seed 003 on
    EmotioNet has no AU7) is left out of the AU scores as if unlabelled, and logged.
    """
    rows = np.asarray(rows, np.int64)
    pairs = {
        "expression": ("expression_true", "expression_pred"),
        "action_units": ("au_true", "au_pred"),
        "valence_arousal": ("va_true", "va_pred"),
    }
    arguments: dict[str, Any] = {}
    for name, (true_key, pred_key) in pairs.items():
        if name in outputs and name in truth:
            arguments[true_key] = truth[name][rows]
            arguments[pred_key] = outputs[name]
    if "au_true" in arguments:
        arguments["au_true"] = _without_untrained_aus(arguments["au_true"], arguments["au_pred"])
    scores = abaw_scores(**arguments, num_classes=num_classes)
    if COMPOUND_OUTPUT in outputs and COMPOUND_OUTPUT in truth:
        scores.update(compound_scores(truth[COMPOUND_OUTPUT][rows], outputs[COMPOUND_OUTPUT]))
    return scores


def _without_untrained_aus(au_true: np.ndarray, au_pred: np.ndarray) -> np.ndarray:
    """``au_true`` with the AUs the model never predicts (all-NaN columns) set MISSING."""
    pred = np.asarray(au_pred, np.float64)
    untrained = np.isnan(pred).all(axis=0) if len(pred) else np.zeros(pred.shape[-1], bool)
    if not untrained.any():
        return au_true
    true = np.array(au_true, copy=True)
    if (true[:, untrained] != labels.MISSING_AU).any():
        names = [labels.ACTION_UNITS[i] for i in np.flatnonzero(untrained)]
        logger.info(
            "the model was not trained on %s: those labels are left out of the AU scores",
            ", ".join(names),
        )
    true[:, untrained] = labels.MISSING_AU
    return true


def per_dataset_scores(
    table: pd.DataFrame,
    truth: Mapping[str, np.ndarray],
    outputs: Mapping[str, np.ndarray],
    rows: np.ndarray,
    num_classes: int,
) -> dict[str, dict[str, float | int]]:
    """metrics.json's ``per_dataset``: :func:`score_outputs` on each dataset's rows alone.

    A multi-database validation set pools datasets of different difficulty (AffectNet's
    validation images beside Aff-Wild2's frames), so the pooled keys alone hide which dataset a
    model is good at; a paper reports one dataset. Each dataset is scored in its own expression
    space (``attrs["dataset_classes"]``, else the pooled one).
    """
    rows = np.asarray(rows, np.int64)
    names = table["dataset"].astype(str).to_numpy()[rows]
    spaces = table.attrs.get("dataset_classes") or {}
    out = {}
    for name in sorted(set(names)):
        keep = names == name
        classes = int(spaces.get(name, num_classes))
        mine = {key: np.asarray(value)[keep] for key, value in outputs.items()}
        out[name] = score_outputs(truth, mine, rows[keep], min(classes, num_classes))
    return out
