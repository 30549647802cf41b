"""Callbacks of a training run: whole-set validation scores and the best-checkpoint writer.

``ValidationScores`` replaces Keras' own validation pass: at each epoch end it predicts the
validation feed once with the run's predictor, adds ``val_loss`` (the compiled losses on those
predictions, batch-size weighted as Keras does) and every metrics.json key as ``val_<key>`` to
the epoch logs, and ``val_score``, the monitored number. ``BestCheckpoint`` then saves the
predictor to ``model.keras`` (atomically) whenever ``val_score`` improves. Put them first in the
callback list so CSVLogger and ResumeState see the added keys and the new checkpoint.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np

from affectkeras.evaluation.feed_windows import predict_feed_windows, window_split
from affectkeras.evaluation.scoring import predict_feed, score_outputs, scored_frames
from affectkeras.predictor import describe_inputs
from affectkeras.recipes.engine.distribution import single_device
from affectkeras.recipes.engine.monitor import monitored_score
from affectkeras.safe_files import kill_point, save_with

logger = logging.getLogger("affectkeras.recipes")

SCORE_KEY = "val_score"


class ValidationScores(keras.callbacks.Callback):
    """Adds ``val_loss``, ``val_<metrics.json key>`` and ``val_score`` to each epoch's logs.

    Args:
        predictor: the model whose outputs are scored (shares weights with the trained one).
        dataset: a ``FeedDataset`` over the validation feed (no augmentation, not shuffled).
        truth: ``scoring.canonical_truth`` of the validation table.
        num_classes: expression classes of the validation data.
        monitor: see ``scoring.monitored_score``.
        tasks: the trained task keys.
        losses: output name -> loss object, for ``val_loss`` (outputs the predictor lacks are
            skipped); ``loss_weights`` scales them.
        cache_frames: a window predictor's frame CNN runs once per validation frame
            (``evaluation.feed_windows``; same scores within float tolerance); False feeds
            it pixel windows, each frame s times.
    """

    def __init__(
        self,
        predictor: keras.Model,
        dataset: Any,
        truth: Mapping[str, np.ndarray],
        num_classes: int,
        monitor: str,
        tasks: list[str],
        losses: Mapping[str, Any] | None = None,
        loss_weights: Mapping[str, float] | None = None,
        cache_frames: bool = True,
    ):
        super().__init__()
        self.predictor = predictor
        self.dataset = dataset
        self.truth = truth
        self.num_classes = num_classes
        self.monitor = monitor
        self.tasks = list(tasks)
        self.losses = dict(losses or {})
        self.loss_weights = dict(loss_weights or {})
        self.last_scores: dict[str, float] = {}
        self.cache_frames = cache_frames

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        totals = {"loss": 0.0, "count": 0}

        def add_loss(outputs, y, weights):
            if not self.losses:
                return
            value = 0.0
            for name, loss in self.losses.items():
                if name in outputs and name in y:
                    term = loss(y[name], outputs[name], sample_weight=weights.get(name))
                    term = float(keras.ops.convert_to_numpy(term))
                    value += self.loss_weights.get(name, 1.0) * term
            size = len(next(iter(y.values())))
            totals["loss"] += value * size
            totals["count"] += size

        label = "validation" if self.params.get("verbose") == 1 else None
        feed = self.dataset.feed
        split = self._window_split()
        if split is None:
            samples, outputs = predict_feed(self.predictor, self.dataset, add_loss, label)
        else:  # a window predictor: its frame CNN runs once per frame, not once per window
            samples, outputs = predict_feed_windows(split, self.dataset, label)
            size = self.dataset.batch_size
            for start in range(0, len(samples), size):
                _, _, y, weights = feed.take(samples[start : start + size])
                add_loss({k: v[start : start + size] for k, v in outputs.items()}, y, weights)
        readout = describe_inputs(self.predictor).readout if feed.windowed else "last"
        rows, outputs = scored_frames(feed, samples, outputs, readout)
        scores = score_outputs(self.truth, outputs, rows, self.num_classes)
        if totals["count"]:
            logs["val_loss"] = totals["loss"] / totals["count"]
        for key, value in scores.items():
            if not key.startswith("n_"):  # counts go to metrics.json, not the history
                logs[f"val_{key}"] = float(value)
        logs[SCORE_KEY] = monitored_score(scores, self.monitor, self.tasks)
        self.last_scores = dict(scores)

    def _window_split(self):
        """The cut of a window predictor into frame CNN and temporal part (made once; it
        shares the predictor's layers, so it follows the training); None otherwise."""
        if not hasattr(self, "_split"):
            windowed = self.cache_frames and self.dataset.feed.windowed
            self._split = window_split(self.predictor) if windowed else None
        return self._split


class BestCheckpoint(keras.callbacks.Callback):
    """Saves ``model`` to ``path`` when the epoch's ``val_score`` beats the best so far.

    The file is written to a temporary name and renamed, so a kill mid-save never leaves a
    broken ``model.keras``. When no epoch has a finite score (no validation data), the last
    epoch is saved. ``best`` starts from a resumed run's history. With ``final`` (config
    ``model_selection=final``) every epoch is saved, so the last one is kept whatever it scores.

    Args:
        model_to_save: the predictor.
        path: the ``.keras`` file.
        best: the best score of earlier epochs (resume), or None.
        final: keep the last epoch's model instead of the best-scoring one.
    """

    def __init__(
        self,
        model_to_save: keras.Model,
        path: str | Path,
        best: float | None = None,
        final: bool = False,
    ):
        super().__init__()
        self.model_to_save = model_to_save
        self.path = Path(path)
        self.best = best
        self.final = final
        self.best_epoch: int | None = None

    def on_epoch_end(self, epoch, logs=None):
        score = (logs or {}).get(SCORE_KEY, float("nan"))
        finite = score is not None and math.isfinite(score)
        improved = finite and (self.best is None or score > self.best)
        if self.final or improved or (not finite and self.best is None):
            if improved:
                self.best = float(score)
            self.best_epoch = epoch
            save_atomically(self.model_to_save, self.path, epoch + 1)
            logger.info("epoch %d: %s=%.4f, saved %s", epoch + 1, SCORE_KEY, score, self.path)


def save_atomically(model: keras.Model, path: str | Path, epoch: int | None = None) -> None:
    """``model.save`` to a temporary file in the same folder, then an atomic rename.

    Raises:
        WriteError: no space or no permission (naming ``path``; the temporary file removed).
    """

    def write(temporary: Path) -> None:
        with single_device():  # the chief saves alone (engine.distribution)
            model.save(temporary)
        kill_point("checkpoint", epoch)

    save_with(path, write, suffix=".keras")
