"""docs/serving.md: its Python runs as written against a real export, and its JSON is the answer's
layout."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("tensorflow")

from affectkeras.cli.main import main
from affectkeras.data.synthetic.composite import synthetic_frame
from tests.export.test_serving_model import image_predictor

DOC = Path(__file__).resolve().parents[2] / "docs" / "serving.md"
TEXT = DOC.read_text()


def test_the_python_examples_run_against_an_export_made_as_documented(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    image_predictor("expr,au,va", size=32).save("model.keras")
    assert "--out export/affect/1" in TEXT
    assert main(["-q", "export", "model.keras", "--out", "export/affect/1"]) == 0
    rng = np.random.default_rng(0)
    for name in ("face1.png", "face2.png"):
        frame, _ = synthetic_frame(rng, faces=1)
        cv2.imwrite(name, cv2.cvtColor(frame[:112, :112], cv2.COLOR_RGB2BGR))
    namespace: dict = {}
    for block in re.findall(r"```python\n(.*?)```", TEXT, flags=re.S):
        exec(compile(block, str(DOC), "exec"), namespace)
    request = json.loads(Path("request.json").read_text())
    assert np.shape(request["instances"]) == (2, 112, 112, 3)
    documented = json.loads(re.search(r"```json\n(.*?)```", TEXT, flags=re.S).group(1))
    answer = namespace["response"]["predictions"]
    assert len(answer) == 2
    for name, value in documented["predictions"][0].items():
        assert np.shape(answer[0][name]) == np.shape(value), name
    assert set(answer[0]) == set(documented["predictions"][0])
