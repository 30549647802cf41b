"""``affectkeras export`` from the command line: what it writes, prints, and refuses."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("tensorflow")

from affectkeras.cli.main import main
from tests.export.test_serving_model import image_predictor


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.keras"
    image_predictor("expr,va", size=24).save(path)
    return path


def test_export_writes_the_saved_model_and_says_what_it_serves(keras_file, tmp_path, capsys):
    out = tmp_path / "serving" / "1"  # TF-Serving's MODEL/VERSION layout; parents are made
    assert main(["export", str(keras_file), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote tf_saved_model to {out}" in printed
    assert "inputs:  image uint8 [None, None, None, 3]" in printed
    assert "outputs: expression [batch, 7], valence_arousal [batch, 2] (float32)" in printed
    assert f"saved_model_cli show --dir {out} --all" in printed
    assert (out / "saved_model.pb").is_file()
    assert json.loads((out / "affectkeras.json").read_text())["source"] == str(keras_file)


def test_an_existing_folder_needs_force(keras_file, tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["-q", "export", str(keras_file), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["export", str(keras_file), "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error == f"affectkeras export: error: {out}: already exists; pass --force " + (
        "(overwrite=True) to replace it"
    )
    assert main(["-q", "export", str(keras_file), "--out", str(out), "--force"]) == 0


def test_a_missing_model_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["export", str(tmp_path / "no-run"), "--out", str(tmp_path / "x")]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "no such model file" in error[0]
