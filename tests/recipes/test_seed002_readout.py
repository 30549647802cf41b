"""Seed 002's GRU predictor reads each frame at its own step of a whole sequence (issue 21,
item 8), in evaluate and in predict, checked against a bidirectional GRU run by hand in numpy
over each 4-frame sequence of a 10-frame video (4 + 4 + 2, the last one padded)."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest

from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.table import make_table
from affectkeras.evaluation.evaluate import predictor_feed
from affectkeras.evaluation.scoring import predict_feed, scored_frames
from affectkeras.inference import predict_frames
from affectkeras.inference.video import Frame
from affectkeras.models import build_task_model, get_backbone
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import describe_inputs, load_predictor
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.teacher_student.stages import GruTeacherStage

pytestmark = pytest.mark.jax

SIZE, STEPS, FRAMES = 16, 4, 10


@pytest.fixture(scope="module")
def gru_run(tmp_path_factory):
    """A random student CNN, the GRU stage's predictor over it, and a 10-frame video."""
    root = tmp_path_factory.mktemp("readout")
    keras.utils.set_random_seed(2)
    spec = OutputSpec.create("expr,va", num_classes=7)
    cnn = build_task_model(
        get_backbone("tiny", input_shape=(SIZE, SIZE, 3)), spec, va_bins=20, return_features=True
    )
    cnn.save(root / "student.keras")
    stage = GruTeacherStage()
    config = stage.config(
        overrides=[
            f"student_model={root / 'student.keras'}",
            f"sequence_length={STEPS}",
            "gru_units=3",
            f"image_size={SIZE}",
            "backbone=tiny",
        ]
    )
    predictor = stage.build(config, spec, RunTables(None, None, 7, 7, {})).predictor
    predictor.save(root / "gru.keras")
    frames = np.random.default_rng(0).integers(0, 256, (FRAMES, SIZE, SIZE, 3), dtype=np.uint8)
    (root / "v").mkdir()
    paths = [root / "v" / f"{index + 1:05d}.png" for index in range(FRAMES)]
    for path, frame in zip(paths, frames, strict=True):  # lossless PNG, RGB written as BGR
        assert cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    table = make_table(
        {
            "path": [str(p) for p in paths],
            "split": "validation",
            "video": "v",
            "frame": np.arange(1, FRAMES + 1),
            "expression": np.arange(FRAMES) % 7,
        },
        "affwild2",
    )
    return load_predictor(root / "gru.keras"), load_predictor(root / "student.keras"), frames, table


def _gru(x: np.ndarray, cell) -> np.ndarray:
    """Keras' GRU (reset_after, sigmoid gates, tanh) over x [T, D] from a zero state: [T, U]."""
    kernel, recurrent, bias = (np.asarray(w, np.float64) for w in cell.get_weights())
    units = recurrent.shape[0]
    h, out = np.zeros(units), []
    for step in x:
        xz, xr, xh = np.split(step @ kernel + bias[0], 3)
        hz, hr, hh = np.split(h @ recurrent + bias[1], 3)
        z, r = 1 / (1 + np.exp(-(xz + hz))), 1 / (1 + np.exp(-(xr + hr)))
        h = z * h + (1 - z) * np.tanh(xh + r * hh)
        out.append(h)
    return np.array(out)


def _reference(gru_model, cnn, frames) -> np.ndarray:
    """Expression probabilities [FRAMES, 7]: each sequence's frames through the BiGRU by hand."""
    features = np.asarray(cnn.predict(frames, verbose=0)["features"], np.float64)
    layer = gru_model.get_layer("gru1")
    weights, bias = (
        np.asarray(w, np.float64) for w in gru_model.get_layer("expression_logits").get_weights()
    )
    result = []
    for start in range(0, FRAMES, STEPS):
        x = features[start : start + STEPS]  # the last sequence: 2 real frames (rest masked)
        forward = _gru(x, layer.forward_layer.cell)
        backward = _gru(x[::-1], layer.backward_layer.cell)[::-1]
        logits = np.concatenate([forward, backward], axis=1) @ weights + bias
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        result.append(e / e.sum(axis=1, keepdims=True))
    return np.concatenate(result)


def test_the_gru_predictor_is_read_per_step_in_evaluate_and_predict(gru_run):
    predictor, cnn, frames, table = gru_run
    inputs = describe_inputs(predictor)
    assert (inputs.kind, inputs.window, inputs.readout) == ("window", STEPS, "sequence")
    gru_model = predictor.get_layer("teacher_gru")
    expected = _reference(gru_model, cnn, frames)
    # evaluate / validation: sequences of the table's video, each frame scored at its step
    spec = OutputSpec.create("expr,au,va", num_classes=7)
    feed = predictor_feed(predictor, table, spec)
    samples, outputs = predict_feed(predictor, FeedDataset(feed, 2))
    rows, per_frame = scored_frames(feed, samples, outputs, inputs.readout)
    assert sorted(rows.tolist()) == list(range(FRAMES))  # every frame once
    np.testing.assert_allclose(per_frame["expression"][np.argsort(rows)], expected, atol=2e-5)
    # predict: a 10-frame video of cropped faces, rows filled when a sequence is complete
    video = [Frame("v", index + 1, frame) for index, frame in enumerate(frames)]
    predicted = predict_frames(predictor, video, detect=False, batch_size=1)
    names = ["neutral", "anger", "disgust", "fear", "happiness", "sadness", "surprise"]
    got = predicted[[f"p_{name}" for name in names]].to_numpy(np.float64)
    assert predicted["frame"].tolist() == list(range(1, FRAMES + 1))
    np.testing.assert_allclose(got, expected, atol=2e-5)
    # the old read-out (last step of a window ending at the frame) is not what this computes
    assert not np.allclose(expected[:STEPS], expected[STEPS - 1], atol=1e-3)
