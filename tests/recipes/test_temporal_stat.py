"""Seed 004's temporal_stat recipe: eq. 4, balanced windows, last-stage fine-tuning, fusion, CLI."""

from __future__ import annotations

import csv
import json

import keras
import numpy as np
import pytest

from affectkeras.cli.main import main
from affectkeras.evaluation import evaluate
from affectkeras.models import build_task_model, get_backbone
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import describe_inputs, load_predictor
from affectkeras.recipes import get_recipe
from affectkeras.recipes.engine.inputs import run_tables
from affectkeras.recipes.temporal_stat.recipe import fusion_predictor
from affectkeras.recipes.temporal_stat.stages import TemporalStage
from tests.helpers.export_checks import assert_exports_as_served
from tests.helpers.metrics_dicts import flat_metrics

from .conftest import TINY

pytestmark = pytest.mark.jax

SEED004_TINY = [*TINY, "batch_size=16", "window=4", "lstm_units=4", "branch_units=8", "epochs=1"]


def _ccc(x, y):
    cov = ((x - x.mean()) * (y - y.mean())).mean()
    return 2 * cov / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)


def _vector(va):
    v, a = va[:, 0], va[:, 1]
    m = (a + v) / 2
    return np.stack([a, v, m, a - m, v - m], axis=-1)


def test_eq_4_weights_one_point_four_point_four_point_two_against_numpy(affwild2_tree):
    recipe = TemporalStage()
    config = recipe.config(overrides=[*SEED004_TINY, "variant=6"])
    spec = OutputSpec.create("expr,va", num_classes=7)
    chosen, weights = recipe.losses(config, spec, None)
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(7), 8).astype("float32")
    target = rng.integers(0, 7, 8)
    va_true = rng.uniform(-1, 1, (8, 2)).astype("float32")
    va_pred = np.tanh(va_true + rng.normal(0, 0.5, (8, 2))).astype("float32")
    vector_pred = np.tanh(rng.normal(size=(8, 5))).astype("float32")
    total = weights["expression"] * float(chosen["expression"](target, probabilities))
    total += weights["valence_arousal"] * float(chosen["valence_arousal"](va_true, va_pred))
    total += weights["va_statistics"] * float(chosen["va_statistics"](va_true, vector_pred))
    ce = -np.log(probabilities[np.arange(8), target].astype("float64")).mean()
    t, p = va_true.astype("float64"), va_pred.astype("float64")
    ccc_v, ccc_a = _ccc(t[:, 0], p[:, 0]), _ccc(t[:, 1], p[:, 1])
    mse = ((_vector(t) - vector_pred) ** 2).sum(-1).mean()
    expected = 1.0 * ce + 0.4 * (1 - ccc_a) + 0.4 * (1 - ccc_v) + 0.2 * mse
    np.testing.assert_allclose(total, expected, rtol=1e-4)
    odd, _ = recipe.losses(config, OutputSpec.create("expr", num_classes=7), None)
    assert set(odd) == {"expression"}


def test_windows_end_at_labelled_frames_and_emotions_are_balanced(affwild2_tree):
    recipe = TemporalStage()
    config = recipe.config(overrides=[*SEED004_TINY, "variant=5"])
    tables = run_tables([f"affwild2:{affwild2_tree}"], config)
    tables.train = tables.train[recipe.labelled(config, tables.train)].reset_index(drop=True)
    spec = recipe.output_spec(config, tables)
    feed = recipe.train_feed(config, tables, spec)
    assert feed.rows.shape[1] == 4 and feed.input_names == ("pixels", "mask")
    drawn = feed.sampler.indices(0)
    classes = tables.train["expression"].to_numpy()[feed.rows[drawn, -1]]
    assert (classes >= 0).all()  # only expression-labelled frames are current frames
    counts = np.bincount(classes)
    present = counts[counts > 0]
    natural = np.bincount(tables.train["expression"].to_numpy()[tables.train["expression"] >= 0])
    natural = natural[natural > 0]
    spread = present.max() / present.min()
    assert spread < natural.max() / natural.min()  # balanced draws flatten the classes


class _StepsSeen(keras.layers.Layer):
    """Expression 'probabilities': one-hot of (valid steps in the window - 1)."""

    def call(self, pixels, mask):
        steps = keras.ops.sum(keras.ops.cast(mask, "int32"), axis=1) - 1
        return keras.ops.one_hot(steps, 7) + 0.0 * keras.ops.mean(pixels)


