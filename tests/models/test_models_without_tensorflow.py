"""The models, including the .h5 weight import and .keras saving, run on JAX with no TensorFlow."""

from __future__ import annotations

import pytest

from tests.test_import_without_tensorflow import run_blocked


@pytest.mark.jax
@pytest.mark.slow  # a fresh interpreter with TensorFlow blocked (~18 s); CI's JAX venv has none
def test_models_build_save_and_import_weights_with_tensorflow_blocked(tmp_path):
    pytest.importorskip("jax")
    result = run_blocked(
        f"""
        import sys
        import keras
        import numpy as np
        import affectkeras
        from affectkeras.models import build_bigru_model, build_task_model, get_backbone
        from affectkeras.output_spec import OutputSpec

        backbone = get_backbone("tiny", input_shape=(16, 16, 3))
        model = build_task_model(backbone, OutputSpec.create("expr,va", 7), va_bins=20)
        path = {str(tmp_path / "m.keras")!r}
        model.save(path)
        loaded = keras.models.load_model(path)
        out = loaded(np.zeros((1, 16, 16, 3), np.uint8))
        assert out["valence_arousal_bins"].shape == (1, 2, 20)
        build_bigru_model(feature_dim=4, units=2)
        from affectkeras.models.backbones.resnet50_weights import read_keras2_h5
        assert "tensorflow" not in sys.modules
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
