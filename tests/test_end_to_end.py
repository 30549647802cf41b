"""The pieces fit together: synth -> read -> feed -> task model -> losses + ABAW metrics -> fit.

Five parts (readers, synthetic data, pipeline, losses/metrics, models) were built side by side
against written contracts (task names, sentinels kept in targets, per-task sample weights, uint8
pixels normalised inside the model). This test runs them as one user program, so a broken
contract fails here even when each part's own tests pass.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from affectkeras import losses
from affectkeras.data import make_feed, read
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.synthetic.writer import write_affwild2
from affectkeras.metrics import MultiTaskScore, abaw_metrics, abaw_scores
from affectkeras.models import build_task_model, get_backbone
from affectkeras.output_spec import OutputSpec

SIZE = 32


@pytest.fixture(scope="module")
def synthetic_tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    write_affwild2(root, videos=6, frames=30, seed=3, size=48, progress=False)
    table = read(f"affwild2:{root}")
    return table[table.split == "train"], table[table.split == "validation"]


def compiled_model(spec: OutputSpec) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = build_task_model(get_backbone("tiny", input_shape=(SIZE, SIZE, 3)), spec)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss={
            "expression": losses.FocalCrossEntropy(),
            "action_units": losses.MaskedBinaryCrossentropy(),
            "valence_arousal": losses.CCCLoss(),
        },
        metrics=abaw_metrics(spec),
    )
    return model


@pytest.mark.jax
def test_synthetic_tree_trains_through_the_in_memory_path(synthetic_tables, tmp_path):
    train, validation = synthetic_tables
    spec = OutputSpec.create("expr,au,va", num_classes=8)
    train_batches = FeedDataset(make_feed(train, spec, image_size=SIZE, seed=0), batch_size=32)
    validation_feed = make_feed(validation, spec, image_size=SIZE, shuffle=False)
    validation_batches = FeedDataset(validation_feed, batch_size=64)
    model = compiled_model(spec)

    history = model.fit(
        train_batches,
        validation_data=validation_batches,
        epochs=2,
        verbose=0,
        callbacks=[MultiTaskScore()],
    ).history

    # Keras prefixes a multi-output model's metrics with the output name
    expr_f1, au_f1, va_ccc = (
        "val_expression_expr_f1",
        "val_action_units_au_f1",
        "val_valence_arousal_va_ccc",
    )
    for key in ("loss", "val_loss", expr_f1, au_f1, va_ccc, "val_mtl_p"):
        assert len(history[key]) == 2 and np.all(np.isfinite(history[key])), key
    assert history["loss"][1] < history["loss"][0]
    # mtl_p is the sum of the three whole-set scores, as SPEC.md defines it
    np.testing.assert_allclose(
        history["val_mtl_p"][-1],
        history[expr_f1][-1] + history[au_f1][-1] + history[va_ccc][-1],
        rtol=1e-6,
    )

    # The stateful metrics equal abaw_scores on the same predictions (whole set, MISSING skipped)
    predictions = model.predict(validation_batches, verbose=0)
    targets = spec.targets(validation)  # unshuffled feed: predictions in table order
    scores = abaw_scores(
        expression_true=targets["expression"],
        expression_pred=predictions["expression"],
        au_true=targets["action_units"],
        au_pred=predictions["action_units"],
        va_true=targets["valence_arousal"],
        va_pred=predictions["valence_arousal"],
        num_classes=8,
    )
    evaluated = model.evaluate(validation_batches, verbose=0, return_dict=True)
    for output, key in [
        ("expression", "expr_f1"),
        ("expression", "expr_acc"),
        ("action_units", "au_f1"),
        ("action_units", "au_acc"),
        ("valence_arousal", "va_ccc"),
    ]:
        np.testing.assert_allclose(
            evaluated[f"{output}_{key}"], scores[key], atol=1e-5, err_msg=key
        )
    assert scores["n_expr"] == int((validation.expression >= 0).sum())

    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    again = reloaded.predict(validation_batches, verbose=0)
    for name in spec.names:
        np.testing.assert_allclose(again[name], predictions[name], atol=1e-5)