def test_evaluate_scores_each_frame_by_its_own_window(affwild2_tree):
    pixels = keras.Input((3, 32, 32, 3), name="pixels")
    mask = keras.Input((3,), dtype="bool", name="mask")
    model = keras.Model(
        {"pixels": pixels, "mask": mask}, {"expression": _StepsSeen()(pixels, mask)}
    )
    data = f"affwild2:{affwild2_tree}?split=validation"
    scores = evaluate(model, data)
    from affectkeras.data import read

    table = read(data)
    position = table.groupby("video").cumcount().to_numpy()  # frames are in order per video
    predicted = np.minimum(position, 2)
    truth = table["expression"].to_numpy()
    labelled = truth >= 0
    assert scores["n_expr"] == labelled.sum()
    np.testing.assert_allclose(scores["expr_acc"], (predicted == truth)[labelled].mean())


def test_fusion_averages_the_variants_and_reloads(tmp_path):
    spec = OutputSpec.create("expr,va", num_classes=7)
    image_model = build_task_model(
        get_backbone("tiny", input_shape=(16, 16, 3)), spec, name="variant2"
    )
    pixels = keras.Input((3, 16, 16, 3), name="pixels")
    mask = keras.Input((3,), dtype="bool", name="mask")
    inner = build_task_model(get_backbone("tiny", input_shape=(16, 16, 3)), spec, name="inner")
    window_out = inner(keras.layers.Average()([pixels[:, 0], pixels[:, 1], pixels[:, 2]]))
    window_model = keras.Model({"pixels": pixels, "mask": mask}, window_out, name="variant4")
    fused = fusion_predictor([image_model, window_model], window=3)
    assert describe_inputs(fused).window == 3
    rng = np.random.default_rng(0)
    batch = {
        "pixels": rng.integers(0, 256, (2, 3, 16, 16, 3)).astype("uint8"),
        "mask": np.ones((2, 3), bool),
    }
    out = fused.predict(batch, verbose=0)
    a = image_model.predict(batch["pixels"][:, -1], verbose=0)
    b = window_model.predict(batch, verbose=0)
    for key in ("expression", "valence_arousal"):
        np.testing.assert_allclose(out[key], (a[key] + b[key]) / 2, rtol=1e-5, atol=1e-6)
    fused.save(tmp_path / "fusion.keras")
    again = load_predictor(tmp_path / "fusion.keras").predict(batch, verbose=0)
    np.testing.assert_allclose(again["expression"], out["expression"], rtol=1e-5, atol=1e-6)


def _run(items, data, run):
    argv = ["-q", "train", "--recipe", "temporal_stat", "--data", data, "--out", str(run)]
    for item in items:
        argv += ["--set", item]
    return main(argv)


def _pretrained_tiny(path):
    """A tiny backbone saved on its own: the "pre-trained" weights ``init_from`` starts from."""
    keras.utils.set_random_seed(7)
    get_backbone("tiny", input_shape=(32, 32, 3)).save(path)
    return path


def test_a_frozen_random_backbone_is_refused_before_any_work(affwild2_tree, tmp_path, capsys):
    """Item 3 of the paper audit: the default trainable=last_stage needs pre-trained weights."""
    run = tmp_path / "run"
    assert _run(SEED004_TINY, f"affwild2:{affwild2_tree}", run) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "RANDOMLY initialised tiny" in error[0]
    for key in ("backbone_weights=", "init_from=", "frame_model=", "trainable=all"):
        assert key in error[0]
    assert not run.exists()  # refused before RUN_DIR, data or model


