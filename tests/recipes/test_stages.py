"""``StagedRecipe``: stages in their own folders, one or all at a time, and the top-level files."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np
import pytest

from affectkeras.evaluation import evaluate
from affectkeras.recipes.engine.stages import (
    Stage,
    StagedConfig,
    StagedRecipe,
    combined_predictor,
    stage_predictor,
)
from affectkeras.recipes.single_task import SingleTask
from tests.helpers.metrics_dicts import flat_metrics
from tests.recipes.conftest import TINY

# TF only: stage bookkeeping is backend-free; a staged recipe trains on JAX in
# test_mtl_fusion.py (one stage) and test_teacher_student.py


@dataclasses.dataclass
class TwoStageConfig(StagedConfig):
    stage_names: ClassVar[tuple[str, ...]] = ("expr", "au")
    backbone: str = "tiny"
    image_size: int = 32
    batch_size: int = 32
    epochs: int | None = 1
    verbose: int = 0
    fuse: bool = False


class ExprThenAu(StagedRecipe):
    """An expression network, then an AU network; fused: one model with both outputs."""

    name = "expr_then_au"
    config_class = TwoStageConfig

    def stages(self, config, run_path):
        single = SingleTask()
        common = ["backbone=tiny", "image_size=32", "batch_size=32", "verbose=0", "epochs=1"]
        expr = single.config(overrides=[*common, "tasks=expr"])
        au = single.config(overrides=[*common, "tasks=au"])
        return [
            Stage("expr", single, expr),
            Stage("au", single, au, needs={run_path / "expr" / "model.keras": "expr_model"}),
        ]

    def combine(self, config, run_path, stage_dirs):
        if not config.fuse:
            return None
        expr = stage_predictor(stage_dirs["expr"], "expr_net")
        au = stage_predictor(stage_dirs["au"], "au_net")
        image = keras.Input((32, 32, 3), dtype="uint8", name="image")
        outputs = {
            "expression": expr(image)["expression"],
            "action_units": au(image)["action_units"],
        }
        return combined_predictor(image, outputs, "expr_and_au")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def staged_run(affwild2_tree, tmp_path_factory):
    """Both stages trained one at a time (``stage=expr``, then ``stage=au``), without fusion."""
    recipe = ExprThenAu()
    data = f"affwild2:{affwild2_tree}"
    run = tmp_path_factory.mktemp("staged") / "run"
    with pytest.raises(ValueError, match=r"stage 'au' needs .*expr.*model\.keras.*expr_model"):
        recipe.train(data, run, recipe.config(overrides=["stage=au"]))
    first = recipe.train(data, run, recipe.config(overrides=["stage=expr"]))
    assert first.run_dir == run / "expr"
    assert not (run / "model.keras").exists()  # the top level waits for the last stage
    recipe.train(data, run, recipe.config(overrides=["stage=au"]))
    return run


def test_one_stage_at_a_time(staged_run):
    run = staged_run
    for stage in ("expr", "au"):
        assert {"model.keras", "config.yaml", "history.csv", "metrics.json"} <= {
            p.name for p in (run / stage).iterdir()
        }
    history = _rows(run / "history.csv")
    assert [row["stage"] for row in history] == ["expr", "au"]
    assert list(history[0])[:2] == ["stage", "epoch"]
    # without combine, the final predictor is the last stage's model, with its metrics
    assert (run / "model.keras").read_bytes() == (run / "au" / "model.keras").read_bytes()
    assert (run / "metrics.json").read_text() == (run / "au" / "metrics.json").read_text()


def test_a_combined_predictor_from_finished_stages(staged_run, affwild2_tree, tmp_path):
    recipe = ExprThenAu()
    data = f"affwild2:{affwild2_tree}"
    run = tmp_path / "run"
    shutil.copytree(staged_run, run)
    stage_model = run / "au" / "model.keras"
    before = stage_model.stat().st_mtime_ns
    # stage=all with a top-level key changed: no stage retrains, the final model is rebuilt
    result = recipe.train(data, run, recipe.config(overrides=["fuse=true"]))
    assert stage_model.stat().st_mtime_ns == before
    # the combined predictor, scored on the validation split, as evaluate scores it
    assert {"expr_f1", "au_f1"} <= set(result.metrics)
    assert "va_ccc" not in result.metrics
    assert json.loads((run / "metrics.json").read_text()) == result.metrics
    again = evaluate(run, f"{data}?split=validation")
    again = flat_metrics(again)
    for key, value in flat_metrics(result.metrics).items():
        np.testing.assert_allclose(again[key], value, rtol=1e-9, err_msg=key)
    # a rerun is a no-op that returns the same scores
    mtime = (run / "model.keras").stat().st_mtime
    rerun = recipe.train(data, run, recipe.config(overrides=["fuse=true"]))
    assert rerun.metrics == result.metrics
    assert (run / "model.keras").stat().st_mtime == mtime


def test_unknown_stage_is_one_clear_error():
    with pytest.raises(ValueError, match="stage='gru'; choose one of all, expr, au"):
        ExprThenAu().config(overrides=["stage=gru"])
    assert TINY  # the shared tiny overrides still exist for the recipes built on this
