"""The Python examples of docs/datasets.md run as written (so the documented usage stays true)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "datasets.md"


def test_datasets_doc_python_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, f"{DOC} has no python example"
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {"__name__": "datasets_doc"})
    out = capsys.readouterr().out
    assert "contempt" in out and "'other': 1" in out
