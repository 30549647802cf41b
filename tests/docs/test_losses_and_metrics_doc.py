"""The Python examples of docs/losses_and_metrics.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "losses_and_metrics.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_doc_has_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.jax
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example_runs(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # examples may write files (checkpoints, submissions)
    exec(compile(BLOCKS[index], f"{DOC.name}[python block {index}]", "exec"), {})
    assert capsys.readouterr().out.strip()  # every example prints what it shows
