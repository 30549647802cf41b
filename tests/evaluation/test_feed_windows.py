"""evaluate with window predictors: the frame CNN once per table row gives the samples, outputs
and scores of the pixel windows (``last`` and ``sequence`` read-outs, padding, a bad image)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from affectkeras.data.feeding.feed import make_feed
from affectkeras.data.feeding.keras_dataset import FeedDataset
from affectkeras.data.feeding.windows import frame_windows, sequences
from affectkeras.data.table import make_table
from affectkeras.evaluation.evaluate import evaluate_table
from affectkeras.evaluation.feed_windows import predict_feed_windows, window_split
from affectkeras.evaluation.scoring import predict_feed
from affectkeras.output_spec import OutputSpec
from tests.helpers.metrics_dicts import flat_metrics
from tests.helpers.window_models import last_window_predictor, sequence_predictor

pytestmark = pytest.mark.jax

SIZE, WINDOW, STEPS = 16, 4, 5


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """Video ``a`` (8 frames, frame 5 unreadable) and video ``b`` (3 frames), labelled."""
    folder = tmp_path_factory.mktemp("window-frames")
    rng = np.random.default_rng(3)
    videos, frames, paths = ["a"] * 8 + ["b"] * 3, [*range(1, 9), *range(1, 4)], []
    for video, frame in zip(videos, frames, strict=True):
        path = folder / f"{video}{frame}.png"
        cv2.imwrite(str(path), rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8))
        paths.append(str(path))
    (folder / "a5.png").write_text("not an image")
    labels = {"expression": rng.integers(0, 7, 11), "valence": rng.uniform(-1, 1, 11)}
    labels["arousal"] = rng.uniform(-1, 1, 11)
    columns = {"path": paths, "split": "test", "video": videos, "frame": frames, **labels}
    return make_table(columns, "affwild2")


@pytest.fixture(scope="module")
def models():
    return {"last": last_window_predictor(SIZE, WINDOW), "sequence": sequence_predictor(SIZE)}


@pytest.mark.parametrize("case", ["last", "last_zero_padding", "sequence"])
def test_windows_from_per_row_values_give_predict_feeds_samples_and_outputs(table, models, case):
    model = models[case.split("_")[0]]
    if case == "sequence":
        windows = sequences(table, STEPS)  # a's second sequence and b's are padded at the end
    else:
        padding = "zeros" if case == "last_zero_padding" else "repeat"
        windows = frame_windows(table, WINDOW, padding=padding)  # padded at the start
    spec = OutputSpec.create("expr,va", 7)
    feed = make_feed(
        table, spec, SIZE, shuffle=False, windows=windows, input_names=("pixels", "mask")
    )
    direct_data, cached_data = FeedDataset(feed, 3), FeedDataset(feed, 3)
    samples, direct = predict_feed(model, direct_data)
    cached_samples, cached = predict_feed_windows(window_split(model), cached_data)
    np.testing.assert_array_equal(cached_samples, samples)  # the same bad-image windows dropped
    assert len(samples) < len(feed) and cached_data.skips.total == direct_data.skips.total == 1
    assert set(cached) == set(direct)
    for name, value in direct.items():
        np.testing.assert_allclose(cached[name], value, rtol=1e-5, atol=1e-5, err_msg=name)


def test_evaluate_scores_a_window_predictor_the_same_from_per_row_values(table, models):
    cached = flat_metrics(evaluate_table(models["last"], table, batch_size=4))
    direct = evaluate_table(models["last"], table, batch_size=4, cache_frames=False)
    direct = flat_metrics(direct)
    assert set(cached) == set(direct) and cached["n_rows_skipped"] == 4  # frame 5's windows
    np.testing.assert_allclose([cached[k] for k in direct], list(direct.values()), atol=1e-5)


@pytest.mark.parametrize("model_name", ["last", "sequence"])
def test_a_runs_epoch_end_validation_is_the_same_from_per_row_values(table, models, model_name):
    from affectkeras.data.feeding.in_memory import load_images
    from affectkeras.evaluation.scoring import canonical_truth
    from affectkeras.losses.ccc import CCCLoss
    from affectkeras.losses.weighted_ce import WeightedCrossEntropy
    from affectkeras.recipes.engine.callbacks import ValidationScores

    model = models[model_name]
    windows = sequences(table, STEPS) if model_name == "sequence" else frame_windows(table, WINDOW)
    spec = OutputSpec.create("expr,va", 7)
    feed = make_feed(
        table, spec, SIZE, shuffle=False, windows=windows, input_names=("pixels", "mask")
    )
    losses = {"expression": WeightedCrossEntropy(), "valence_arousal": CCCLoss()}
    logs = {}
    for cached, store in ((False, None), (True, None), (True, load_images(feed))):
        callback = ValidationScores(
            model,
            FeedDataset(feed, 4, store=store),
            canonical_truth(table, 7),
            7,
            "abaw",
            ["expr", "va"],
            losses,
            cache_frames=cached,
        )
        callback.set_params({"verbose": 0})
        logs[cached, store is not None] = epoch_logs = {}
        callback.on_epoch_end(0, epoch_logs)
        assert (callback._window_split() is not None) == cached
    direct = logs[False, False]
    assert {"val_loss", "val_expr_f1", "val_va_ccc", "val_score"} <= set(direct)
    for key in ((True, False), (True, True)):
        assert set(logs[key]) == set(direct)
        cached = [logs[key][k] for k in direct]
        np.testing.assert_allclose(cached, list(direct.values()), rtol=1e-5, atol=1e-6)
