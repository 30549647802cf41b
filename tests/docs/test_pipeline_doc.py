"""docs/pipeline.md: every Python block runs, in order, as one script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")  # the page shows the tf.data path too

DOC = Path(__file__).resolve().parents[2] / "docs" / "pipeline.md"


@pytest.mark.slow
def test_pipeline_doc_examples_run(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 6
    script = tmp_path / "pipeline_doc.py"
    script.write_text("\n\n".join(blocks))
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
