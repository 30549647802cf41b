"""Seed 001's mtl_fusion recipe: its stages, losses and the fused predictor of the RUN_DIR."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
import yaml

from affectkeras import losses
from affectkeras.cli.main import main
from affectkeras.evaluation import evaluate
from affectkeras.predictor import describe_inputs, load_predictor
from affectkeras.recipes import get_recipe
from affectkeras.recipes.engine.inputs import run_tables
from affectkeras.recipes.mtl_fusion import HardSharingMTL
from tests.helpers.export_checks import assert_exports_as_served

from .conftest import TINY

pytestmark = pytest.mark.jax

WEIGHTS = {"expression": 0.6, "action_units": 0.6, "valence_arousal": 0.4}


def train(data, out, *overrides):
    argv = ["-q", "train", "--recipe", "mtl_fusion", "--data", data, "--out", str(out)]
    for item in [*TINY, "epochs=1", *overrides]:
        argv += ["--set", item]
    return main(argv)


@pytest.fixture(scope="module")
def fused_run(affwild2_tree, tmp_path_factory):
    """Every stage and the fused predictor (~25 s: the tests that use it are in the slow tier)."""
    run = tmp_path_factory.mktemp("mtl-fusion") / "run"
    assert train(f"affwild2:{affwild2_tree}", run) == 0
    return run


@pytest.mark.slow
def test_the_run_has_a_folder_per_stage_and_the_fused_top_level_files(fused_run):
    assert {p.name for p in fused_run.iterdir()} == {
        ".lock",  # the run lock's file (empty once the run ended)
        "config.yaml",
        "history.csv",
        "metrics.json",
        "model.keras",
        "mtl",
        "expr",
        "au",
        "va",
    }
    for stage in ("mtl", "expr", "au", "va"):
        assert (fused_run / stage / "model.keras").is_file(), stage
    resolved = yaml.safe_load((fused_run / "config.yaml").read_text())
    assert resolved["recipe"] == "mtl_fusion" and resolved["stage"] == "all"
    assert (resolved["fusion_expr"], resolved["fusion_au"], resolved["fusion_va"]) == (
        0.6,
        0.6,
        0.4,
    )
    stage_config = yaml.safe_load((fused_run / "va" / "config.yaml").read_text())
    assert stage_config["recipe"] == "single_task" and stage_config["tasks"] == "va"
    assert stage_config["learning_rate"] == 5e-5  # Sec. 3.2, shared by every stage
    with (fused_run / "history.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["stage"] for row in rows] == ["mtl", "expr", "au", "va"]
    # the multi-task stage is selected on P = va_ccc + expr_f1 + au_f1 (Sec. 3.3)
    mtl = rows[0]
    expected = float(mtl["val_va_ccc"]) + float(mtl["val_expr_f1"]) + float(mtl["val_au_f1"])
    assert float(mtl["val_score"]) == pytest.approx(expected)


@pytest.mark.slow
def test_the_fused_predictor_is_lambda_single_plus_one_minus_lambda_multi(fused_run, tmp_path):
    fused = load_predictor(fused_run)
    described = describe_inputs(fused)  # contract 7: an image predictor
    assert (described.kind, described.height, described.width) == ("image", 32, 32)
    assert sorted(fused.output_names) == sorted(WEIGHTS)
    multi = load_predictor(fused_run / "mtl")
    images = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    got = fused.predict(images, verbose=0)
    p_multi = multi.predict(images, verbose=0)
    for stage, task in (("expr", "expression"), ("au", "action_units"), ("va", "valence_arousal")):
        p_single = load_predictor(fused_run / stage).predict(images, verbose=0)[task]
        expected = WEIGHTS[task] * p_single + (1 - WEIGHTS[task]) * p_multi[task]
        np.testing.assert_allclose(got[task], expected, rtol=1e-5, atol=1e-6, err_msg=task)
    fused.save(tmp_path / "again.keras")  # saves and reloads with the same outputs
    again = load_predictor(tmp_path / "again.keras").predict(images, verbose=0)
    for task in WEIGHTS:
        np.testing.assert_allclose(again[task], got[task], rtol=1e-6, atol=1e-7)


@pytest.mark.slow
def test_metrics_json_scores_the_fused_predictor_as_evaluate_does(fused_run, affwild2_tree):
    metrics = json.loads((fused_run / "metrics.json").read_text())
    assert {"mtl_p", "expr_f1", "au_f1", "va_ccc"} <= set(metrics)
    scores = evaluate(fused_run, f"affwild2:{affwild2_tree}?split=validation")
    for key in ("mtl_p", "expr_f1", "au_f1", "va_ccc", "n_expr", "n_au", "n_va"):
        assert scores[key] == pytest.approx(metrics[key], abs=1e-6), key


@pytest.mark.slow
def test_the_fused_predictor_exports_for_serving(fused_run, tmp_path):
    pytest.importorskip("tensorflow")
    served = assert_exports_as_served(fused_run, tmp_path / "export")
    assert set(served) == {"expression", "action_units", "valence_arousal"}


@pytest.mark.slow
def test_a_finished_run_reruns_as_a_no_op(fused_run, affwild2_tree):
    model = fused_run / "model.keras"
    before = model.stat().st_mtime_ns
    assert train(f"affwild2:{affwild2_tree}", fused_run) == 0
    assert model.stat().st_mtime_ns == before


@pytest.mark.slow
def test_new_fusion_weights_rebuild_only_the_fused_model(fused_run, affwild2_tree, tmp_path):
    run = tmp_path / "reweighted"
    shutil.copytree(fused_run, run)
    stage_model = run / "mtl" / "model.keras"
    before = stage_model.stat().st_mtime_ns
    assert train(f"affwild2:{affwild2_tree}", run, "fusion_va=1.0", "fusion_expr=0") == 0
    assert stage_model.stat().st_mtime_ns == before  # no stage retrained
    images = np.random.default_rng(1).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    got = load_predictor(run).predict(images, verbose=0)
    single_va = load_predictor(run / "va").predict(images, verbose=0)["valence_arousal"]
    multi_expr = load_predictor(run / "mtl").predict(images, verbose=0)["expression"]
    np.testing.assert_allclose(got["valence_arousal"], single_va, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["expression"], multi_expr, rtol=1e-5, atol=1e-6)
    assert yaml.safe_load((run / "config.yaml").read_text())["fusion_va"] == 1.0


def test_one_stage_can_be_trained_alone(affwild2_tree, tmp_path):
    run = tmp_path / "only-mtl"
    assert train(f"affwild2:{affwild2_tree}", run, "stage=mtl", "tasks=expr,au") == 0
    assert (run / "mtl" / "model.keras").is_file()
    assert not (run / "expr").exists() and not (run / "model.keras").exists()
    assert set(load_predictor(run / "mtl").output_names) == {"expression", "action_units"}


def test_the_multi_task_losses_are_seed_001s_sum(affwild2_tree):
    recipe = HardSharingMTL()
    config = recipe.config_class(tasks="expr,au,va", backbone="tiny", image_size=32)
    tables = run_tables([f"affwild2:{affwild2_tree}"], config)
    spec = recipe.output_spec(config, tables)
    chosen, weights = recipe.losses(config, spec, tables)
    assert weights == {"expression": 1.0, "action_units": 1.0, "valence_arousal": 1.0}
    assert isinstance(chosen["action_units"], losses.BinaryFocalCrossEntropy)
    assert chosen["action_units"].gamma == 1.0  # positives x (1 - p), negatives x p
    assert isinstance(chosen["valence_arousal"], losses.CCCLoss)
    # w_y = number of samples / number of samples of class y, from the training labels
    labels = tables.train["expression"].to_numpy()
    labels = labels[labels >= 0]
    counts = np.bincount(labels, minlength=8)
    expected = np.where(counts > 0, len(labels) / np.maximum(counts, 1), 0.0)
    np.testing.assert_allclose(chosen["expression"].class_weights, expected, rtol=1e-6)
    assert chosen["expression"].normalization == "weights"  # PyTorch's weighted mean


def test_ce_normalization_reaches_the_multi_and_single_task_stages():
    config = get_recipe("mtl_fusion").config(overrides=["ce_normalization=labelled"])
    stages = get_recipe("mtl_fusion").stages(config, None)
    assert {stage.config.ce_normalization for stage in stages} == {"labelled"}


@pytest.mark.parametrize(
    "override, message",
    [
        ("tasks=va", "has one"),
        ("fusion_va=1.5", "fusion_va"),
        ("stage=student", "stage="),
        ("au_loss=dice", "au_loss"),
        ("ce_normalization=batch", "ce_normalization"),
    ],
)
def test_bad_configs_are_refused(override, message):
    with pytest.raises(ValueError, match=message):
        get_recipe("mtl_fusion").config(overrides=[override])
