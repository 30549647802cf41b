"""Per-epoch validation on a thinned set; metrics.json on the whole set; the disk cache in a run."""

from __future__ import annotations

import csv
import json
import logging

import keras
import pytest

from affectkeras import recipes
from affectkeras.data.feeding.feed import make_feed
from affectkeras.data.feeding.thinning import thin_samples
from affectkeras.evaluation import evaluate_table
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.engine.inputs import run_tables
from tests.helpers.metrics_dicts import flat_metrics

from .conftest import TINY

# TF only: thinning is backend-free; the JAX pass trains in memory in test_end_to_end.py

SETTINGS = [
    *TINY,
    "tasks=expr",
    "epochs=1",
    "validation_frame_stride=3",
    "validation_max_frames=5",
    "max_memory_gb=0.000001",  # 1 kB: the training images go to the disk cache
]


def test_epoch_scores_use_the_thinned_frames_and_metrics_json_all_of_them(
    affwild2_tree, tmp_path, caplog
):
    data = f"affwild2:{affwild2_tree}"
    run = tmp_path / "run"
    with caplog.at_level(logging.INFO, logger="affectkeras"):
        result = recipes.train("single_task", data, run, overrides=SETTINGS)
    assert result.pipeline == "disk_cache"
    assert not (run / "pixel_cache").exists()  # pixel_cache=auto: removed when the run ends

    config = recipes.get_recipe("single_task").config(overrides=SETTINGS)
    validation = run_tables([data], config).validation
    validation = validation[validation["expression"] >= 0].reset_index(drop=True)
    feed = make_feed(validation, OutputSpec.create("expr", 7), 32, shuffle=False)
    kept = thin_samples(feed, validation, stride=3, max_frames=5)
    videos = validation["video"].nunique()
    assert len(kept) <= 5 * videos < len(validation)
    assert f"per-epoch validation scores {len(kept)} of {len(validation)} samples" in caplog.text

    model = keras.models.load_model(run / "model.keras", compile=False)
    thinned = evaluate_table(model, validation.iloc[feed.rows[kept]], 32)
    whole = json.loads((run / "metrics.json").read_text())
    with (run / "history.csv").open() as handle:
        (epoch,) = list(csv.DictReader(handle))
    assert float(epoch["val_expr_acc"]) == pytest.approx(thinned["expr_acc"], abs=1e-6)
    assert whole["n_expr"] == len(validation) and thinned["n_expr"] == len(kept)
    whole = flat_metrics(whole)
    assert whole == pytest.approx(flat_metrics(evaluate_table(model, validation, 32)), abs=1e-6)
