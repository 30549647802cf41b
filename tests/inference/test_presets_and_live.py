"""The shipped preset (offline, by name), the live predictor, and predict's folder options."""

from __future__ import annotations

import json
import zipfile

import cv2
import numpy as np
import pandas as pd
import pytest

import affectkeras
from affectkeras import presets
from affectkeras.cli.main import main
from affectkeras.data.synthetic import composite
from affectkeras.framing import face_framing
from affectkeras.inference import LivePredictor
from affectkeras.inference.predict import predict
from affectkeras.predictor import load_predictor, trained_labels

pytestmark = pytest.mark.jax  # the shipped preset must load and predict on JAX too


@pytest.fixture(scope="module")
def preset_model():
    return affectkeras.load_preset()


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A synthetic photo with one face, as a PNG file, and its pixels."""
    frame, _ = composite.synthetic_frame(np.random.default_rng(11), faces=1)
    path = tmp_path_factory.mktemp("photo") / "face.png"
    cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return path, frame


def test_the_default_preset_is_listed_and_has_a_model_card():
    assert presets.DEFAULT_PRESET in affectkeras.list_presets()
    card = presets.model_card()
    for needed in ("FER2013", "CK+", "research", "PublicTest", "affectkeras train"):
        assert needed in card, needed
    with pytest.raises(ValueError, match="no preset named 'nope'; presets: "):
        presets.load_preset("nope")


def test_the_preset_predicts_expressions_and_aus_and_no_valence(preset_model):
    faces = np.random.default_rng(0).integers(0, 256, (2, 48, 48, 3)).astype(np.uint8)
    outputs = preset_model.predict_on_batch(faces)
    assert sorted(outputs) == ["action_units", "expression"]  # no VA: none was trained
    np.testing.assert_allclose(np.asarray(outputs["expression"]).sum(-1), 1.0, atol=1e-5)
    assert np.asarray(outputs["action_units"]).shape == (2, 12)
    framing = face_framing(preset_model)
    assert (framing.crop, framing.colour) == ("box", "grey")
    assert trained_labels(preset_model) == {}  # every canonical label is predicted


def test_a_preset_name_works_wherever_a_model_path_does(tmp_path):
    model = load_predictor(presets.DEFAULT_PRESET)
    assert model.output_names == affectkeras.load_preset().output_names
    from affectkeras.recipes.engine.init_from import backbone_source

    assert backbone_source(presets.DEFAULT_PRESET) == presets.resolve_model(presets.DEFAULT_PRESET)
    # a folder of that name in the working directory is still read as the folder
    folder = tmp_path / presets.DEFAULT_PRESET
    folder.mkdir()
    assert presets.resolve_model(folder) == folder
    with pytest.raises(ValueError, match="preset name"):
        load_predictor(tmp_path / "missing")


def test_predict_with_no_model_uses_the_default_preset_and_prints_csv(photo, capsys):
    path, _ = photo
    assert main(["-q", "predict", str(path)]) == 0
    captured = capsys.readouterr()
    rows = pd.read_csv(pd.io.common.StringIO(captured.out))
    assert len(rows) == 1 and rows.loc[0, "face"] == 0
    assert rows[["valence", "arousal"]].isna().all().all()  # the preset leaves VA out
    probabilities = rows[[c for c in rows if c.startswith("p_") and "AU" not in c]]
    assert probabilities.drop(columns="p_other").sum(axis=1).iloc[0] == pytest.approx(1, abs=1e-4)
    assert "1 frames, 0 without a face" in captured.err


def test_a_folder_of_class_folders_asks_for_recursive(tmp_path, photo, capsys):
    path, _ = photo
    for name in ("happy", "sad"):
        (tmp_path / "faces" / name).mkdir(parents=True)
        (tmp_path / "faces" / name / "a.png").write_bytes(path.read_bytes())
    assert main(["-q", "predict", str(tmp_path / "faces"), "--out", str(tmp_path / "x.csv")]) == 2
    error = capsys.readouterr().err
    assert "happy/, sad/" in error and "--recursive" in error
    table = predict(presets.DEFAULT_PRESET, tmp_path / "faces", recursive=True)
    assert table["image"].tolist() == ["happy/a.png", "sad/a.png"]
    (tmp_path / "empty" / "deeper").mkdir(parents=True)
    (tmp_path / "empty" / "deeper" / "notes.txt").write_text("no image anywhere")
    with pytest.raises(ValueError, match="neither the folder nor its sub-folders"):
        predict(presets.DEFAULT_PRESET, tmp_path / "empty", recursive=True)


def test_the_live_predictor_follows_faces_and_takes_bgr_frames(preset_model):
    frame, _ = composite.synthetic_frame(np.random.default_rng(7), faces=2)
    live = LivePredictor(preset_model)
    first = live(frame)
    assert [face["track"] for face in first] == [0, 1]
    shifted = np.roll(frame, 3, axis=1)  # the faces move a little: same tracks
    second = live(shifted[..., ::-1].copy(), bgr=True)
    assert [face["track"] for face in second] == [0, 1]
    for face in second:
        assert face["expression"].shape == (7,) and face["action_units"].shape == (12,)
        assert face["expression_name"] in affectkeras.labels.expression_names(7)
    # the same frame given as BGR with bgr=True answers as the RGB frame does
    again = LivePredictor(preset_model)
    np.testing.assert_allclose(
        again(frame[..., ::-1].copy(), bgr=True)[0]["expression"],
        LivePredictor(preset_model)(frame)[0]["expression"],
        atol=1e-6,
    )
    assert live(np.zeros((60, 80, 3), np.uint8)) == []  # no face: an empty list
    with pytest.raises(ValueError, match="uint8"):
        live(np.zeros((60, 80, 3), np.float32))


@pytest.mark.slow
def test_the_wheel_ships_the_preset(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources, and the
    # notebook tests (another worker) check that nothing writes into the repository.
    root = Path(__file__).resolve().parents[2]
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.cfg", "README.md"):
        shutil.copy2(root / name, source / name)
    shutil.copytree(
        root / "affectkeras", source / "affectkeras", ignore=shutil.ignore_patterns("__pycache__")
    )
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        str(source),
        "--no-deps",
        "--no-build-isolation",
    ]
    subprocess.run([*command, "-w", str(tmp_path), "-q"], check=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("affectkeras-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    folder = f"affectkeras/presets/{presets.DEFAULT_PRESET}"
    assert {f"{folder}/model.keras", f"{folder}/MODEL_CARD.md"} <= names
    assert "affectkeras/presets/__init__.py" in names


@pytest.mark.slow
def test_the_preset_exports_to_a_saved_model_with_parity(tmp_path):
    pytest.importorskip("tensorflow")
    from affectkeras.export import METADATA_FILE, export_model

    out = export_model(presets.DEFAULT_PRESET, tmp_path / "export")
    metadata = json.loads((out / METADATA_FILE).read_text())
    differences = metadata["check"]["max_abs_difference"]
    assert sorted(differences) == ["action_units", "expression"]
    assert max(differences.values()) < 1e-5, metadata["check"]
