"""``import affectkeras`` and the data layer must work on a JAX-only host (no TensorFlow)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

BLOCK_TENSORFLOW = textwrap.dedent(
    """
    import importlib.abc, sys

    class BlockTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "tensorflow" or name.startswith("tensorflow."):
                raise ImportError(f"{name} is blocked: this host has no TensorFlow")
            return None

    sys.meta_path.insert(0, BlockTensorFlow())
    """
)


def run_blocked(code: str, backend: str = "jax") -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": backend}
    return subprocess.run(
        [sys.executable, "-c", BLOCK_TENSORFLOW + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.jax
def test_the_blocker_really_blocks_tensorflow():
    result = run_blocked("import tensorflow")
    assert result.returncode != 0 and "blocked" in result.stderr


@pytest.mark.jax
def test_package_labels_output_spec_and_readers_import_without_tensorflow(tmp_path):
    (tmp_path / "train" / "happy").mkdir(parents=True)
    import cv2
    import numpy as np

    cv2.imwrite(str(tmp_path / "train" / "happy" / "a.png"), np.zeros((48, 48), np.uint8))
    result = run_blocked(
        f"""
        import sys
        import affectkeras
        from affectkeras import labels, output_spec, data
        from affectkeras.cli import main
        table = data.read({f"fer2013:{tmp_path}"!r})
        spec = output_spec.OutputSpec.from_table(table)
        assert spec.names == ("expression",), spec.names
        assert table["expression"].tolist() == [4]
        assert "tensorflow" not in sys.modules
        assert "keras" not in sys.modules, "importing affectkeras should not import keras"
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.jax
@pytest.mark.slow  # a fresh interpreter that imports Keras (~7-9 s)
def test_keras_itself_runs_on_jax_with_tensorflow_blocked():
    pytest.importorskip("jax")
    result = run_blocked(
        """
        import sys
        import keras
        assert keras.backend.backend() == "jax", keras.backend.backend()
        x = keras.ops.convert_to_tensor([[1.0, 2.0]])
        assert float(keras.ops.sum(x)) == 3.0
        assert "tensorflow" not in sys.modules
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.jax
@pytest.mark.slow  # a fresh interpreter that imports Keras (~7-9 s)
def test_export_without_tensorflow_says_what_to_install(tmp_path):
    pytest.importorskip("jax")
    result = run_blocked(
        f"""
        import sys
        from affectkeras.cli.main import main
        from affectkeras.models import build_task_model, get_backbone
        from affectkeras.output_spec import OutputSpec
        model = build_task_model(get_backbone("tiny", input_shape=(16, 16, 3)),
                                 OutputSpec.create("expr", 7))
        model.save({str(tmp_path / "m.keras")!r})
        code = main(["export", {str(tmp_path / "m.keras")!r}, "--out", {str(tmp_path / "x")!r}])
        assert "tensorflow" not in sys.modules
        print("exit", code)
        """
    )
    assert result.stdout.strip() == "exit 2", result.stderr
    assert "needs TensorFlow, which is not installed: pip install 'affectkeras[tf-cpu]'" in (
        result.stderr
    )
    assert not (tmp_path / "x").exists()
