"""The seams of docs/architecture.md, checked on the source: what never imports what.

Every ``import`` / ``from ... import`` of an ``affectkeras`` module in the package is read with
``ast`` (function-level imports included), so a lazy import cannot slip past a rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "affectkeras"

# layer -> layers it must never import (a layer is a top-level module or folder of affectkeras)
NEVER = {
    "labels": {"data", "models", "losses", "metrics", "recipes", "evaluation", "predictor"},
    "data": {"models", "losses", "metrics", "recipes", "evaluation", "predictor", "export"},
    "models": {"data", "recipes", "evaluation", "export", "inference", "demo", "cli"},
    "losses": {"data", "models", "recipes", "evaluation", "export", "inference", "demo", "cli"},
    "metrics": {"data", "models", "recipes", "evaluation", "export", "inference", "demo", "cli"},
    "predictor": {"data", "recipes", "evaluation", "export", "inference", "demo", "cli"},
    "evaluation": {"recipes", "export", "inference", "demo", "cli"},
    "export": {"recipes", "evaluation", "data", "demo", "cli"},
    "inference": {"recipes", "evaluation", "demo", "cli"},
    "plots": {"recipes", "evaluation", "data", "export", "inference", "demo", "cli"},
    "recipes": {"export", "inference", "demo", "cli"},
}
PAPERS = {"sequential_mtl", "mtl_fusion", "sjmt", "teacher_student", "temporal_stat"}
"""The recipe entries that follow one paper; they may use ``single_task`` and the engine only."""


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(node.lineno, name) for name in names if name.startswith("affectkeras")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("affectkeras")]
    return found


def _layer(parts: list[str]) -> str:
    return parts[0].removesuffix(".py") if parts else ""


def _sources():
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(NEVER))
def test_a_layer_never_imports_the_layers_above_it(layer):
    wrong = []
    for path in _sources():
        parts = list(path.relative_to(PACKAGE).parts)
        if _layer(parts) != layer:
            continue
        for line, module in _imports(path):
            target = module.split(".")[1] if "." in module else ""
            if target in NEVER[layer]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_a_paper_recipe_never_imports_another_paper():
    wrong = []
    for path in _sources():
        parts = list(path.relative_to(PACKAGE).parts)
        if parts[0] != "recipes" or len(parts) < 2:
            continue
        own = parts[1].removesuffix(".py")
        for line, module in _imports(path):
            pieces = module.split(".")
            other = pieces[2] if len(pieces) > 2 and pieces[1] == "recipes" else None
            if other in PAPERS and other != own:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
            if own == "engine" and other in {*PAPERS, "single_task"}:
                wrong.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line}: the engine imports {module}"
                )
    assert not wrong, "\n".join(wrong)


def test_the_model_file_name_is_spelled_in_one_module():
    spelled = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value == "model.keras":
                spelled.append(str(path.relative_to(PACKAGE)))
    assert spelled == ["predictor.py"]


def test_the_recipes_top_level_holds_the_registry_the_engine_and_one_entry_per_recipe():
    from affectkeras.recipes import list_recipes

    entries = {p.name.removesuffix(".py") for p in (PACKAGE / "recipes").iterdir()}
    entries -= {"__pycache__"}
    assert entries == {"__init__", "registry", "engine", *list_recipes()}