@pytest.mark.slow
def test_frame_then_temporal_stages_through_the_cli(affwild2_tree, tmp_path):
    data = f"affwild2:{affwild2_tree}"
    run = tmp_path / "run"
    weights = _pretrained_tiny(tmp_path / "tiny.keras")
    settings = [*SEED004_TINY, "variants=2,5", f"init_from={weights}"]
    with pytest.raises(ValueError, match="variant 3 is not among variants='2,5'"):
        get_recipe("temporal_stat").train(
            data, run, get_recipe("temporal_stat").config(overrides=[*settings, "stage=temporal3"])
        )
    assert _run([*settings, "stage=frame"], data, run) == 0
    frame = load_predictor(run / "frame")
    assert {"expression", "features"} <= set(frame.output_names)
    assert _run([*settings, "stage=temporal"], data, run) == 0
    for stage in ("frame", "temporal2", "temporal5"):
        names = {p.name for p in (run / stage).iterdir()}
        assert {"model.keras", "config.yaml", "history.csv", "metrics.json"} <= names, stage
    with (run / "history.csv").open(newline="") as handle:
        assert [row["stage"] for row in csv.DictReader(handle)] == [
            "frame",
            "temporal2",
            "temporal5",
        ]
    assert "stage: temporal\n" in (run / "config.yaml").read_text()

    # only the last backbone stage (and the heads) moved while training the variant
    variant = load_predictor(run / "temporal5").get_layer("frame_model")

    def leaf_weights(model):
        backbone = next(layer for layer in model.layers if isinstance(layer, keras.Model))
        heads = [layer for layer in model.layers if not isinstance(layer, keras.Model)]
        layers = [*backbone.layers, *heads]
        return {layer.name: [w.numpy() for w in layer.weights] for layer in layers}

    before, after = leaf_weights(frame), leaf_weights(variant)
    moved = set()
    for name, weights in before.items():
        pairs = zip(weights, after[name], strict=True)
        if any(not np.array_equal(a, b) for a, b in pairs):
            moved.add(name)
    assert moved and all(name.startswith(("stage3", "expression")) for name in moved), moved

    fused = load_predictor(run)
    described = describe_inputs(fused)
    assert described.kind == "window" and described.window == 4
    window = {
        "pixels": np.random.default_rng(1).integers(0, 256, (2, 4, 32, 32, 3), dtype=np.uint8),
        "mask": np.array([[False, False, True, True], [True] * 4]),
    }
    first = fused.predict(window, verbose=0)
    assert_exports_as_served(run, tmp_path / "export")
    fused.save(tmp_path / "again.keras")
    again = load_predictor(tmp_path / "again.keras").predict(window, verbose=0)
    for key in ("expression", "valence_arousal"):
        assert first[key].shape == (2, 7 if key == "expression" else 2) or first[key].shape[0] == 2
        np.testing.assert_allclose(again[key], first[key], rtol=1e-5, atol=1e-6, err_msg=key)
    metrics = json.loads((run / "metrics.json").read_text())
    scores = evaluate(run, f"{data}?split=validation")
    assert metrics["n_expr"] > 0 and metrics["n_va"] > 0
    scores = flat_metrics(scores)
    for key, value in flat_metrics(metrics).items():
        np.testing.assert_allclose(scores[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


def test_a_temporal_variant_trains_over_a_given_frame_model(affwild2_tree, tmp_path):
    """The fast tier's fit of seed 004: one Table I variant over a (here untrained) frame model
    given by ``frame_model=``; the slow tier trains the frame stage first."""
    keras.utils.set_random_seed(0)
    frame = build_task_model(
        get_backbone("tiny", input_shape=(32, 32, 3)),
        OutputSpec.create("expr", num_classes=8),  # Aff-Wild2's 8 expression classes
        return_features=True,
        name="frame_model",
    )
    frame.save(tmp_path / "frame.keras")
    run = tmp_path / "run"
    settings = [
        *SEED004_TINY,
        "variants=5",
        "stage=temporal",
        f"frame_model={tmp_path / 'frame.keras'}",
    ]
    assert _run(settings, f"affwild2:{affwild2_tree}", run) == 0
    assert not (run / "frame").exists()
    names = {p.name for p in (run / "temporal5").iterdir()}
    assert {"model.keras", "config.yaml", "history.csv", "metrics.json"} <= names
    variant = load_predictor(run / "temporal5")
    assert describe_inputs(variant).kind == "window" and describe_inputs(variant).window == 4
    window = {
        "pixels": np.random.default_rng(1).integers(0, 256, (2, 4, 32, 32, 3), dtype=np.uint8),
        "mask": np.array([[False, False, True, True], [True] * 4]),
    }
    outputs = variant.predict(window, verbose=0)
    assert outputs["expression"].shape == (2, 8)
    np.testing.assert_allclose(outputs["expression"].sum(-1), 1.0, rtol=1e-5)


def test_the_frame_stage_trains_on_frame_data_and_a_given_frame_model_replaces_it(tmp_path):
    """Item 7 of the paper audit: the paper fine-tunes the face model on AffectNet + RAF-DB."""
    recipe = get_recipe("temporal_stat")
    specs = ["affectnet:/data/AffectNet", "rafdb:/data/RAF-DB"]
    config = recipe.config(overrides=["variants=2,6", f"frame_data={','.join(specs)}"])
    stages = recipe.stages(config, tmp_path)
    assert [s.name for s in stages] == ["frame", "temporal2", "temporal6"]
    assert stages[0].data == specs and stages[1].data == [] and stages[2].data == []
    given = recipe.config(overrides=["variants=2,6", f"frame_model={tmp_path / 'f.keras'}"])
    assert [s.name for s in recipe.stages(given, tmp_path)] == ["temporal2", "temporal6"]
    recipe.preflight(given)  # a given frame model: nothing random is frozen
