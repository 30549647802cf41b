"""Seed 002's teacher_student recipe: task sets, eq. 7-10 weights, losses, stages via the CLI."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from affectkeras import losses
from affectkeras.cli.main import main
from affectkeras.data import read
from affectkeras.data.table import concat_tables, labelled_expression_va, make_table
from affectkeras.evaluation import evaluate
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import describe_inputs, load_predictor
from affectkeras.recipes import get_recipe
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.teacher_student import task_sets
from affectkeras.recipes.teacher_student.stages import StudentStage, TeacherStage
from tests.helpers.export_checks import assert_exports_as_served
from tests.helpers.metrics_dicts import flat_metrics

from .conftest import TINY

pytestmark = pytest.mark.jax

SEED002_TINY = [
    *TINY,
    "batch_size=16",
    "gru_batch_size=4",
    "sequence_length=4",
    "gru_units=4",
    "epochs=1",
    "validation_split=validation",  # Aff-Wild2's Validation set only (the csv set trains)
]


@pytest.fixture(scope="module")
def expr_va_set(affwild2_tree, tmp_path_factory):
    """An AffectNet-like still set labelled for expressions and VA on every row (csv)."""
    table = read(f"affwild2:{affwild2_tree}?split=train")
    expression, va = labelled_expression_va(table)
    rows = table[expression & va]
    path = tmp_path_factory.mktemp("expr-va") / "labels.csv"
    pd.DataFrame(
        {
            "path": rows["path"],
            "expression": rows["expression"].clip(upper=6),
            "valence": rows["valence"],
            "arousal": rows["arousal"],
            "split": "train",
        }
    ).to_csv(path, index=False)
    return f"csv:{path}"


def test_task_sets_put_shared_frames_in_both_sets_and_joint_datasets_in_expr_va():
    table = make_table(
        {
            "path": list("abcdef"),
            "split": "train",
            "dataset": ["affwild2"] * 4 + ["affectnet"] * 2,
            "expression": [3, -1, 2, -1, 1, 4],
            "valence": [-5.0, 0.1, 0.2, -5.0, 0.3, 0.4],
            "arousal": [-5.0, 0.1, 0.2, -5.0, 0.3, 0.4],
        },
        "x",
    )
    assert task_sets.expr_va_datasets(table, ["auto"]) == ["affectnet"]
    assert task_sets.expr_va_datasets(table, ["none"]) == []
    with pytest.raises(ValueError, match=r"expr_va_datasets names \['afew'\]"):
        task_sets.expr_va_datasets(table, ["afew"])
    expression, va = labelled_expression_va(table)
    joint = table["dataset"].to_numpy() == "affectnet"
    samples, sets = task_sets.task_set_instances(expression, va, joint)
    # row 2 (an Aff-Wild2 frame with both labels) is in EXPR and VA; row 3 has no label
    assert list(zip(samples.tolist(), sets.tolist(), strict=True)) == [
        (0, 1),
        (2, 1),
        (1, 2),
        (2, 2),
        (4, 3),
        (5, 3),
    ]


def test_real_affectnet_forms_expr_va_although_its_contempt_and_none_rows_have_va_only(
    tmp_path, caplog
):
    """Item 2 of issue 21: AffectNet (read by its reader, contempt/none rows kept with VA
    only) is an EXPR_VA dataset; a dataset whose basic-expression rows lack VA is not."""
    from tests.data.readers.test_affectnet import ROWS, write_affectnet

    # the released AffectNet: codes 0-8 all carry VA (the reader test's expression-only row
    # 692/l.jpg is a made-up case, kept for the second half)
    real = {split: [r for r in rows if r[0] != "692/l.jpg"] for split, rows in ROWS.items()}
    affectnet = read(f"affectnet:{write_affectnet(tmp_path / 'real', real)}")
    assert ((affectnet["expression"] == -1) & (affectnet["valence"] > -5)).sum() == 4
    table = concat_tables([affectnet, _affwild2_like()])
    assert task_sets.expr_va_datasets(table, ["auto"]) == ["affectnet"]
    expression, va = labelled_expression_va(table)
    joint = (table["dataset"] == "affectnet").to_numpy()
    _, sets = task_sets.task_set_instances(expression, va, joint)
    assert np.bincount(sets, minlength=4)[1:].tolist() == [4, 7, 8]  # contempt/none: VA set
    line = task_sets.describe_expr_va(table, ["auto"], ["affectnet"])
    assert line == (
        "EXPR_VA set (auto): affectnet (8 rows with both labels; 4 VA-only rows join the VA "
        "set); left out: affwild2 (3 of its 4 basic-expression rows lack VA) "
        "(expr_va_datasets=NAME forces one)"
    )
    odd = read(f"affectnet:{write_affectnet(tmp_path / 'odd')}")  # with 692/l.jpg
    assert task_sets.expr_va_datasets(odd, ["auto"]) == []
    assert "left out: affectnet (1 of its 9 basic-expression rows lack VA)" in (
        task_sets.describe_expr_va(odd, ["auto"], [])
    )
    # the recipe logs it
    with caplog.at_level("INFO", logger="affectkeras.recipes"):
        recipe = get_recipe("teacher_student")
        config = recipe.config(overrides=SEED002_TINY)
        spec = OutputSpec.create("expr,va", num_classes=7)
        TeacherStage().train_feed(config, RunTables(table, table.iloc[:0], 7, 7, {}), spec)
    assert line in caplog.text


def _affwild2_like() -> pd.DataFrame:
    """Frames of an expression video (no VA) and of a VA video, one frame with both."""
    return make_table(
        {
            "path": list("pqrstu"),
            "split": "train",
            "video": ["e", "e", "e", "v", "v", "v"],
            "frame": [1, 2, 3, 1, 2, 3],
            "expression": [1, 4, 0, -1, -1, 2],
            "valence": [-5.0, -5.0, -5.0, 0.1, 0.2, 0.3],
            "arousal": [-5.0, -5.0, -5.0, 0.1, 0.2, 0.3],
        },
        "affwild2",
    )


def _imbalanced_sets() -> pd.DataFrame:
    """An expression set, a VA set and an AffectNet-like set, each heavily imbalanced."""
    rng = np.random.default_rng(3)
    expr = np.repeat(np.arange(7), [200, 100, 50, 25, 13, 7, 5])
    centres = np.repeat([[-0.8, -0.8], [-0.3, 0.3], [0.3, -0.3], [0.8, 0.8], [0.3, 0.8]],
                        [200, 50, 30, 15, 5], axis=0)  # fmt: skip
    va = centres + rng.uniform(-0.05, 0.05, centres.shape)
    both = np.repeat(np.arange(7), [90, 50, 30, 15, 8, 4, 3])
    n_expr, n_va, n_both = len(expr), len(va), len(both)
    return make_table(
        {
            "path": [f"f{i}" for i in range(n_expr + n_va + n_both)],
            "split": "train",
            "dataset": ["expw"] * n_expr + ["afew-va"] * n_va + ["affectnet"] * n_both,
            "expression": np.concatenate([expr, -np.ones(n_va, int), both]),
            "valence": np.concatenate([np.full(n_expr, -5.0), va[:, 0], np.zeros(n_both)]),
            "arousal": np.concatenate([np.full(n_expr, -5.0), va[:, 1], np.zeros(n_both)]),
        },
        "x",
    )


@pytest.mark.parametrize("balance", ["classes", "none"])
def test_task_sets_are_class_balanced_inside_and_equal_per_batch(balance, caplog):
    """Item 6 of issue 21 ("the same dataset balancing protocol as [3]"): a chi-square test
    of the drawn expression classes (EXPR, EXPR_VA) and 2-D VA bins (VA) against uniform."""
    from scipy.stats import chisquare

    table = _imbalanced_sets()
    config = TeacherStage().config(
        overrides=[*SEED002_TINY, "batch_size=30", "balance_va_bins=4", f"balance={balance}"]
    )
    spec = OutputSpec.create("expr,va", num_classes=7)
    with caplog.at_level("INFO", logger="affectkeras.recipes"):
        feed = TeacherStage().train_feed(config, RunTables(table, table.iloc[:0], 7, 7, {}), spec)
    # each instance's set, class and VA bin, read back from the feed (teacher: own tasks only)
    expr_w, va_w = feed.sample_weight["expression"], feed.sample_weight["valence_arousal_bins"]
    sets = np.where((expr_w > 0) & (va_w > 0), 3, np.where(expr_w > 0, 1, 2))
    label = np.asarray(feed.y["expression"]).reshape(len(sets), -1)
    label = label.argmax(-1) if label.shape[1] > 1 else label[:, 0]
    va = np.asarray(feed.y["valence_arousal_bins"]).reshape(len(sets), 2)
    edges = np.linspace(-1, 1, 5)[1:-1]
    cell = np.digitize(va[:, 0], edges) * 4 + np.digitize(va[:, 1], edges)
    draws = np.concatenate([feed.sampler.indices(epoch) for epoch in range(4)])
    batches = sets[draws].reshape(-1, 30)
    assert all((np.bincount(b, minlength=4)[1:] == 10).all() for b in batches)  # N per set
    for value, strata in ((1, label), (2, cell), (3, label)):
        mine = sets == value
        present = np.unique(strata[mine])
        drawn = np.array([(strata[draws][sets[draws] == value] == c).sum() for c in present])
        data = np.array([(strata[mine] == c).sum() for c in present])
        uniform = chisquare(drawn).pvalue
        if balance == "classes":
            assert uniform > 1e-3, (value, drawn)
        else:  # the data's own shares, far from uniform
            assert (
                uniform < 1e-12 and chisquare(drawn, data / data.sum() * drawn.sum()).pvalue > 1e-3
            )
    assert ("balanced inside: EXPR 7 classes" in caplog.text) == (balance == "classes")


@pytest.mark.parametrize("share", [False, True])
def test_loss_weights_are_those_of_eq_7_9_and_10(share):
    sets = np.array([1, 1, 2, 2, 3])
    expression = np.array([True, True, False, True, True])
    va = np.array([False, True, True, True, True])
    teacher = task_sets.loss_weights(sets, expression, va, student=False)
    assert teacher["expression"].tolist() == [1, 1, 0, 0, 1]  # eq. 7: own tasks only
    assert teacher["valence_arousal_bins"].tolist() == [0, 0, 1, 1, 1]
    assert set(teacher) == {"expression", "valence_arousal_bins"}
    student = task_sets.loss_weights(sets, expression, va, True, share, distill_lambda=0.6)
    shared = [1.0 if share else 0.0]
    assert student["expression"].tolist() == [1, 1, 0, *shared, 1]
    assert student["valence_arousal_bins"].tolist() == [0, *shared, 1, 1, 1]
    # distillation: 1 - lambda beside a supervised term (eq. 8), 1 where the teacher stands in
    expect_expr = [0.4, 0.4, 1.0, 0.4 if share else 1.0, 0.4]
    expect_va = [1.0, 0.4 if share else 1.0, 0.4, 0.4, 0.4]
    np.testing.assert_allclose(student["expression_distill"], expect_expr, rtol=1e-6)
    np.testing.assert_allclose(student["valence_arousal_bins_distill"], expect_va, rtol=1e-6)


def test_sequence_weights_are_per_frame_and_zero_on_padding():
    sets = np.array([1])
    expression = np.array([[True, False, True, False]])
    mask = np.array([[True, True, True, False]])
    weights = task_sets.loss_weights(sets, expression, ~expression & mask, True, mask=mask)
    assert weights["expression"].tolist() == [[1, 0, 1, 0]]
    np.testing.assert_allclose(weights["expression_distill"], [[0.4, 1.0, 0.4, 0.0]], rtol=1e-6)
    assert weights["valence_arousal_bins"].tolist() == [[0, 1, 0, 0]]  # shared (eq. 10)


def test_student_objective_is_lambda_l_plus_one_minus_lambda_h(affwild2_tree):
    """The compiled losses and weights give eq. 8 on expressions, checked against numpy."""
    recipe = StudentStage()
    config = recipe.config(overrides=[*SEED002_TINY, "teacher_model=unused.keras"])
    chosen, weights = recipe.losses(config, None, None)
    rng = np.random.default_rng(0)
    teacher = rng.dirichlet(np.ones(7), 5).astype("float32")
    student = rng.dirichlet(np.ones(7), 5).astype("float32")
    target = np.array([3, -1, 0, 6, 2])
    supervised = np.array([1.0, 0.0, 1.0, 0.0, 1.0], "float32")
    distill = np.array([0.4, 1.0, 0.4, 1.0, 0.4], "float32")
    total = weights["expression"] * float(chosen["expression"](target, student, supervised))
    pair = np.concatenate([teacher, student], -1)
    total += weights["expression_distill"] * float(
        chosen["expression_distill"](np.zeros(5), pair, distill)
    )
    ce = -np.log(student[[0, 2, 4], target[[0, 2, 4]]].astype("float64"))

    def tempered(p):
        z = np.log(p.astype("float64")) / 1.5
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    q, r = tempered(teacher), tempered(student)
    kl = (q * np.log(q / r)).sum(-1)
    expected = 0.6 * ce.mean() + (distill * kl).sum() / 5
    np.testing.assert_allclose(total, expected, rtol=1e-5)
    assert isinstance(chosen["valence_arousal_bins"], losses.VABinsLoss)  # eq. 2


def _run(argv_tail, data, run):
    argv = ["-q", "train", "--recipe", "teacher_student", "--out", str(run)]
    for spec in data:
        argv += ["--data", spec]
    for item in argv_tail:
        argv += ["--set", item]
    return main(argv)


def _same_after_reload(model, inputs, tmp_path, name):
    first = model.predict(inputs, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    again = load_predictor(path).predict(inputs, verbose=0)
    for key, value in first.items():
        np.testing.assert_allclose(again[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    return first


@pytest.mark.slow
def test_every_stage_through_the_cli_then_the_run_dir(affwild2_tree, expr_va_set, tmp_path):
    data = [f"affwild2:{affwild2_tree}", expr_va_set]
    run = tmp_path / "run"
    with pytest.raises(ValueError, match=r"stage 'student' needs .*teacher.*teacher_model"):
        get_recipe("teacher_student").train(
            data, run, get_recipe("teacher_student").config(overrides=["stage=student"])
        )
    assert _run([*SEED002_TINY, "stage=teacher"], data, run) == 0
    assert _run([*SEED002_TINY, "stage=student"], data, run) == 0
    assert not (run / "model.keras").exists()
    assert _run([*SEED002_TINY, "stage=gru"], data, run) == 0  # gru_teacher, then gru
    for stage in ("teacher", "student", "gru_teacher", "gru"):
        names = {p.name for p in (run / stage).iterdir()}
        assert {"model.keras", "config.yaml", "history.csv", "metrics.json"} <= names, stage
    with (run / "history.csv").open(newline="") as handle:
        stages = [row["stage"] for row in csv.DictReader(handle)]
    assert stages == ["teacher", "student", "gru_teacher", "gru"]
    # the GRU stages ran with the GRU batch size; the EXPR_VA csv set was set 3
    gru_config = (run / "gru" / "config.yaml").read_text()
    assert "batch_size: 4" in gru_config and "gru_teacher/model.keras" in gru_config

    student = load_predictor(run / "student")
    assert describe_inputs(student).kind == "image"
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    outputs = _same_after_reload(student, images, tmp_path, "student")
    assert outputs["expression"].shape == (3, 8) and outputs["valence_arousal"].shape == (3, 2)
    np.testing.assert_allclose(outputs["expression"].sum(-1), 1.0, rtol=1e-5)
    served = assert_exports_as_served(run / "student", tmp_path / "student-export")
    assert not served or set(served) == {"expression", "valence_arousal"}  # not the VA bins

    gru = load_predictor(run)
    assert describe_inputs(gru).kind == "window" and describe_inputs(gru).window == 4
    assert describe_inputs(gru).readout == "sequence"  # each frame at its own step
    window = {
        "pixels": np.random.default_rng(1).integers(0, 256, (2, 4, 32, 32, 3), dtype=np.uint8),
        "mask": np.array([[False, True, True, True], [True] * 4]),
    }
    outputs = _same_after_reload(gru, window, tmp_path, "gru")
    assert_exports_as_served(run, tmp_path / "gru-export")
    assert outputs["expression"].shape == (2, 4, 8)
    assert outputs["valence_arousal_bins"].shape == (2, 4, 2, 20)
    # evaluate scores the sequence predictor frame by frame as the run's metrics.json did
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_expr"] > 0 and metrics["n_va"] > 0
    scores = evaluate(run, f"affwild2:{affwild2_tree}?split=validation")
    scores = flat_metrics(scores)
    for key, value in flat_metrics(metrics).items():
        np.testing.assert_allclose(scores[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    # stage=all over finished stages is a no-op
    mtime = (run / "model.keras").stat().st_mtime
    assert _run(SEED002_TINY, data, run) == 0
    assert (run / "model.keras").stat().st_mtime == mtime


def test_the_teacher_stage_trains_through_the_cli(affwild2_tree, expr_va_set, tmp_path):
    """The fast tier's fit of seed 002: the multi-database teacher alone (the slow tier trains
    teacher -> student -> GRU teacher -> GRU)."""
    run = tmp_path / "run"
    data = [f"affwild2:{affwild2_tree}", expr_va_set]
    assert _run([*SEED002_TINY, "stage=teacher"], data, run) == 0
    names = {p.name for p in (run / "teacher").iterdir()}
    assert {"model.keras", "config.yaml", "history.csv", "metrics.json"} <= names
    assert not (run / "model.keras").exists()  # the final predictor waits for the GRU
    metrics = json.loads((run / "teacher" / "metrics.json").read_text())
    assert metrics["n_expr"] > 0 and metrics["n_va"] > 0
    teacher = load_predictor(run / "teacher")
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    outputs = teacher.predict(images, verbose=0)
    assert outputs["expression"].shape == (3, 8) and outputs["valence_arousal"].shape == (3, 2)
    assert outputs["valence_arousal_bins"].shape == (3, 2, 20)  # eq. 1: VA as 20 bins
    np.testing.assert_allclose(outputs["expression"].sum(-1), 1.0, rtol=1e-5)


def test_head_bn_fc128_gives_the_cnn_the_authors_tower_and_linear_stays_the_default():
    recipe = TeacherStage()
    assert recipe.config().head == "linear"
    config = recipe.config(overrides=[*SEED002_TINY, "head=bn_fc128"])
    models = recipe.build(config, OutputSpec.create("expr,va", 7), None)
    predictor = models.predictor
    for prefix in ("expression", "valence_arousal"):
        assert predictor.get_layer(f"{prefix}_fc").units == 128
        assert predictor.get_layer(f"{prefix}_dropout").rate == 0.5
    assert predictor.get_layer("valence_arousal_bins_logits").input.shape[-1] == 128
