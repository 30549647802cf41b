"""Seed 003's SJMT recipe on three heterogeneous data sets, and its alternating baseline."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from affectkeras import labels
from affectkeras.cli.main import main
from affectkeras.evaluation import evaluate
from affectkeras.models import JointDecoder
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import load_predictor, trained_labels
from affectkeras.recipes import get_recipe
from affectkeras.recipes.engine.inputs import run_tables
from affectkeras.recipes.sjmt import alternating_table, dataset_spaces
from tests.helpers.export_checks import assert_exports_as_served
from tests.helpers.metrics_dicts import flat_metrics

from .conftest import EMOTIONET_AUS, TINY

pytestmark = pytest.mark.jax


def test_each_dataset_gets_its_own_label_set(still_sets):
    recipe = get_recipe("sjmt")
    config = recipe.config(overrides=TINY)
    tables = run_tables(list(still_sets.values()), config)
    spaces = dataset_spaces(tables, config)
    assert spaces == {"csv": ["expression7"], "csv_2": ["au12"], "csv_3": ["compound"]}
    spec = recipe.output_spec(config, tables)
    assert spec.names == ("joint",)
    assert spec["joint"].segments == {
        "expression7": (0, 7),
        "au12": (7, 19),
        "compound": (19, 27),
    }
    feed = recipe.train_feed(config, tables, spec)
    target = feed.y["joint"]
    datasets = tables.train["dataset"].to_numpy()
    for dataset, (start, stop) in (("csv", (0, 7)), ("csv_2", (7, 19)), ("csv_3", (19, 27))):
        own = target[datasets == dataset]
        assert (own[:, start:stop] >= 0).all()  # labelled inside L^k ...
        outside = np.delete(own, np.arange(start, stop), axis=1)
        assert (outside == labels.MISSING_AU).all()  # ... and MISSING everywhere else
    expression_rows = target[datasets == "csv", :7]
    assert (expression_rows.sum(1) == 1).all()  # one-hot expressions


def test_compound_emotions_are_a_label_set_of_their_own(still_sets):
    recipe = get_recipe("sjmt")
    specs = [still_sets["au"], still_sets["compound"]]
    config = recipe.config(overrides=[*TINY, "tasks=au"])
    spaces = dataset_spaces(run_tables(specs, config), config)
    assert spaces == {"csv": ["au12"], "csv_2": ["compound"]}
    config = recipe.config(overrides=[*TINY, "tasks=au", "compound=false"])
    assert dataset_spaces(run_tables(specs, config), config) == {"csv": ["au12"]}


def test_emotionet_trains_its_own_11_aus_and_the_predictor_says_which(still_sets, emotionet_set):
    """Seed 003 sec. 4.2: EmotioNet's L^k is its 11 AUs, AU5/9/17/20 included; 7 + 11 units."""
    recipe = get_recipe("sjmt")
    config = recipe.config(overrides=[*TINY, "compound=false"])
    tables = run_tables([still_sets["expression"], emotionet_set], config)
    assert dataset_spaces(tables, config) == {"csv": ["expression7"], "emotionet": ["emotionet_au"]}
    spec = recipe.output_spec(config, tables)
    assert spec["joint"].segments == {"expression7": (0, 7), "emotionet_au": (7, 18)}
    assert spec["joint"].label_names[7:] == tuple(f"emotionet_au/{au}" for au in EMOTIONET_AUS)

    tables.train = tables.train[recipe.labelled(config, tables.train)]
    target = recipe.train_feed(config, tables, spec).y["joint"]
    emotionet = tables.train["dataset"].to_numpy() == "emotionet"
    np.testing.assert_array_equal(
        target[emotionet, 7:], tables.train.loc[emotionet, list(EMOTIONET_AUS)].to_numpy()
    )
    assert (target[emotionet, :7] == labels.MISSING_AU).all()
    assert (target[~emotionet, 7:] == labels.MISSING_AU).all()

    predictor = recipe.build(config, spec, tables).predictor
    assert set(predictor.output_names) == {
        "joint",
        "expression",
        "action_units",
        "extra_action_units",
    }
    trained = trained_labels(predictor)
    shared = [au for au in labels.ACTION_UNITS if au in EMOTIONET_AUS]
    assert trained["action_units"] == shared
    assert trained["extra_action_units"] == ["AU5", "AU9", "AU17", "AU20"]
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    outputs = predictor.predict(images, verbose=0)
    untrained = [labels.ACTION_UNITS.index(au) for au in labels.ACTION_UNITS if au not in shared]
    assert np.isnan(outputs["action_units"][:, untrained]).all()
    assert np.isfinite(np.delete(outputs["action_units"], untrained, axis=1)).all()
    joint = outputs["joint"]
    extra = [7 + EMOTIONET_AUS.index(au) for au in ("AU5", "AU9", "AU17", "AU20")]
    np.testing.assert_allclose(outputs["extra_action_units"], joint[:, extra], rtol=1e-6)


