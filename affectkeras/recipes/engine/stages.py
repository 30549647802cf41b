"""Recipes trained in stages: a teacher then a student, a frame model then a temporal one, ...

A :class:`StagedRecipe` lists its stages with :meth:`StagedRecipe.stages`; each stage is an
ordinary :class:`~affectkeras.recipes.engine.base.Recipe` trained by ``Recipe.train`` into its own
folder, so resuming, ``history.csv`` and ``metrics.json`` work per stage as for any run::

    RUN_DIR/
      config.yaml     the staged recipe's resolved config (``stage`` included)
      <stage>/        one ordinary RUN_DIR per stage, in order (e.g. teacher/, student/, gru/)
      model.keras     the final predictor: ``combine`` (e.g. a fused model), else the last stage's
      history.csv     every stage's rows, with a ``stage`` column first
      metrics.json    the final predictor's scores on the validation split

``--set stage=all`` (the default) runs every stage; ``--set stage=NAME`` runs that one stage,
which finds the stages before it in the same RUN_DIR (``Stage.needs`` names what it reads, so a
missing one is a clear error). Stages finished already are skipped, so rerunning the command
after an interruption resumes at the stage and epoch where it stopped. The top-level files are
written once every stage has finished.
"""

from __future__ import annotations

import csv
import dataclasses
import io
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
import yaml

from affectkeras.evaluation.evaluate import evaluate_table, write_metrics
from affectkeras.predictor import load_predictor
from affectkeras.recipes.engine.base import Recipe, TrainResult
from affectkeras.recipes.engine.callbacks import save_atomically
from affectkeras.recipes.engine.config import TrainConfig, save_config, upgraded
from affectkeras.recipes.engine.distribution import Placement, placement, single_device
from affectkeras.recipes.engine.inputs import run_tables
from affectkeras.recipes.engine.run_dir import RESUMABLE_KEYS, RunDir
from affectkeras.safe_files import save_with, write_atomically

logger = logging.getLogger("affectkeras.recipes")

ALL_STAGES = "all"


@dataclasses.dataclass
class StagedConfig(TrainConfig):
    """``TrainConfig`` plus the stage to run.

    Attributes:
        stage: ``all`` (every stage in order) or one stage's name.
        stage_names: (class attribute) the stages ``stage`` may name, checked here once.
    """

    stage_names: ClassVar[tuple[str, ...]] = ()
    stage: str = ALL_STAGES

    def validate(self) -> None:
        super().validate()
        choices = (ALL_STAGES, *self.stage_names)
        if self.stage not in choices:
            raise ValueError(f"stage={self.stage!r}; choose one of {', '.join(choices)}")


@dataclass
class Stage:
    """One stage: an ordinary recipe, its resolved config and the files it reads.

    Attributes:
        name: the stage's folder name in RUN_DIR (and its ``--set stage=`` value).
        recipe: the recipe that trains it.
        config: its resolved config (``data`` is filled from the staged run's).
        needs: files it reads that earlier stages write (e.g. ``teacher/model.keras``), with
            the config key that can point elsewhere, as ``{path: key}``.
        data: data specs of this stage alone (seed 004's frame stage: ``frame_data``); empty:
            the staged run's ``data``.
    """

    name: str
    recipe: Recipe
    config: TrainConfig
    needs: dict[Path, str] = dataclasses.field(default_factory=dict)
    data: list[str] = dataclasses.field(default_factory=list)


