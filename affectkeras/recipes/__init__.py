"""Training recipes: typed configs, ``train`` into a run directory, ``evaluate``.

``affectkeras train --recipe NAME --data SPEC --out RUN_DIR`` and the Python API below run the
same code. See docs/training.md. Layout: ``registry`` (names and summaries), ``engine/`` (what
every recipe shares) and one module or folder per recipe: ``single_task``, ``sequential_mtl``
(seed 000), ``mtl_fusion`` (seed 001), ``teacher_student/`` (seed 002), ``sjmt`` (seed 003),
``temporal_stat/`` (seed 004). Recipes import the engine and ``single_task``, never each other.

Example:
    >>> from affectkeras import recipes
    >>> "single_task" in recipes.list_recipes()
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from affectkeras.recipes.engine.config import TrainConfig, load_config, resolve_config
from affectkeras.recipes.engine.run_dir import RunDir
from affectkeras.recipes.registry import get_recipe, list_recipes, register_recipe


def train(
    recipe: str,
    data: str | list[str],
    out: str | Path,
    config: str | Path | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    callbacks: tuple = (),
) -> Any:
    """Trains ``recipe`` on ``data`` into RUN_DIR ``out`` (resumes an interrupted run there).

    Args:
        recipe: a name of ``list_recipes()``.
        data: data spec(s) (several form a multi-database set).
        out: the run directory.
        config: optional YAML file of config keys.
        overrides: ``"key=value"`` strings (``--set``).
        callbacks: extra Keras callbacks.

    Returns:
        A ``TrainResult`` (run_dir, config, metrics, history, best_epoch, ...).
    """
    chosen = get_recipe(recipe)
    return chosen.train(data, out, chosen.config(config, overrides), callbacks)


def evaluate(model, data, out=None, batch_size: int = 64) -> dict:
    """Scores a RUN_DIR or ``.keras`` model on data specs (``affectkeras.evaluation.evaluate``)."""
    from affectkeras.evaluation import evaluate as run

    return run(model, data, out, batch_size)


def load_predictor(path: str | Path) -> Any:
    """A RUN_DIR's ``model.keras`` or a ``.keras`` file (``affectkeras.predictor``)."""
    from affectkeras.predictor import load_predictor as load

    return load(path)


__all__ = [
    "RunDir",
    "TrainConfig",
    "evaluate",
    "get_recipe",
    "list_recipes",
    "load_config",
    "load_predictor",
    "register_recipe",
    "resolve_config",
    "train",
]
