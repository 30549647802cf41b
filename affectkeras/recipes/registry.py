"""The recipe registry behind ``list_recipes``, ``get_recipe`` and ``affectkeras train --recipe``.

The one source of the recipe names and their one-line summaries. Listing needs no Keras import
(``affectkeras train --help`` stays fast); a recipe's module is imported when it is asked for,
and its class's ``name`` must be the name it is registered under.

Example:
    >>> sorted(list_recipes())
    ['mtl_fusion', 'sequential_mtl', 'single_task', 'sjmt', 'teacher_student', 'temporal_stat']
    >>> get_recipe("sjmt").config().batch_size
    128
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class RecipeEntry:
    """One registered recipe: where its class lives and a one-line summary."""

    name: str
    module: str
    class_name: str
    summary: str


_RECIPES: dict[str, RecipeEntry] = {}


def register_recipe(name: str, module: str, class_name: str, summary: str) -> None:
    """Registers a recipe class by import path (``module:class_name``)."""
    if name in _RECIPES:
        raise ValueError(f"Recipe {name!r} is already registered")
    _RECIPES[name] = RecipeEntry(name, module, class_name, summary)


register_recipe(
    "single_task",
    "affectkeras.recipes.single_task",
    "SingleTask",
    "one task (expr, au or va) on its own network: the seeds' single-task baselines",
)
register_recipe(
    "sequential_mtl",
    "affectkeras.recipes.sequential_mtl",
    "SequentialMTL",
    "seed 000 (Phan et al.): Algorithm 1, one network trained on E, then A, then B each epoch",
)
register_recipe(
    "mtl_fusion",
    "affectkeras.recipes.mtl_fusion",
    "MTLFusion",
    "seed 001 (Chang et al.): multi-task and single-task models fused at inference",
)
register_recipe(
    "sjmt",
    "affectkeras.recipes.sjmt",
    "SelectiveJointMultiTask",
    "seed 003 (Pons & Masip): one sigmoid layer over the datasets' label spaces, selective loss",
)

register_recipe(
    "teacher_student",
    "affectkeras.recipes.teacher_student",
    "TeacherStudent",
    "seed 002 (Vu et al.): CNN teacher, distilled CNN student, then a BiGRU teacher/student",
)
register_recipe(
    "temporal_stat",
    "affectkeras.recipes.temporal_stat",
    "TemporalStat",
    "seed 004 (Do et al.): frame model, then STAT/LSTM fusion over frame windows (Table I)",
)


def list_recipes() -> dict[str, str]:
    """Recipe name -> one-line summary, sorted by name."""
    return {name: _RECIPES[name].summary for name in sorted(_RECIPES)}


def get_recipe(name: str):
    """An instance of the recipe registered as ``name``.

    Raises:
        ValueError: an unknown name (the message lists the recipes).
    """
    if name not in _RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; recipes: {', '.join(sorted(_RECIPES))}")
    entry = _RECIPES[name]
    recipe = getattr(importlib.import_module(entry.module), entry.class_name)()
    if recipe.name != name:
        raise ValueError(
            f"Recipe {name!r} is registered as {entry.module}:{entry.class_name}, "
            f"whose name is {recipe.name!r}"
        )
    return recipe
