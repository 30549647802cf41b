"""Every loss and metric inside a compiled model: fit (traced), checkpoint selection on the ABAW4
score, whole-set metrics equal to ``abaw_scores``, and a ``.keras`` save/load round trip."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras import losses
from affectkeras.metrics import MultiTaskScore, abaw_metrics, abaw_scores
from affectkeras.output_spec import OutputSpec

pytestmark = pytest.mark.jax

N, FEATURES, BINS = 48, 6, 20


def all_losses():
    return {
        "expression": losses.FocalCrossEntropy(alpha=[1.0, 2.0, 1.5, 1.0, 0.5, 1.0, 2.5]),
        "action_units": losses.BinaryFocalCrossEntropy(gamma=1.0, alpha=0.3),
        "valence_arousal": losses.CCCMSELoss(0.5, 0.3, 0.2),
        "valence_arousal_bins": losses.VABinsLoss(bins=BINS, ccc_divisor="batch"),
        "joint": losses.SelectiveSigmoidCrossEntropy(),
        "expression_ce": losses.WeightedCrossEntropy([1.0, 2.0, 1.0, 3.0, 1.0, 1.0, 0.5]),
        "au_bce": losses.MaskedBinaryCrossentropy(),
        "va_ccc": losses.CCCLoss(dimension_weights=[0.4, 0.6]),
        "va_mse": losses.VectorMSE(),
        "student": losses.DistillationKL(2.0, scale_by_temperature_squared=True),
    }


def build_model():
    inputs = keras.Input((FEATURES,), name="features")
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    bins = keras.layers.Reshape((2, BINS))(keras.layers.Dense(2 * BINS)(hidden))
    outputs = {
        "expression": keras.layers.Dense(7, activation="softmax", name="expression")(hidden),
        "action_units": keras.layers.Dense(12, activation="sigmoid", name="action_units")(hidden),
        "valence_arousal": keras.layers.Dense(2, activation="tanh", name="valence_arousal")(hidden),
        "valence_arousal_bins": keras.layers.Softmax(name="valence_arousal_bins")(bins),
        "joint": keras.layers.Dense(27, activation="sigmoid", name="joint")(hidden),
        "expression_ce": keras.layers.Dense(7, activation="softmax", name="expression_ce")(hidden),
        "au_bce": keras.layers.Dense(12, activation="sigmoid", name="au_bce")(hidden),
        "va_ccc": keras.layers.Dense(2, activation="tanh", name="va_ccc")(hidden),
        "va_mse": keras.layers.Dense(2, activation="tanh", name="va_mse")(hidden),
        "student": keras.layers.Dense(7, activation="softmax", name="student")(hidden),
    }
    return keras.Model(inputs, outputs)


def make_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, FEATURES)).astype(np.float32)
    expression = rng.integers(-1, 7, size=N).astype(np.int32)
    au = rng.integers(0, 2, size=(N, 12)).astype(np.float32)
    au[rng.random((N, 12)) < 0.3] = -1
    va = rng.uniform(-1, 1, (N, 2)).astype(np.float32)
    va[rng.random((N, 2)) < 0.2] = -5
    joint = -np.ones((N, 27), np.float32)
    for i in range(N):
        start, stop = [(0, 7), (7, 19), (19, 27)][i % 3]
        joint[i, start:stop] = rng.integers(0, 2, size=stop - start)
    teacher = rng.dirichlet(np.ones(7), size=N).astype(np.float32)
    y = {
        "expression": expression,
        "action_units": au,
        "valence_arousal": va,
        "valence_arousal_bins": va,
        "joint": joint,
        "expression_ce": expression,
        "au_bce": au,
        "va_ccc": va,
        "va_mse": va,
        "student": teacher,
    }
    return x, y


def compiled_model():
    keras.utils.set_random_seed(0)
    model = build_model()
    metrics = abaw_metrics(OutputSpec.create("expr,au,va", num_classes=7))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=all_losses(), metrics=metrics)
    return model


@pytest.mark.slow
def test_compiled_losses_and_metrics_fit_select_checkpoints_and_round_trip(tmp_path):
    x, y = make_data(0)
    x_val, y_val = make_data(1)
    model = compiled_model()
    checkpoint = tmp_path / "best.keras"
    history = model.fit(
        x,
        y,
        validation_data=(x_val, y_val),
        batch_size=16,
        epochs=2,
        verbose=0,
        callbacks=[
            MultiTaskScore(),
            keras.callbacks.ModelCheckpoint(
                checkpoint, monitor="val_mtl_p", mode="max", save_best_only=True
            ),
        ],
    ).history
    losses_per_epoch = np.array(history["loss"])
    assert np.isfinite(losses_per_epoch).all() and losses_per_epoch[-1] < losses_per_epoch[0]
    components = (
        np.array(history["val_valence_arousal_va_ccc"])
        + np.array(history["val_expression_expr_f1"])
        + np.array(history["val_action_units_au_f1"])
    )
    np.testing.assert_allclose(history["val_mtl_p"], components, rtol=1e-6)
    assert "mtl_p" in history and checkpoint.exists()

    # whole-set metrics over batches of 16 equal the SPEC scores of the full predictions
    logs = model.evaluate(x_val, y_val, batch_size=16, verbose=0, return_dict=True)
    outputs = model.predict(x_val, batch_size=16, verbose=0)
    scores = abaw_scores(
        expression_true=y_val["expression"],
        expression_pred=outputs["expression"],
        au_true=y_val["action_units"],
        au_pred=outputs["action_units"],
        va_true=y_val["valence_arousal"],
        va_pred=outputs["valence_arousal"],
        num_classes=7,
    )
    for output, keys in {
        "expression": ("expr_f1", "expr_acc", "expr_score_abaw2"),
        "action_units": ("au_f1", "au_acc", "au_score_abaw2"),
        "valence_arousal": ("va_ccc_valence", "va_ccc_arousal", "va_ccc"),
    }.items():
        for key in keys:
            assert logs[f"{output}_{key}"] == pytest.approx(scores[key], abs=1e-5), key

    # per-output loss values equal direct calls of the losses on the whole set (batch = N)
    full = model.evaluate(x_val, y_val, batch_size=N, verbose=0, return_dict=True)
    for name, loss in all_losses().items():
        direct = float(loss(y_val[name], outputs[name]))
        assert full[f"{name}_loss"] == pytest.approx(direct, rel=1e-4, abs=1e-6), name

    # per-output sample weights (Contract 2: {task: [B]}, 0 = no label) reach every loss
    rng = np.random.default_rng(2)
    weights = {name: rng.choice([0.0, 1.0, 2.0], size=N).astype(np.float32) for name in y_val}
    weighted = model.evaluate(
        x_val, y_val, sample_weight=weights, batch_size=N, verbose=0, return_dict=True
    )
    for name, loss in all_losses().items():
        direct = float(loss(y_val[name], outputs[name], sample_weight=weights[name]))
        assert weighted[f"{name}_loss"] == pytest.approx(direct, rel=1e-4, abs=1e-6), name

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    again = loaded.evaluate(x_val, y_val, batch_size=16, verbose=0, return_dict=True)
    assert again.keys() == logs.keys()
    for key, value in logs.items():
        assert again[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
    original = {n: loss.get_config() for n, loss in all_losses().items()}
    restored = loaded.loss
    assert {n: restored[n].get_config() for n in original} == original


@pytest.mark.parametrize("name", sorted(all_losses()))
def test_loss_configs_round_trip_through_keras_serialization(name):
    loss = all_losses()[name]
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert type(clone) is type(loss) and clone.get_config() == loss.get_config()


def test_metric_configs_round_trip_through_keras_serialization():
    for metric_list in abaw_metrics(OutputSpec.create("expr,au,va", num_classes=8)).values():
        for metric in metric_list:
            config = keras.saving.serialize_keras_object(metric)
            clone = keras.saving.deserialize_keras_object(config)
            assert type(clone) is type(metric) and clone.get_config() == metric.get_config()