def test_datasets_with_different_au_sets_share_one_union_of_units(still_sets, emotionet_set):
    recipe = get_recipe("sjmt")
    config = recipe.config(overrides=[*TINY, "tasks=au", "compound=false"])
    tables = run_tables([still_sets["au"], emotionet_set], config)
    spec = recipe.output_spec(config, tables)
    union = sorted(set(labels.ACTION_UNITS) | set(EMOTIONET_AUS), key=lambda a: int(a[2:]))
    assert spec["joint"].segments == {"au_union": (0, len(union))} and len(union) == 16
    target = recipe.train_feed(config, tables, spec).y["joint"]
    emotionet = tables.train["dataset"].to_numpy() == "emotionet"
    not_coded = [union.index(au) for au in labels.ACTION_UNITS if au not in EMOTIONET_AUS]
    assert (target[emotionet][:, not_coded] == labels.MISSING_AU).all()  # not in its L^k
    only_emotionet = [union.index(au) for au in ("AU5", "AU9", "AU17", "AU20")]
    assert (target[~emotionet][:, only_emotionet] == labels.MISSING_AU).all()
    own = [union.index(au) for au in labels.ACTION_UNITS]
    assert (target[~emotionet][:, own] >= 0).all()  # the 12-AU set labels all of its 12


@pytest.fixture(scope="module")
def sjmt_run(still_sets, tmp_path_factory):
    """SJMT trained 6 steps (3 epochs of 2) through the CLI on the three still sets."""
    run = tmp_path_factory.mktemp("sjmt") / "run"
    argv = ["-q", "train", "--recipe", "sjmt", "--out", str(run)]
    for spec in still_sets.values():
        argv += ["--data", spec]
    for item in [*TINY, "steps=6", "steps_per_epoch=2", "learning_rate=0.01"]:
        argv += ["--set", item]
    assert main(argv) == 0
    return run


def test_sjmt_trains_through_the_cli_and_decodes_every_label_space(sjmt_run, still_sets):
    run = sjmt_run
    metrics = json.loads((run / "metrics.json").read_text())
    for key in ("expr_acc", "expr_f1", "au_acc", "au_f1", "compound_acc"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["n_compound"] > 0 and metrics["n_expr"] > 0 and metrics["n_au"] > 0
    # model_selection=final (the paper's fixed 80,000 steps): model.keras is the last epoch's,
    # whatever its validation score (SFEW's validation set is the paper's test set)
    with (run / "history.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    for key in ("expr_acc", "au_f1", "compound_acc"):
        assert metrics[key] == pytest.approx(float(rows[-1][f"val_{key}"]), abs=1e-6), key

    model = load_predictor(run)
    assert set(model.output_names) == {"joint", "expression", "action_units", "compound"}
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    outputs = model.predict(images, verbose=0)
    assert outputs["joint"].shape == (4, 27) and outputs["expression"].shape == (4, 7)
    spec = OutputSpec.joint([labels.EXPRESSION_7, labels.AU_12, labels.COMPOUND])
    decoder = JointDecoder(spec)
    expected = decoder.canonical(outputs["joint"], num_classes=7)
    for name in ("expression", "action_units", "compound"):
        np.testing.assert_allclose(outputs[name], expected[name], rtol=1e-5, atol=1e-7)
    per_space = decoder.per_space(outputs["joint"])
    np.testing.assert_array_equal(outputs["compound"].argmax(1), per_space["compound"])
    # an expression-only image still gets AU scores (the paper's Fig. 2)
    assert np.isfinite(outputs["action_units"]).all()

    validation = [f"{spec}?split=validation" for spec in still_sets.values()]
    evaluated = flat_metrics(evaluate(run, validation))
    assert evaluated == pytest.approx(flat_metrics(metrics), abs=1e-9)


@pytest.mark.slow
def test_the_sjmt_predictor_exports_for_serving(sjmt_run, tmp_path):
    served = assert_exports_as_served(sjmt_run, tmp_path / "export")
    assert not served or set(served) == {"expression", "action_units", "compound"}  # no "joint"


def test_the_alternating_baseline_feeds_one_task_per_batch(affwild2_tree):
    recipe = get_recipe("sjmt")
    config = recipe.config(overrides=[*TINY, "mode=alternating", "batch_size=8"])
    tables = run_tables([f"affwild2:{affwild2_tree}"], config)
    spec = recipe.output_spec(config, tables)
    assert spec.names == ("expression", "action_units")
    table, (expression_rows, au_rows) = alternating_table(tables.train, spec)
    has_expression = tables.train.expression.to_numpy() >= 0
    assert len(expression_rows) == has_expression.sum()
    assert (table.loc[expression_rows, labels.ACTION_UNITS] == labels.MISSING_AU).all().all()
    assert (table.loc[au_rows, "expression"] == labels.MISSING_EXPRESSION).all()

    feed = recipe.train_feed(config, tables, spec)
    weights = feed.sample_weight
    order = feed.sampler.indices(0).reshape(-1, 8)
    tasks = [
        int((weights["expression"][b] > 0).any()) + 2 * int((weights["action_units"][b] > 0).any())
        for b in order
    ]
    assert set(tasks[0::2]) == {1} and set(tasks[1::2]) == {2}  # expr, AU, expr, AU, ...
