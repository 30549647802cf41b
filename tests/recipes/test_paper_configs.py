"""configs/: one YAML per runnable paper table row, each naming its recipe.

Every file must resolve through ``affectkeras train --config FILE --show-config`` with and
without ``--recipe`` (main() in-process: one Keras import for all files), pass the ``--data``
specs its header names into the resolved config (--show-config opens no path), set only keys
that differ from its recipe's defaults, and say which paper, table row and figure it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from affectkeras.cli.main import main
from affectkeras.recipes import get_recipe
from affectkeras.recipes.engine.config import config_defaults, resolve_config, save_config

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs").rglob("*.yaml"))
PAPER_FOLDERS = {"000_phan", "001_chang", "002_vu", "003_pons", "004_do"}


def header(path: Path) -> list[str]:
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def data_specs(path: Path) -> list[str]:
    """The ``--data`` specs a file's header asks the user for (placeholders for their paths)."""
    return [line.split("--data", 1)[1].strip() for line in header(path) if "# Data:" in line]


def show_config(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(["train", *argv, "--show-config"])
    captured = capsys.readouterr()
    return code, (yaml.safe_load(captured.out) if code == 0 else None), captured.err


def test_every_paper_has_configs():
    assert {path.parent.name for path in CONFIGS} == PAPER_FOLDERS
    assert len(CONFIGS) >= 30


def test_every_config_resolves_with_and_without_recipe(capsys):
    failures = []
    for path in CONFIGS:
        values = yaml.safe_load(path.read_text())
        recipe = values["recipe"]
        specs = data_specs(path)
        data = [arg for spec in specs for arg in ("--data", spec)]
        code, shown, err = show_config(capsys, "--config", str(path), *data)
        if code != 0:
            failures.append(err.strip())
            continue
        assert shown["recipe"] == recipe and shown["data"] == specs, path
        expected = resolve_config(get_recipe(recipe).config_class, values)
        for key in values:  # the file's keys reach the resolved config
            assert shown[key] == getattr(expected, key), (path, key)
        code, with_recipe, err = show_config(capsys, "--recipe", recipe, "--config", str(path))
        assert code == 0, f"{path}: {err}"
        assert with_recipe == {**shown, "data": []}, path
    assert not failures, "\n".join(failures)


def test_every_config_names_paper_row_figure_and_data_and_sets_only_non_defaults():
    failures = []
    for path in CONFIGS:
        lines = header(path)
        for label in ("# Paper:", "# Row:", "# Reported:"):
            assert any(line.startswith(label) for line in lines), (path, label)
        assert data_specs(path), f"{path}: no '# Data: --data SPEC' line"
        values = yaml.safe_load(path.read_text())
        config_class = get_recipe(values["recipe"]).config_class
        defaults = config_defaults(config_class)
        unknown = set(values) - set(defaults)
        if unknown:
            failures.append(f"{path}: unknown keys {sorted(unknown)}")
            continue
        resolved = resolve_config(config_class, values)
        for key, value in values.items():
            if key != "recipe" and getattr(resolved, key) == defaults[key]:
                failures.append(f"{path}: {key}: {value!r} is the recipe's default")
    assert not failures, "\n".join(failures)


def test_the_api_takes_a_file_of_its_recipe_and_refuses_another():
    path = ROOT / "configs/003_pons/table2_sjmt_resnet32.yaml"
    assert get_recipe("sjmt").config(path).backbone == "resnet32"
    with pytest.raises(ValueError, match=r"table2_sjmt_resnet32\.yaml.*'sjmt'.*'single_task'"):
        get_recipe("single_task").config(path)


def test_recipe_and_config_disagreeing_is_one_error_naming_both(capsys):
    path = ROOT / "configs/003_pons/table2_sjmt_resnet32.yaml"
    code, _, err = show_config(capsys, "--recipe", "single_task", "--config", str(path))
    assert code == 2
    (line,) = err.strip().splitlines()
    assert str(path) in line and "recipe: sjmt" in line and "--recipe is single_task" in line


def test_no_recipe_anywhere_is_an_error_naming_the_options(capsys, tmp_path):
    code, _, err = show_config(capsys)
    assert code == 2 and "--recipe NAME" in err and "--config" in err and "recipe:" in err
    keys_only = tmp_path / "keys.yaml"
    keys_only.write_text("epochs: 3\n")
    code, _, err = show_config(capsys, "--config", str(keys_only))
    assert code == 2 and "--recipe NAME" in err
    assert main(["train", "--recipe", "sjmt", "--config", str(keys_only), "--show-config"]) == 0
    capsys.readouterr()


def test_a_config_naming_an_unknown_recipe_is_refused(capsys, tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("recipe: sjtm\n")
    code, _, err = show_config(capsys, "--config", str(path))
    assert code == 2 and str(path) in err and "sjtm" in err and "sjmt" in err


def test_a_runs_config_yaml_repeats_the_run_without_recipe(capsys, tmp_path):
    config = get_recipe("teacher_student").config(overrides=["stage=student", "epochs=3"])
    config.data = ["affwild2:/nowhere"]
    save_config(config, tmp_path / "config.yaml")  # as a RUN_DIR holds it
    code, shown, err = show_config(capsys, "--config", str(tmp_path / "config.yaml"))
    assert code == 0, err
    assert shown == config.to_dict()


@pytest.mark.slow  # a fresh interpreter importing Keras: ~10 s; main() in-process covers the rest
def test_the_console_script_reads_the_recipe_from_the_file(tmp_path):
    path = ROOT / "configs/001_chang/table1_single_au.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "affectkeras", "train", "--config", str(path), "--show-config"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown = yaml.safe_load(done.stdout)
    assert shown["recipe"] == "single_task" and shown["tasks"] == "au"


@pytest.mark.slow
def test_the_sdist_ships_the_configs(tmp_path):
    import shutil
    import tarfile

    # Built from a copy: setuptools writes *.egg-info beside the sources.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.cfg", "README.md", "MANIFEST.in"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("affectkeras", "configs"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    build = "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])"
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-c", build, str(out)], check=True, cwd=source)
    (sdist,) = out.glob("affectkeras-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()}
    shipped = {name for name in names if name.startswith("configs/")}
    assert shipped == {str(path.relative_to(ROOT)) for path in CONFIGS} | {"configs/README.md"}
