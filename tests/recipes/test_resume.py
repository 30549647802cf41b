"""An interrupted run resumes where it stopped and ends exactly as an uninterrupted one."""

from __future__ import annotations

import csv
import json

import keras
import numpy as np
import pytest

from affectkeras import recipes
from affectkeras.cli.main import main
from affectkeras.recipes.engine.run_dir import RunDir
from tests.helpers.metrics_dicts import flat_metrics

from .conftest import TINY

pytestmark = pytest.mark.jax

SETTINGS = [*TINY, "tasks=expr,au", "mode=alternating", "epochs=3", "learning_rate=0.01"]


class StopAfter(keras.callbacks.Callback):
    """Ctrl-C after ``epochs`` epochs (after the backup of that epoch was written)."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise KeyboardInterrupt


def argv(data, out):
    items = ["-q", "train", "--recipe", "sjmt", "--data", data, "--out", str(out)]
    for item in SETTINGS:
        items += ["--set", item]
    return items


def rows(run):
    with (run / "history.csv").open() as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_an_interrupted_run_resumes_and_matches_an_uninterrupted_one(affwild2_tree, tmp_path):
    data = f"affwild2:{affwild2_tree}"
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert main(argv(data, whole)) == 0

    with pytest.raises(KeyboardInterrupt):
        recipes.train("sjmt", data, resumed, overrides=SETTINGS, callbacks=[StopAfter(2)])
    assert RunDir(resumed).initial_epoch() == 2 and len(rows(resumed)) == 2
    assert not (resumed / "metrics.json").exists()

    assert main(argv(data, resumed)) == 0  # the same command again
    assert [r["epoch"] for r in rows(resumed)] == ["0", "1", "2"]
    assert not (resumed / "backup").exists()
    # same seed, same epochs of data, optimiser state restored: the same run
    for a, b in zip(rows(whole), rows(resumed), strict=True):
        for key in ("loss", "val_loss", "val_expr_f1", "val_au_f1"):
            assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-4, abs=1e-6), key
    first = keras.models.load_model(whole / "model.keras").get_weights()
    second = keras.models.load_model(resumed / "model.keras").get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert flat_metrics(json.loads((whole / "metrics.json").read_text())) == pytest.approx(
        flat_metrics(json.loads((resumed / "metrics.json").read_text())), abs=1e-6
    )


def test_history_rows_the_backup_does_not_hold_are_dropped(tmp_path):
    run = RunDir(tmp_path)
    run.history.write_text("epoch,loss,val_score\n0,1.0,0.2\n1,0.9,0.5\n2,0.8,nan\n")
    run.backup.mkdir()
    np.savez(run.state, epoch=np.int64(2), n_weights=np.int64(0), n_optimizer=np.int64(0))
    assert run.initial_epoch() == 2
    run.truncate_history(run.initial_epoch())
    assert [r["epoch"] for r in run.history_rows()] == ["0", "1"]
    assert run.best_score() == 0.5 and run.best_epoch() == 1
    assert not run.finished()


def test_a_folder_where_nothing_was_trained_takes_new_settings(tmp_path):
    run = RunDir(tmp_path)
    run.config.write_text("epochs: 3\nlearning_rate: 0.1\n")
    run.check_config({"epochs": 3, "learning_rate": 0.5})  # no history, model or backup
    run.history.write_text("epoch,loss\n0,1.0\n")
    with pytest.raises(ValueError, match=r"learning_rate: 0.1 -> 0.5"):
        run.check_config({"epochs": 3, "learning_rate": 0.5})
    run.check_config({"epochs": 9, "learning_rate": 0.1})  # more epochs: same run, resumable
    run.truncate_history(0)
    assert not run.history.exists()
