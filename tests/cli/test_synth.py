"""``affectkeras synth``: writes a tree the readers read; one-line errors with exit code 2."""

from __future__ import annotations

import json

import pandas as pd

import affectkeras
from affectkeras.cli.main import main


def test_synth_writes_an_affwild2_tree_the_readers_read(tmp_path, capsys):
    out = tmp_path / "synth"
    code = main(["-q", "synth", "--out", str(out), "--videos", "6", "--frames", "20"])
    assert code == 0
    printed = capsys.readouterr().out
    assert f"affwild2:{out}" in printed
    summary = json.loads((out / "synth.json").read_text())
    assert summary["size"] == 112 and summary["frames_per_video"] == 20
    table = affectkeras.data.read(f"affwild2:{out}")
    rows = {split: counts["rows"] for split, counts in summary["splits"].items()}
    assert table.groupby("split").size().to_dict() == rows
    assert len(affectkeras.data.read(f"affwild2-mtl:{out}")) == sum(rows.values())


def test_synth_stills_writes_class_folders_and_labels_csv(tmp_path, capsys):
    out = tmp_path / "expr"
    argv = ["-q", "synth", "--out", str(out), "--stills", "expression", "--images", "14"]
    assert main([*argv, "--size", "48"]) == 0
    assert "14 expression images" in capsys.readouterr().out
    table = pd.read_csv(out / "labels.csv")
    assert len(table) == 14 and (out / table["path"].iloc[0]).is_file()
    assert table["path"].iloc[0].startswith("train/neutral/")


def test_synth_refuses_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["-q", "synth", "--out", str(tmp_path), "--videos", "2", "--frames", "2"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and str(tmp_path) in error and "not empty" in error


def test_synth_rejects_too_few_videos(tmp_path, capsys):
    assert main(["-q", "synth", "--out", str(tmp_path / "x"), "--videos", "1"]) == 2
    assert "videos must be >= 2" in capsys.readouterr().err
