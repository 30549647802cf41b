"""The ``affectkeras`` command line: help, ``info``, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from affectkeras.cli.main import main


def fer_folders(root):
    for split, name, n in [("train", "happy", 3), ("train", "sad", 2), ("test", "fear", 1)]:
        (root / split / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            cv2.imwrite(str(root / split / name / f"{i}.png"), np.zeros((48, 48), np.uint8))
    return root


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "info" in capsys.readouterr().out


def test_no_command_prints_help_and_succeeds(capsys):
    assert main([]) == 0
    assert "usage: affectkeras" in capsys.readouterr().out


def test_info_without_data_lists_readers_and_options(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in ("affwild2", "affwild2-mtl", "fer2013", "classes=", "split="):
        assert name in out


def test_info_counts_a_dataset(tmp_path, capsys):
    fer_folders(tmp_path)
    assert main(["-q", "info", "--data", f"fer2013:{tmp_path}", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 6
    assert summary["by_dataset_split"] == {"fer2013/test": 1, "fer2013/train": 5}
    assert summary["expression"]["happiness"] == 3 and summary["expression"]["sadness"] == 2


def test_info_accepts_several_datasets(tmp_path, capsys):
    fer_folders(tmp_path / "a")
    fer_folders(tmp_path / "b")
    assert (
        main(
            [
                "-q",
                "info",
                "--data",
                f"fer2013:{tmp_path / 'a'}",
                "--data",
                f"fer2013:{tmp_path / 'b'}?split=test",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "rows: 7" in out


def test_bad_input_is_one_line_on_stderr_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "labels.csv"
    bad.write_text("path,label,usage\ntrain/x.png,joy,Training\n")
    assert main(["info", "--data", f"fer2013:{tmp_path}"]) == 2
    error = capsys.readouterr().err
    lines = error.strip().splitlines()
    assert len(lines) == 1, error
    assert f"{bad}:2:" in lines[0] and "'joy'" in lines[0]
    assert "Traceback" not in error


def test_verbosity_flags_work_after_the_subcommand_too(tmp_path, capsys):
    fer_folders(tmp_path)
    assert main(["info", "-q", "--data", f"fer2013:{tmp_path}"]) == 0
    assert "rows: 6" in capsys.readouterr().out


def test_python_dash_m_affectkeras_is_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "affectkeras", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("affectkeras ")