class StagedRecipe(Recipe):
    """A recipe trained as a sequence of stages (see the module doc).

    Subclasses set ``config_class`` (a :class:`StagedConfig` naming its ``stage_names``) and
    override :meth:`stages`, and :meth:`combine` when the final predictor is not the last stage's.
    """

    config_class: ClassVar[type[TrainConfig]] = StagedConfig

    def stages(self, config: StagedConfig, run_path: Path) -> list[Stage]:
        """Every stage in order, with configs derived from ``config``."""
        raise NotImplementedError

    def combine(
        self, config: StagedConfig, run_path: Path, stage_dirs: dict[str, Path]
    ) -> keras.Model | None:
        """The final predictor built from the finished stages; None: the last stage's model."""
        return None

    def train(
        self,
        data: Sequence[str] | str | None,
        out: str | Path,
        config: StagedConfig | None = None,
        callbacks: Sequence[keras.callbacks.Callback] = (),
    ) -> TrainResult:
        """Trains the selected stages into ``out/<stage>/``, then the top-level files.

        Args:
            data: data spec(s); None uses ``config.data``.
            out: the run directory.
            config: a resolved config (default: this recipe's defaults).
            callbacks: extra Keras callbacks, given to every stage's ``fit``.
        """
        started = time.time()
        config, run = self.prepare(data, out, config)
        place = placement(config)  # records config.replicas
        with place.run_lock(run.path):  # the chief's; the others write nothing in RUN_DIR
            result = self._train_stages(config, run, callbacks, place)
        result.seconds = time.time() - started
        return result

    def _train_stages(
        self,
        config: StagedConfig,
        run: RunDir,
        callbacks: Sequence[keras.callbacks.Callback],
        place: Placement,
    ) -> TrainResult:
        """``train`` with the top-level RUN_DIR's lock held (each stage locks its folder)."""
        changed = _changed_keys(run, config)
        if place.is_chief:
            run.remove_leftovers()
            save_config(config, run.config)
        stages = self.stages(config, run.path)
        chosen = [s for s in stages if config.stage in (ALL_STAGES, s.name)]
        if not chosen:
            names = ", ".join(s.name for s in stages)
            raise ValueError(f"stage={config.stage!r}; choose all or one of {names}")
        result = None
        for stage in chosen:
            _check_needs(stage, run.path)
            stage.config.data = list(stage.data or config.data)
            logger.info("%s: stage %s -> %s", self.name, stage.name, run.path / stage.name)
            result = stage.recipe.train(None, run.path / stage.name, stage.config, callbacks)
        dirs = {stage.name: run.path / stage.name for stage in stages}
        if not all(RunDir(path).finished() for path in dirs.values()):
            return result
        if changed:
            logger.info("%s: rebuilding the final model (changed: %s)", run.path, changed)
        if not changed and _up_to_date(run, dirs):
            logger.info("%s: every stage had finished already; see %s", run.path, run.metrics)
            metrics = json.loads(run.metrics.read_text())
        elif place.is_chief:  # on one device, the whole validation set
            with single_device():
                metrics = self._finish(config, run, stages, dirs)
        place.barrier("affectkeras-staged-final")
        if not place.is_chief:
            metrics = json.loads(run.metrics.read_text())
        last = RunDir(dirs[stages[-1].name])
        return TrainResult(
            run.path,
            config,
            metrics,
            run.history_rows(),
            last.kept_epoch(stages[-1].config.model_selection == "final"),
            result.pipeline if result else "",
        )

    def _finish(
        self, config: StagedConfig, run: RunDir, stages: list[Stage], dirs: dict[str, Path]
    ) -> dict[str, Any]:
        """Writes the top-level model.keras, history.csv and metrics.json."""
        _merge_histories({name: RunDir(path) for name, path in dirs.items()}, run.history)
        last = RunDir(dirs[stages[-1].name])
        predictor = self.combine(config, run.path, dirs)
        if predictor is None:
            save_with(run.model, lambda temporary: shutil.copyfile(last.model, temporary))
            metrics = json.loads(last.metrics.read_text())
        else:
            save_atomically(predictor, run.model)
            metrics = self._score(config, load_predictor(run.model))
        write_metrics(metrics, run.metrics)
        return metrics

    def _score(self, config: StagedConfig, predictor: keras.Model) -> dict[str, Any]:
        """The combined predictor's scores on the run's validation rows."""
        tables = run_tables(list(config.data), config)
        validation = tables.validation
        keep = np.asarray(self.labelled(config, validation), bool)
        validation = validation[keep].reset_index(drop=True)
        if validation.empty:
            return {}
        return evaluate_table(
            predictor, validation, config.batch_size, num_classes=tables.validation_classes
        )


def stage_predictor(path: str | Path, name: str) -> keras.Model:
    """A stage's saved predictor, renamed ``name`` so several can sit in one combined model.

    Every recipe names its model alike (e.g. ``affect_model``), and a Keras model refuses two
    sub-models of one name; the returned model shares the loaded layers and weights, and its
    outputs are a dict by output name.
    """
    loaded = load_predictor(path)
    outputs = dict(zip(loaded.output_names, loaded.outputs, strict=True))
    return keras.Model(loaded.inputs, outputs, name=name)


def combined_predictor(inputs: Any, outputs: dict[str, Any], name: str) -> keras.Model:
    """A predictor over ``outputs`` whose output names are the dict's keys.

    A functional model names each output after the layer that made it, which for a sub-model is
    the sub-model's name; an ``Identity`` layer per output gives it its canonical name.
    """
    named = {key: keras.layers.Identity(name=key)(tensor) for key, tensor in outputs.items()}
    return keras.Model(inputs, named, name=name)


def derive(config_class: type[TrainConfig], config: TrainConfig, **changes: Any) -> TrainConfig:
    """A stage's config: the keys ``config_class`` shares with ``config``, plus ``changes``."""
    names = {field.name for field in dataclasses.fields(config_class)} - {"recipe"}
    values = {key: value for key, value in config.to_dict().items() if key in names}
    return config_class(**{**values, **changes})


def _changed_keys(run: RunDir, config: StagedConfig) -> list[str]:
    """Keys whose values differ from the RUN_DIR's previous ``config.yaml``.

    Each stage refuses a change that concerns it (its own ``config.yaml``); a change that only
    concerns the top level (e.g. fusion weights of ``combine``) rebuilds the top-level files.
    """
    if not run.config.is_file():
        return []
    previous = upgraded(yaml.safe_load(run.config.read_text()) or {})
    current = config.to_dict()
    ignored = {"stage", *RESUMABLE_KEYS}
    keys = (set(previous) | set(current)) - ignored
    return sorted(key for key in keys if previous.get(key) != current.get(key))


def _up_to_date(run: RunDir, dirs: dict[str, Path]) -> bool:
    """The top-level files were written after every stage's metrics.json."""
    if not (run.metrics.is_file() and run.model.is_file() and run.history.is_file()):
        return False
    written = run.metrics.stat().st_mtime
    return all(RunDir(path).metrics.stat().st_mtime <= written for path in dirs.values())


def _check_needs(stage: Stage, run_path: Path) -> None:
    for path, key in stage.needs.items():
        if not Path(path).exists():
            raise ValueError(
                f"stage {stage.name!r} needs {path}: train the earlier stages into "
                f"{run_path} first (--set stage=all), or point --set {key}=PATH at it"
            )


def _merge_histories(runs: dict[str, RunDir], path: Path) -> None:
    """Every stage's history rows, in stage order, with a ``stage`` column first."""
    rows = [{"stage": name, **row} for name, run in runs.items() for row in run.history_rows()]
    columns = ["stage"]
    for row in rows:
        columns += [key for key in row if key not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(path, buffer.getvalue())
