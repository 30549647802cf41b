"""Seed 000's sequential MTL recipe: Algorithm 1's E/A/B order, its losses, and a CLI run."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import yaml

from affectkeras import labels
from affectkeras.cli.main import main
from affectkeras.data.synthetic.writer import write_affwild2
from affectkeras.predictor import load_predictor
from affectkeras.recipes import get_recipe
from affectkeras.recipes.engine.inputs import run_tables, training_batches
from affectkeras.recipes.sequential_mtl import algorithm1_sets
from tests.helpers.export_checks import assert_exports_as_served

from .conftest import TINY

BATCH = 8


@pytest.fixture(scope="module")
def eab_tree(tmp_path_factory):
    """10 videos x 16 frames: the 7 Train videos include expression-only and AU-only ones."""
    root = tmp_path_factory.mktemp("affwild2-eab")
    write_affwild2(root, videos=10, frames=16, seed=3, size=32, progress=False)
    return f"affwild2:{root}"


def tables_and_feed(data, *overrides):
    recipe = get_recipe("sequential_mtl")
    config = recipe.config(overrides=[*TINY, f"batch_size={BATCH}", *overrides])
    tables = run_tables([data], config)
    tables.train = tables.train[recipe.labelled(config, tables.train)].reset_index(drop=True)
    spec = recipe.output_spec(config, tables)
    return recipe, config, tables, recipe.train_feed(config, tables, spec)


def batch_kind(y) -> str:
    """E, A or B from a batch's targets; fails if a batch mixes sets."""
    has_expr = np.asarray(y["expression"]) >= 0
    has_au = (np.asarray(y["action_units"]) != labels.MISSING_AU).any(axis=1)
    kinds = {
        "E" if e and not a else "A" if a and not e else "B"
        for e, a in zip(has_expr, has_au, strict=True)
    }
    assert len(kinds) == 1 and not (~has_expr & ~has_au).any(), kinds
    return kinds.pop()


