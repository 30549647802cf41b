"""``export_model``: formats, tolerance checks, saved_model_cli, and the atomic write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from affectkeras.export import artifact, export_model, saved_model  # noqa: E402
from tests.export.test_serving_model import image_predictor, window_predictor  # noqa: E402

RNG = np.random.default_rng(1)


@pytest.fixture(scope="module")
def predictor():
    return image_predictor(size=24)


@pytest.fixture(scope="module")
def exported(predictor, tmp_path_factory):
    return export_model(predictor, tmp_path_factory.mktemp("export") / "model")


def saved_model_cli(*args: str) -> str:
    cli = Path(sys.executable).parent / "saved_model_cli"
    done = subprocess.run([str(cli), *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # saved_model_cli starts a TensorFlow process: ~11 s
def test_saved_model_cli_lists_the_serving_signature(exported):
    shown = saved_model_cli("show", "--dir", str(exported), "--all")
    signature = shown[shown.index("signature_def['serving_default']") :]
    signature = signature[: signature.index("Method name")]
    assert "inputs['image'] tensor_info:" in signature
    assert "dtype: DT_UINT8" in signature and "shape: (-1, -1, -1, 3)" in signature
    for name, width in (("expression", 7), ("action_units", 12), ("valence_arousal", 2)):
        output = signature[signature.index(f"outputs['{name}']") :]
        assert output.split("dtype: ")[1].startswith("DT_FLOAT"), name
        assert output.split("shape: ")[1].startswith(f"(-1, {width})"), name


@pytest.mark.slow  # saved_model_cli starts a TensorFlow process: ~11 s
def test_saved_model_cli_runs_a_uint8_batch_like_the_keras_model(exported, predictor, tmp_path):
    images = RNG.integers(0, 256, (3, 24, 24, 3), dtype=np.uint8)
    np.save(tmp_path / "images.npy", images)
    saved_model_cli(
        "run",
        "--dir",
        str(exported),
        "--tag_set",
        "serve",
        "--signature_def",
        "serving_default",
        "--inputs",
        f"image={tmp_path / 'images.npy'}",
        "--outdir",
        str(tmp_path / "out"),
    )
    expected = predictor.predict(images, verbose=0)
    for name in ("expression", "action_units", "valence_arousal"):
        served = np.load(tmp_path / "out" / f"{name}.npy")
        assert served.dtype == np.float32
        np.testing.assert_allclose(served, expected[name], rtol=0, atol=1e-5, err_msg=name)


def test_the_saved_model_answers_like_the_keras_model(exported, predictor):
    """In process, the parity the slow tier's saved_model_cli run checks from the outside."""
    signature = tf.saved_model.load(str(exported)).signatures["serving_default"]
    images = RNG.integers(0, 256, (3, 24, 24, 3), dtype=np.uint8)
    served = signature(image=tf.constant(images))
    expected = predictor.predict(images, verbose=0)
    assert set(served) == {"expression", "action_units", "valence_arousal"}
    for name, value in served.items():
        assert value.dtype == tf.float32, name
        np.testing.assert_allclose(value.numpy(), expected[name], rtol=0, atol=1e-5, err_msg=name)


def test_the_metadata_names_inputs_labels_and_the_measured_check(exported):
    metadata = json.loads((exported / "affectkeras.json").read_text())
    assert metadata["inputs"] == {"image": {"shape": [None, None, None, 3], "dtype": "uint8"}}
    assert metadata["outputs"]["expression"]["labels"][-1] == "surprise"
    assert metadata["outputs"]["action_units"]["labels"][0] == "AU1"
    assert metadata["predictor"] == {"kind": "image", "height": 24, "width": 24, "window": None}
    assert metadata["check"]["tolerance"] == 1e-5
    assert max(metadata["check"]["max_abs_difference"].values()) <= 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("format, runtime", [("onnx", "onnxruntime"), ("litert", "ai_edge_litert")])
def test_onnx_and_litert_match_the_keras_model_within_1e_4(format, runtime, predictor, tmp_path):
    pytest.importorskip(runtime)
    out = export_model(predictor, tmp_path / format, format=format)
    run = artifact.FORMATS[format].runner(out)  # the artifact in its own runtime
    images = RNG.integers(0, 256, (4, 24, 24, 3), dtype=np.uint8)
    expected = predictor.predict(images, verbose=0)
    got = run({"image": images})
    assert set(got) == {"expression", "action_units", "valence_arousal"}
    for name, value in got.items():
        np.testing.assert_allclose(value, expected[name], rtol=0, atol=1e-4, err_msg=name)
    larger = run({"image": RNG.integers(0, 256, (2, 40, 33, 3), dtype=np.uint8)})
    assert larger["action_units"].shape == (2, 12)


