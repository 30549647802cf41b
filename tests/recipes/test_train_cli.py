"""``affectkeras train`` / ``evaluate`` through the CLI: RUN_DIR files, scores, reruns, errors."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil

import keras
import numpy as np
import pytest
import yaml

from affectkeras.cli.main import main
from affectkeras.predictor import load_predictor
from affectkeras.recipes import get_recipe

from .conftest import TINY

pytestmark = pytest.mark.jax


def train_argv(recipe, data, out, *overrides):
    argv = ["-q", "train", "--recipe", recipe, "--out", str(out)]
    for spec in [data] if isinstance(data, str) else data:
        argv += ["--data", spec]
    for item in [*TINY, *overrides]:
        argv += ["--set", item]
    return argv


def history(run):
    with (run / "history.csv").open() as handle:
        return list(csv.DictReader(handle))


AU_RUN = ("tasks=au", "epochs=2")


@pytest.fixture(scope="module")
def au_run(affwild2_tree, tmp_path_factory):
    """A finished two-epoch single_task AU run, trained once for the tests of this file."""
    run = tmp_path_factory.mktemp("single-task") / "au"
    assert main(train_argv("single_task", f"affwild2:{affwild2_tree}", run, *AU_RUN)) == 0
    return run


def test_single_task_writes_the_run_directory_and_evaluate_reproduces_it(
    au_run, affwild2_tree, tmp_path
):
    run = au_run
    data = f"affwild2:{affwild2_tree}"
    assert {p.name for p in run.iterdir()} == {
        "model.keras",
        "config.yaml",
        "history.csv",
        "metrics.json",
        ".lock",
    }  # the training state (backup/) is gone once training ended
    assert (run / ".lock").read_text() == ""  # released

    # config.yaml is the fully resolved config and reloads as such
    resolved = yaml.safe_load((run / "config.yaml").read_text())
    assert resolved["data"] == [data] and resolved["tasks"] == "au"
    assert resolved["learning_rate"] == 5e-5 and resolved["au_loss"] == "focal"
    assert get_recipe("single_task").config(run / "config.yaml").to_dict() == resolved

    rows = history(run)
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    for key in ("loss", "val_loss", "val_au_f1", "val_au_acc", "val_score"):
        assert all(np.isfinite(float(r[key])) for r in rows), key
    # single task: the checkpoint score is the task's F1 (seed 001's single-task criterion)
    for row in rows:
        assert float(row["val_score"]) == pytest.approx(float(row["val_au_f1"]))

    metrics = json.loads((run / "metrics.json").read_text())
    per_dataset = metrics.pop("per_dataset")
    assert set(metrics) == {
        "au_f1", "au_acc", "au_score_abaw2", "n_au", "n_rows_scored", "n_rows_skipped"
    }  # fmt: skip
    assert per_dataset == {
        "affwild2": {k: metrics[k] for k in ("au_f1", "au_acc", "au_score_abaw2", "n_au")}
    }
    assert metrics["n_rows_skipped"] == 0 and metrics["n_rows_scored"] >= metrics["n_au"]
    best = max(rows, key=lambda r: float(r["val_score"]))
    assert metrics["au_f1"] == pytest.approx(float(best["val_au_f1"]), abs=1e-6)

    model = load_predictor(run)
    assert model.output_names == ["action_units"] and getattr(model, "optimizer", None) is None

    out = tmp_path / "evaluated.json"
    validation = f"{data}?split=validation"
    assert main(["-q", "evaluate", str(run), "--data", validation, "--out", str(out)]) == 0
    evaluated = json.loads(out.read_text())
    evaluated_per_dataset = evaluated.pop("per_dataset")
    assert evaluated == pytest.approx(metrics, abs=1e-9)
    assert evaluated_per_dataset.keys() == per_dataset.keys()
    assert evaluated_per_dataset["affwild2"] == pytest.approx(per_dataset["affwild2"], abs=1e-9)


def test_a_three_task_model_is_selected_on_the_abaw4_score(affwild2_tree, tmp_path):
    # single_task refuses several tasks; sjmt's alternating mode trains expr + au heads;
    # here: a canonical multi-output model through the alternating baseline
    run = tmp_path / "alt"
    data = f"affwild2:{affwild2_tree}"
    argv = train_argv("sjmt", data, run, "mode=alternating", "epochs=1", "monitor=abaw")
    assert main(argv) == 0
    row = history(run)[0]
    assert float(row["val_score"]) == pytest.approx(
        float(row["val_expr_f1"]) + float(row["val_au_f1"])
    )


def test_rerunning_a_finished_run_changes_nothing_and_other_settings_are_refused(
    au_run, affwild2_tree, tmp_path, capsys
):
    run = tmp_path / "au"
    shutil.copytree(au_run, run)
    argv = train_argv("single_task", f"affwild2:{affwild2_tree}", run, *AU_RUN)
    before = {p.name: p.stat().st_mtime_ns for p in run.iterdir() if p.name != ".lock"}
    assert main(argv) == 0
    assert str(run / "metrics.json") in capsys.readouterr().out  # says where the scores are
    assert {p.name: p.stat().st_mtime_ns for p in run.iterdir() if p.name != ".lock"} == before
    capsys.readouterr()
    assert main([*argv, "--set", "learning_rate=0.1"]) == 2
    error = capsys.readouterr().err
    assert "learning_rate: 5e-05 -> 0.1" in error and str(run / "config.yaml") in error


def test_bad_input_is_one_line_and_exit_2(affwild2_tree, tmp_path, capsys):
    data = f"affwild2:{affwild2_tree}"
    assert main(train_argv("single_task", data, tmp_path / "x", "epoch=2")) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "Unknown config key 'epoch' (did you mean 'epochs'?)" in error
    assert main(train_argv("single_task", f"affwild2:{tmp_path}/absent", tmp_path / "y")) == 2
    assert "absent" in capsys.readouterr().err
    out = tmp_path / "m.json"
    assert main(["evaluate", str(tmp_path / "nothing"), "--data", data, "--out", str(out)]) == 2
    assert "no such model file" in capsys.readouterr().err


def test_train_help_lists_every_recipe(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "single_task" in text and "sjmt" in text and "Pons & Masip" in text


def test_show_config_prints_every_key(capsys):
    assert main(["train", "--recipe", "sjmt", "--show-config", "--set", "steps=10"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["steps"] == 10 and shown["batch_size"] == 128 and shown["recipe"] == "sjmt"
    assert shown["data"] == []


def test_show_config_prints_the_command_lines_data_without_opening_paths(capsys, tmp_path):
    specs = [f"sfew:{tmp_path / 'missing'}", "emotionet:/nowhere/e.tsv?image_root=/x"]
    argv = ["train", "--recipe", "sjmt", "--show-config", "--set", f"init_from={tmp_path / 'no'}"]
    assert main([*argv, "--data", specs[0], "--data", specs[1]]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["data"] == specs and shown["init_from"] == str(tmp_path / "no")


@pytest.mark.slow
def test_mixed_precision_trains_and_keeps_float32_outputs(affwild2_tree, tmp_path):
    run = tmp_path / "mixed"
    data = f"affwild2:{affwild2_tree}"
    overrides = ("tasks=expr", "epochs=1", "mixed_precision=true", "steps_per_epoch=1")
    assert main(train_argv("single_task", data, run, *overrides)) == 0
    assert keras.config.dtype_policy().name == "float32"  # restored after the run
    model = load_predictor(run)
    assert model.get_layer("expression_logits").dtype_policy.name == "mixed_float16"
    outputs = model.predict(np.zeros((2, 32, 32, 3), "uint8"), verbose=0)
    assert outputs["expression"].dtype == np.float32


def test_ctrl_c_exits_130_with_a_resume_hint(monkeypatch, tmp_path, capsys):
    from affectkeras.recipes.engine.base import Recipe

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Recipe, "train", interrupted)
    assert main(train_argv("single_task", "affwild2:x", tmp_path / "run", "tasks=expr")) == 130
    assert "rerun the same command to resume" in capsys.readouterr().err


@pytest.mark.slow
def test_sjmt_on_one_dataset_and_the_seed_decides_the_run(affwild2_tree, tmp_path):
    data = f"affwild2:{affwild2_tree}"
    runs = {}
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        runs[name] = tmp_path / name
        argv = train_argv("sjmt", data, runs[name], "epochs=1", "learning_rate=0.01")
        assert main([*argv, "--set", f"seed={seed}"]) == 0
    loss = {name: history(run)[0]["loss"] for name, run in runs.items()}
    assert loss["a"] == loss["b"] != loss["c"]
    model = load_predictor(runs["a"])
    # Aff-Wild2 labels 8 expressions and 12 AUs: one joint layer of 20 sigmoid units
    assert model.get_layer("joint").output.shape == (None, 20)
    assert model.get_layer("expression").output.shape == (None, 8)


def test_tensorboard_logs_on_request_or_says_what_is_missing(affwild2_tree, tmp_path, capsys):
    run = tmp_path / "tb"
    overrides = ("tasks=va", "epochs=1", "steps_per_epoch=1", "tensorboard=true")
    code = main(train_argv("single_task", f"affwild2:{affwild2_tree}", run, *overrides))
    available = importlib.util.find_spec("tensorflow") and importlib.util.find_spec("tensorboard")
    if available:  # Keras' TensorBoard callback writes through tf.summary on any backend
        assert code == 0
        assert any((run / "tensorboard").rglob("events.out.tfevents.*"))
    else:
        assert code == 2
        assert 'pip install "affectkeras[tensorboard]"' in capsys.readouterr().err
