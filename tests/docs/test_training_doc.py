"""The Python examples of docs/training.md run as written; its CLI quick start is the CLI's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from affectkeras.recipes import list_recipes

DOC = Path(__file__).resolve().parents[2] / "docs" / "training.md"
TEXT = DOC.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)

pytestmark = pytest.mark.jax


def test_the_doc_has_examples_and_every_recipe():
    assert BLOCKS
    for name in list_recipes():
        assert f"| `{name}` |" in TEXT, name


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"{DOC.name} example {index}", "exec"), {})
