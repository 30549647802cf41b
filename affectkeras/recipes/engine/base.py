"""The frame every recipe plugs into: data, model, losses, ``model.fit`` with callbacks, RUN_DIR.

A recipe subclasses :class:`Recipe` and fills in what its paper specifies (config defaults,
output spec, training feed/sampling, model, losses); :meth:`Recipe.train` does the rest the same
way for every recipe:

1. resolve the config, check RUN_DIR (a rerun must match ``config.yaml``; see ``run_dir``);
2. seed everything (``keras.utils.set_random_seed``; deterministic TF ops on the TF backend),
   set the mixed-precision policy;
3. read the data, split train/validation (never a random frame split; ``engine.splits``);
4. build the feeds, model and predictor, compile with the recipe's optimiser and schedule;
5. ``model.fit`` with :class:`~affectkeras.recipes.engine.callbacks.ValidationScores`,
   :class:`~affectkeras.recipes.engine.callbacks.BestCheckpoint` (``model.keras``), ``CSVLogger``
   (``history.csv``), ``BackupAndRestore`` (resume) and optional ``TensorBoard``;
6. score the saved ``model.keras`` on the validation rows into ``metrics.json``, exactly as
   ``affectkeras evaluate`` would.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import keras
import numpy as np
import pandas as pd

from affectkeras.data.feeding.augment import Augment
from affectkeras.data.feeding.feed import Feed, make_feed
from affectkeras.evaluation.evaluate import evaluate_table, write_metrics
from affectkeras.evaluation.scoring import canonical_truth
from affectkeras.framing import framed_predictor
from affectkeras.metrics.selection import abaw_metrics
from affectkeras.models import get_backbone
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.engine import distribution
from affectkeras.recipes.engine.callbacks import ValidationScores
from affectkeras.recipes.engine.config import (
    TrainConfig,
    config_defaults,
    load_config,
    save_config,
)
from affectkeras.recipes.engine.init_from import initialise_backbone
from affectkeras.recipes.engine.inputs import (
    RunTables,
    epoch_validation,
    has_tensorflow,
    plan_epochs,
    run_tables,
    training_batches,
)
from affectkeras.recipes.engine.optimizers import build_optimizer
from affectkeras.recipes.engine.resume_state import load_shared_state, run_writers
from affectkeras.recipes.engine.run_dir import RunDir
from affectkeras.safe_files import kill_point

logger = logging.getLogger("affectkeras.recipes")

PRETRAINED_SUFFIXES = ("_vggface2",)
"""Backbone names that promise pre-trained weights (logged when trained from random ones)."""


@dataclass
class Models:
    """What a recipe builds: the model ``fit`` trains and the predictor saved as model.keras.

    The predictor shares the trained model's layers and outputs canonical names
    (``expression``, ``action_units``, ``valence_arousal``; extras allowed).
    """

    model: keras.Model
    predictor: keras.Model


@dataclass
class TrainResult:
    """What ``train`` returns."""

    run_dir: Path
    config: TrainConfig
    metrics: dict[str, Any]
    history: list[dict[str, str]]
    best_epoch: int | None = None
    pipeline: str = ""
    seconds: float = 0.0


class Recipe:
    """Base class of the training recipes (see the module doc).

    Subclasses set ``name`` (the registry's key) and ``config_class`` and override the hooks
    below; the one-line summary lives in ``recipes/registry.py``.
    """

    name: ClassVar[str] = ""
    config_class: ClassVar[type[TrainConfig]] = TrainConfig

    # ---------------------------------------------------------------- hooks

    def output_spec(self, config: TrainConfig, tables: RunTables) -> OutputSpec:
        """The tasks trained (default: ``config.tasks`` in the data's expression space)."""
        return OutputSpec.create(config.task_keys, num_classes=tables.num_classes)

    def tables(self, config: TrainConfig, data: list[str]) -> RunTables:
        """The run's training and validation tables (default: ``run_tables``, the split rules)."""
        return run_tables(data, config)

    def labelled(self, config: TrainConfig, table: pd.DataFrame) -> np.ndarray:
        """bool [N]: rows labelled for a trained task (the others are not fed at all)."""
        spec = OutputSpec.create(config.task_keys, num_classes=8)
        present = [t for t in spec if set(t.columns) <= set(table.columns)]
        masks = [t.sample_labelled(t.targets(table)) for t in present]
        return np.logical_or.reduce(masks) if masks else np.zeros(len(table), bool)

    def train_feed(self, config: TrainConfig, tables: RunTables, spec: OutputSpec) -> Feed:
        """The training Feed (default: every row once per epoch, shuffled with the seed)."""
        return make_feed(tables.train, spec, config.image_size, seed=config.seed)

    def validation_feed(self, config: TrainConfig, tables: RunTables, spec: OutputSpec) -> Feed:
        """The validation Feed (unshuffled; targets of the trained spec, for ``val_loss``)."""
        return make_feed(tables.validation, spec, config.image_size, shuffle=False)

    def augment(self, config: TrainConfig) -> Augment | None:
        """Training augmentation from the ``augment_*`` keys (None when all are off)."""
        augment = Augment(
            flip=config.augment_flip,
            translate=config.augment_translate,
            rotation=config.augment_rotation,
            scale=config.augment_scale,
            erase=config.augment_erase,
        )
        return augment if augment.active else None

    def backbone(self, config: TrainConfig) -> keras.Model:
        """The config's backbone at ``image_size``, weights from ``backbone_weights`` or
        ``init_from`` (``engine.init_from``); random otherwise, which is logged loudly for a
        backbone named after its pre-training (``resnet50_vggface2``)."""
        backbone = get_backbone(
            config.backbone,
            input_shape=(config.image_size, config.image_size, 3),
            weights=config.backbone_weights,
        )
        if config.init_from:
            initialise_backbone(backbone, config.init_from)
        elif not config.backbone_weights and config.backbone.endswith(PRETRAINED_SUFFIXES):
            logger.warning(
                "backbone %s without weights: it trains from RANDOM weights, not from its "
                "pre-training (give backbone_weights=FILE.h5 or init_from=RUN_DIR; "
                "docs/models.md)",
                config.backbone,
            )
        return backbone

    def preflight(self, config: TrainConfig) -> None:
        """Checks that need neither data nor a model, run before any work (ValueError: refused)."""

    def build(self, config: TrainConfig, spec: OutputSpec, tables: RunTables) -> Models:
        raise NotImplementedError

    def losses(
        self, config: TrainConfig, spec: OutputSpec, tables: RunTables
    ) -> tuple[dict[str, Any], dict[str, float]]:
        """``(losses, loss_weights)`` keyed by output name."""
        raise NotImplementedError

    def metrics(self, config: TrainConfig, spec: OutputSpec) -> dict[str, list]:
        """Training-set metrics shown in the progress bar (default: the ABAW metrics)."""
        return abaw_metrics(spec)

    def monitor_tasks(self, config: TrainConfig, spec: OutputSpec) -> list[str]:
        """Task keys whose validation scores select the checkpoint."""
        return config.task_keys

    # ---------------------------------------------------------------- the run

    def config(self, path: str | Path | None = None, overrides: Sequence[str] = ()) -> TrainConfig:
        """Resolves this recipe's config (defaults, YAML file, ``key=value`` overrides)."""
        config = load_config(self.config_class, path, overrides, recipe=self.name)
        if config.recipe and config.recipe != self.name:
            raise ValueError(f"--set recipe={config.recipe}: this is recipe {self.name!r}")
        config.recipe = self.name
        return config

    def train(
        self,
        data: Sequence[str] | str | None,
        out: str | Path,
        config: TrainConfig | None = None,
        callbacks: Sequence[keras.callbacks.Callback] = (),
    ) -> TrainResult:
        """Trains into RUN_DIR ``out`` (resuming a run interrupted there).

        Args:
            data: data spec(s), e.g. ``"affwild2:/data/aff-wild2"``; None uses ``config.data``.
            out: the run directory.
            config: a resolved config (default: this recipe's defaults).
            callbacks: extra Keras callbacks (run after the built-in ones).
        """
        started = time.time()
        config, run = self.prepare(data, out, config)
        tensorboard = has_tensorflow() and importlib.util.find_spec("tensorboard") is not None
        if config.tensorboard and not tensorboard:
            raise ValueError(
                "tensorboard=true needs TensorFlow and the tensorboard package: "
                'pip install "affectkeras[tensorboard]"'
            )
        place = distribution.placement(config)  # before seeding; records config.replicas
        with place.run_lock(run.path):  # the chief's; the others write nothing in RUN_DIR
            result = self._train_locked(config, run, callbacks, place)
        result.seconds = time.time() - started
        return result

    def prepare(
        self, data: Sequence[str] | str | None, out: str | Path, config: TrainConfig | None
    ) -> tuple[TrainConfig, RunDir]:
        """The prologue every ``train`` shares: the resolved config (``data`` filled in) and the
        RunDir. Reads no data and builds no model (a refused run costs nothing)."""
        config = config or self.config()
        config.recipe = self.name
        if data:
            config.data = [data] if isinstance(data, str) else list(data)
        if not config.data:
            raise ValueError("No data: give --data SPEC (or a data key in --config)")
        self.preflight(config)
        return config, RunDir(out)

    def _train_locked(
        self, config: TrainConfig, run: RunDir, callbacks: Sequence, place: distribution.Placement
    ) -> TrainResult:
        """``train`` with RUN_DIR's lock held (by the chief of a multi-process job)."""
        run.check_config(config.to_dict(), config_defaults(type(config)))
        for leftover in run.remove_leftovers() if place.is_chief else ():
            logger.info("%s: removed %s, left by a run that was killed", run.path, leftover.name)
        place.barrier("affectkeras-prologue")
        if run.finished():
            done = len(run.history_rows())
            if config.epochs is not None and config.epochs > done:
                raise ValueError(
                    f"{run.path}: this run finished after {done} epochs and its training state "
                    f"is gone, so it cannot go on to {config.epochs}; use another --out"
                )
            logger.info("%s: this run finished already; see %s", run.path, run.metrics)
            metrics = json.loads(run.metrics.read_text())
            kept = run.kept_epoch(config.model_selection == "final")
            return TrainResult(run.path, config, metrics, run.history_rows(), kept)
        if place.is_chief:
            save_config(config, run.config)
        previous_policy = keras.config.dtype_policy()
        try:
            distribution.seed_everything(config.seed)  # every process: the same initial weights
            if config.dtype_policy:
                keras.config.set_dtype_policy(config.dtype_policy)
            return self._fit(config, list(config.data), run, callbacks, place)
        finally:
            keras.config.set_dtype_policy(previous_policy)

    def _fit(
        self,
        config: TrainConfig,
        data: list,
        run: RunDir,
        extra: Sequence,
        place: distribution.Placement,
    ) -> TrainResult:
        tables = self.tables(config, data)
        tables.train = _rows(tables.train, self.labelled(config, tables.train))
        tables.validation = _rows(tables.validation, self.labelled(config, tables.validation))
        if tables.train.empty:
            raise ValueError(f"No training row is labelled for tasks {config.tasks!r}")
        logger.info(
            "rows labelled for %s: %d training, %d validation (datasets: %s)",
            config.tasks,
            len(tables.train),
            len(tables.validation),
            ", ".join(sorted(tables.train["dataset"].astype(str).unique())),
        )
        spec = self.output_spec(config, tables)
        feed = self.train_feed(config, tables, spec)
        state = load_shared_state(run.backup, run.history, place.is_chief, place.barrier)
        first_epoch = state.epoch if state is not None else 0
        train_batches, per_epoch, pipeline = training_batches(
            feed, config, self.augment(config), first_epoch, run.pixel_cache, place
        )
        epochs, steps_per_epoch = plan_epochs(config, per_epoch)
        if state is not None and first_epoch >= epochs and run.model.is_file():
            logger.info("%s: all %d epochs were trained; writing the final files", run.path, epochs)
            return self._finish_run(run, tables, config, pipeline, place)
        total_steps = epochs * steps_per_epoch
        with place.scope():  # the model's, optimiser's and metrics' variables: replicated
            models = self.build(config, spec, tables)
            framed = framed_predictor(models.predictor, config.face_framing, config.test_time_flip)
            models = Models(models.model, framed)
            losses, loss_weights = self.losses(config, spec, tables)
            models.model.compile(
                optimizer=build_optimizer(config, total_steps),
                loss=losses,
                loss_weights=loss_weights or None,
                metrics=self.metrics(config, spec) or None,
            )
        callbacks: list[Any] = []
        validation = None
        if len(tables.validation):
            validation_feed = self.validation_feed(config, tables, spec)
            validation = epoch_validation(
                validation_feed, tables.validation, config, models.predictor, pipeline, feed
            )
            callbacks.append(
                ValidationScores(
                    models.predictor,
                    validation,
                    canonical_truth(tables.validation, tables.validation_classes),
                    tables.validation_classes,
                    config.monitor,
                    self.monitor_tasks(config, spec),
                    losses,
                    loss_weights,
                )
            )
        if first_epoch:
            logger.info("resuming %s at epoch %d", run.path, first_epoch + 1)

        final = config.model_selection == "final"
        callbacks += run_writers(run, models.predictor, state, first_epoch, place.is_chief, final)
        callbacks.append(keras.callbacks.TerminateOnNaN())
        if config.tensorboard and place.is_chief:
            callbacks.append(keras.callbacks.TensorBoard(str(run.tensorboard)))
        callbacks += list(extra)
        logger.info(
            "%s: %d epochs x %d steps, global batch %d, %s input pipeline, %s",
            self.name,
            epochs,
            steps_per_epoch,
            config.batch_size,
            pipeline,
            place.describe(),
        )
        with place.scope():
            models.model.fit(
                train_batches,
                epochs=epochs,
                initial_epoch=first_epoch,
                steps_per_epoch=steps_per_epoch,
                callbacks=callbacks,
                verbose=config.verbose,
                shuffle=False,  # the Feed's sampler orders every epoch
            )
        for source, dataset in (("training", train_batches), ("validation", validation)):
            skips = getattr(dataset, "skips", None)
            if skips is not None and skips.total:
                skips.log(f"{run.path}: {source} (all epochs)")
        return self._finish_run(run, tables, config, pipeline, place)

    def _finish_run(
        self,
        run: RunDir,
        tables: RunTables,
        config: TrainConfig,
        pipeline: str,
        place: distribution.Placement,
    ) -> TrainResult:
        """metrics.json (the chief's), then the training state removed (a kill between: rerun)."""
        kill_point("final")
        metrics = None
        if place.is_chief:
            with distribution.single_device():
                metrics = self._final_metrics(run, tables, config)
            shutil.rmtree(run.backup, ignore_errors=True)
            shutil.rmtree(run.pixel_cache, ignore_errors=True)  # pixel_cache=auto's
        place.barrier("affectkeras-final")
        metrics = json.loads(run.metrics.read_text()) if metrics is None else metrics
        kept = run.kept_epoch(config.model_selection == "final")
        return TrainResult(run.path, config, metrics, run.history_rows(), kept, pipeline)

    def _final_metrics(self, run: RunDir, tables: RunTables, config: TrainConfig) -> dict:
        """Scores of the saved model.keras on the validation rows -> metrics.json."""
        metrics: dict[str, Any] = {}
        if len(tables.validation):
            predictor = keras.models.load_model(run.model, compile=False)
            metrics = evaluate_table(predictor, tables.validation, config.batch_size)
        write_metrics(metrics, run.metrics)
        return metrics


def predictor_of(model: keras.Model, names: tuple[str, ...] | list[str]) -> keras.Model:
    """A model sharing ``model``'s layers that outputs ``names`` (no optimiser or losses)."""
    outputs = {name: model.get_layer(name).output for name in names}
    return keras.Model(model.inputs, outputs, name=model.name)


def _rows(table: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    return table[np.asarray(keep, bool)].reset_index(drop=True)