def expected_kinds(sets) -> list[str]:
    return [name for name in ("E", "A", "B") for _ in range(-(-len(sets[name]) // BATCH))]


def check_epoch(batches, sets):
    """The batches of one epoch: E's, then A's, then B's, each set covered once."""
    kinds = [batch_kind(y) for y, _ in batches]
    assert kinds == expected_kinds(sets)
    for name in ("E", "A", "B"):
        seen = np.concatenate(
            [rows for (y, rows), k in zip(batches, kinds, strict=True) if k == name]
        )
        assert set(seen.tolist()) == set(sets[name].tolist()), name  # every row, no stranger


@pytest.mark.jax
def test_each_epoch_is_e_then_a_then_b_in_memory(eab_tree):
    _, config, tables, feed = tables_and_feed(eab_tree, "input_pipeline=in_memory")
    sets = algorithm1_sets(tables.train)
    assert all(len(rows) for rows in sets.values())  # the fixture has all three sets
    dataset, per_epoch, pipeline = training_batches(feed, config, None, first_epoch=0)
    assert pipeline == "in_memory" and per_epoch == len(expected_kinds(sets))
    orders = []
    for _epoch in range(2):
        batches = []
        for index in range(len(dataset)):
            samples, _x, y, _w = dataset.batch(index)
            batches.append((y, feed.rows[samples]))
        check_epoch(batches, sets)
        orders.append(np.concatenate([rows for _, rows in batches]))
        dataset.on_epoch_end()
    assert not np.array_equal(orders[0], orders[1])  # each set reshuffled every epoch


def test_each_epoch_is_e_then_a_then_b_on_tf_data(eab_tree):
    pytest.importorskip("tensorflow")
    _, config, tables, feed = tables_and_feed(eab_tree, "input_pipeline=tf_data")
    sets = algorithm1_sets(tables.train)
    stream, per_epoch, pipeline = training_batches(feed, config, None, first_epoch=0)
    assert pipeline == "tf_data"
    # the weights say which tasks a sample trains; the rows tell which set a batch came from
    batches = list(stream.take(2 * per_epoch).as_numpy_iterator())
    for epoch in range(2):
        chunk = batches[epoch * per_epoch : (epoch + 1) * per_epoch]
        order = feed.sampler.indices(epoch)
        rows = [feed.rows[order[i * BATCH : (i + 1) * BATCH]] for i in range(per_epoch)]
        for (_x, y, _w), batch_rows in zip(chunk, rows, strict=True):
            np.testing.assert_array_equal(y["expression"], feed.y["expression"][batch_rows])
        check_epoch([(y, r) for (_x, y, _w), r in zip(chunk, rows, strict=True)], sets)


@pytest.mark.jax
def test_the_loss_of_an_e_batch_is_the_focal_loss_alone_and_of_b_the_sum(eab_tree):
    recipe, config, tables, feed = tables_and_feed(eab_tree, "focal_alpha=1.5", "focal_gamma=2")
    spec = recipe.output_spec(config, tables)
    chosen, weights = recipe.losses(config, spec, tables)
    assert weights == {"expression": 1.0, "action_units": 1.0}
    rng = np.random.default_rng(0)
    sets = algorithm1_sets(tables.train)
    for name in ("E", "A", "B"):
        rows = sets[name][:BATCH]
        y = {task: value[rows] for task, value in feed.y.items()}
        w = {task: value[rows] for task, value in feed.sample_weight.items()}
        logits = rng.normal(size=(len(rows), spec["expression"].size))
        p_expr = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype("float32")
        p_au = rng.uniform(0.05, 0.95, (len(rows), 12)).astype("float32")
        total = sum(
            float(chosen[task](y[task], pred, sample_weight=w[task]))
            for task, pred in (("expression", p_expr), ("action_units", p_au))
        )
        # numpy reference: eq. 2 with alpha 1.5, gamma 2, and BCE per labelled AU entry
        expr = y["expression"]
        focal = 0.0
        if (expr >= 0).any():
            p_y = p_expr[expr >= 0, expr[expr >= 0]]
            focal = float(np.mean(-1.5 * (1 - p_y) ** 2 * np.log(p_y)))
        au = y["action_units"]
        known = au != labels.MISSING_AU
        bce = 0.0
        if known.any():
            values = -(au * np.log(p_au) + (1 - au) * np.log(1 - p_au))
            bce = float(values[known].mean())
        if name == "E":
            assert bce == 0.0 and focal > 0
        if name == "A":
            assert focal == 0.0 and bce > 0
        assert total == pytest.approx(focal + bce, rel=1e-4), name


@pytest.fixture(scope="module")
def sequential_run(eab_tree, tmp_path_factory):
    """sequential_mtl trained two epochs through the CLI."""
    run = tmp_path_factory.mktemp("sequential-mtl") / "seq"
    argv = ["-q", "train", "--recipe", "sequential_mtl", "--data", eab_tree, "--out", str(run)]
    for item in [*TINY, "epochs=2", "batch_size=16"]:
        argv += ["--set", item]
    assert main(argv) == 0
    return run


@pytest.mark.jax
def test_sequential_mtl_trains_through_the_cli(sequential_run):
    run = sequential_run
    assert {p.name for p in run.iterdir() if p.name != ".lock"} == {
        "model.keras",
        "config.yaml",
        "history.csv",
        "metrics.json",
    }
    resolved = yaml.safe_load((run / "config.yaml").read_text())
    assert resolved["head"] == "dense512" and resolved["schedule"] == "cosine"
    assert (resolved["focal_alpha"], resolved["focal_gamma"]) == (2.0, 0.25)
    with (run / "history.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    for row in rows:  # the checkpoint is selected on the sum of the two ABAW2 scores
        expected = float(row["val_expr_score_abaw2"]) + float(row["val_au_score_abaw2"])
        assert float(row["val_score"]) == pytest.approx(expected)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_expr"] > 0 and metrics["n_au"] > 0 and "n_va" not in metrics
    model = load_predictor(run)
    assert set(model.output_names) == {"expression", "action_units"}
    assert model.get_layer("head_dense1").units == 512  # Sec. 2.2's shared dense layer


@pytest.mark.slow
def test_the_sequential_mtl_predictor_exports_for_serving(sequential_run, tmp_path):
    served = assert_exports_as_served(sequential_run, tmp_path / "export")
    assert set(served) <= {"expression", "action_units"}


@pytest.mark.jax
@pytest.mark.parametrize(
    "override, message",
    [
        ("tasks=expr,va", "tasks=expr,au"),
        ("steps_per_epoch=2", "Algorithm 1"),
        ("focal_gamma=-1", "focal_gamma"),
        ("folds=1", "folds must be"),
        ("stage=fold1", "only with folds"),
    ],
)
def test_configs_that_would_not_be_algorithm_1_are_refused(override, message):
    with pytest.raises(ValueError, match=message):
        get_recipe("sequential_mtl").config(overrides=[override])


@pytest.mark.jax
@pytest.mark.slow
def test_k_fold_trains_a_model_per_fold_and_averages_them(eab_tree, tmp_path):
    run = tmp_path / "kfold"
    argv = ["-q", "train", "--recipe", "sequential_mtl", "--data", eab_tree, "--out", str(run)]
    for item in [*TINY, "epochs=1", "batch_size=16", "folds=2"]:
        argv += ["--set", item]
    assert main(argv) == 0
    assert {p.name for p in run.iterdir()} >= {"fold1", "fold2", "model.keras", "metrics.json"}
    with (run / "history.csv").open() as handle:
        assert [row["stage"] for row in csv.DictReader(handle)] == ["fold1", "fold2"]
    images = np.random.default_rng(2).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    averaged = load_predictor(run)
    got = averaged.predict(images, verbose=0)
    folds = [load_predictor(run / f"fold{k}").predict(images, verbose=0) for k in (1, 2)]
    for task in ("expression", "action_units"):  # the K models' mean prediction
        expected = (folds[0][task] + folds[1][task]) / 2
        np.testing.assert_allclose(got[task], expected, rtol=1e-5, atol=1e-6)
    averaged.save(tmp_path / "again.keras")
    again = load_predictor(tmp_path / "again.keras").predict(images, verbose=0)
    for task in got:
        np.testing.assert_allclose(again[task], got[task], rtol=1e-6, atol=1e-7)


@pytest.mark.jax
def test_the_folds_split_train_plus_validation_by_video(eab_tree):
    recipe = get_recipe("sequential_mtl")
    config = recipe.config(overrides=[*TINY, "folds=3"])
    everything = run_tables([eab_tree], config)
    paths = set(everything.train["path"]) | set(everything.validation["path"])
    held = []
    for fold in (1, 2, 3):
        config.fold = fold
        tables = recipe.tables(config, [eab_tree])
        assert not set(tables.train["video"]) & set(tables.validation["video"])
        assert set(tables.train["path"]) | set(tables.validation["path"]) == paths
        held.append(set(tables.validation["path"]))
    assert set.union(*held) == paths and sum(map(len, held)) == len(paths)  # a partition