@pytest.mark.slow
def test_window_predictors_export_with_pixels_and_mask(tmp_path):
    model = window_predictor(size=16, window=3)
    out = export_model(model, tmp_path / "window")
    signature = tf.saved_model.load(str(out)).signatures["serving_default"]
    _, specs = signature.structured_input_signature
    assert specs["pixels"].shape.as_list() == [None, 3, None, None, 3]
    assert specs["mask"].dtype == tf.bool
    metadata = json.loads((out / "affectkeras.json").read_text())
    assert metadata["predictor"]["kind"] == "window" and metadata["predictor"]["window"] == 3
    pytest.importorskip("ai_edge_litert")
    with pytest.raises(ValueError, match=r"LiteRT cannot run this model.*tf_saved_model or onnx"):
        export_model(model, tmp_path / "window-litert", format="litert")
    assert not (tmp_path / "window-litert").exists()
    assert not list(tmp_path.glob(".window-litert*"))


def test_an_existing_folder_is_kept_unless_overwrite(exported, predictor):
    before = (exported / "saved_model.pb").read_bytes()
    with pytest.raises(ValueError, match="already exists; pass --force"):
        export_model(predictor, exported)
    assert (exported / "saved_model.pb").read_bytes() == before


def test_an_empty_folder_is_filled(predictor, tmp_path):
    (tmp_path / "empty").mkdir()
    assert (export_model(predictor, tmp_path / "empty") / "saved_model.pb").is_file()


def test_a_failed_check_leaves_the_previous_export_untouched(
    exported, predictor, tmp_path, monkeypatch
):
    target = tmp_path / "model"
    export_model(predictor, target)
    before = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    monkeypatch.setattr(saved_model, "TOLERANCE", -1.0)  # every difference is now too large
    with pytest.raises(ValueError, match=r"differ from the Keras model.s.*nothing was written"):
        export_model(predictor, target, overwrite=True)
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging folder left


def test_a_write_that_dies_halfway_leaves_nothing(predictor, tmp_path, monkeypatch):
    def dies(serving, inputs, folder):
        folder.mkdir()
        (folder / "saved_model.pb").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(saved_model, "write", dies)
    with pytest.raises(OSError, match="disk full"):
        export_model(predictor, tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_swaps_in_the_new_export_and_removes_the_old(predictor, tmp_path):
    target = export_model(predictor, tmp_path / "model")
    (target / "stale.txt").write_text("from the previous export")
    export_model(image_predictor("expr", size=24), target, overwrite=True)
    assert not (target / "stale.txt").exists()
    metadata = json.loads((target / "affectkeras.json").read_text())
    assert list(metadata["outputs"]) == ["expression"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_unknown_formats_and_missing_models_are_clear(predictor, tmp_path):
    with pytest.raises(ValueError, match="unknown export format 'torchscript'"):
        export_model(predictor, tmp_path / "x", format="torchscript")
    with pytest.raises(ValueError, match="no such model file"):
        export_model(tmp_path / "missing-run", tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_on_the_jax_backend_savedmodel_exports_and_onnx_says_to_use_tensorflow(predictor, tmp_path):
    pytest.importorskip("jax")
    predictor.save(tmp_path / "model.keras")
    code = f"""
from affectkeras.cli.main import main
for format in ("tf_saved_model", "onnx"):
    print(format, main(["-q", "export", {str(tmp_path / "model.keras")!r},
                        "--out", {str(tmp_path)!r} + "/" + format, "--format", format]))
"""
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    lines = done.stdout.splitlines()
    assert "tf_saved_model 0" in lines and "onnx 2" in lines, done.stderr[-2000:]
    assert "runs on the tensorflow backend, not jax: run it with KERAS_BACKEND" in done.stderr
    signature = tf.saved_model.load(str(tmp_path / "tf_saved_model")).signatures
    images = RNG.integers(0, 256, (2, 24, 24, 3), dtype=np.uint8)
    served = signature["serving_default"](image=tf.constant(images))
    np.testing.assert_allclose(
        served["expression"].numpy(), predictor.predict(images, verbose=0)["expression"], atol=1e-5
    )


def test_every_weight_is_stored_once(predictor, exported):
    """keras' own export stores each weight twice on TF (keras-team/keras#23553); ours once."""
    stored = tf.train.list_variables(str(exported / "variables" / "variables"))
    count = sum(int(np.prod(shape)) for _, shape in stored if shape)
    assert count == predictor.count_params()
