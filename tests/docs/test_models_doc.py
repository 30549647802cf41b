"""The Python examples of docs/models.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import keras
import pytest

from affectkeras.models import list_backbones, registry
from tests.helpers.keras2_h5 import model_layers, vggface_resnet50, write_keras2_h5

DOC = Path(__file__).resolve().parents[2] / "docs" / "models.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_doc_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if "rcmalli_vggface_tf_notop_resnet50.h5" in BLOCKS[index]:
        # Stand-in for the real download: keras-vggface's layout, random weights.
        layers = model_layers(vggface_resnet50((112, 112, 3)))
        write_keras2_h5(tmp_path / "rcmalli_vggface_tf_notop_resnet50.h5", layers)
    policy = keras.config.dtype_policy()
    # An example may register a backbone: keep it out of the registry the other tests see.
    monkeypatch.setattr(
        registry, "_REGISTRY", {n: registry.backbone_entry(n) for n in list_backbones()}
    )
    try:
        exec(compile(BLOCKS[index], f"{DOC.name} example {index}", "exec"), {})
    finally:
        keras.config.set_dtype_policy(policy)
