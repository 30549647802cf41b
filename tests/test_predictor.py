"""``describe_inputs``: the two predictor kinds, and clear errors for anything else."""

import keras
import pytest

from affectkeras.evaluation.evaluate import image_size_of
from affectkeras.models import (
    build_stat_lstm_model,
    build_task_model,
    build_window_model,
    get_backbone,
)
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import PredictorInputs, describe_inputs

pytestmark = pytest.mark.jax


def _frame_model(size=16):
    backbone = get_backbone("tiny", input_shape=(size, size, 3))
    return build_task_model(backbone, OutputSpec.create("expr", 7), return_features=True)


def test_image_predictor():
    inputs = describe_inputs(_frame_model(24))
    assert inputs == PredictorInputs("image", 24, 24, None)
    assert inputs.size == (24, 24) and not inputs.windowed


def test_window_predictor():
    temporal = build_stat_lstm_model(feature_dim=64, window=3, variant=6, lstm_units=2)
    model = build_window_model(_frame_model(16), temporal)
    inputs = describe_inputs(model)
    assert inputs == PredictorInputs("window", 16, 16, 3)
    assert inputs.windowed
    with pytest.raises(ValueError, match="windows of 3 frames"):
        image_size_of(model)


def test_other_inputs_are_refused():
    free = keras.Input((None, None, 3), name="image")
    with pytest.raises(ValueError, match="fixed frame size"):
        describe_inputs(keras.Model(free, keras.layers.Dense(2)(free)))
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    with pytest.raises(ValueError, match="a predictor takes one image"):
        describe_inputs(keras.Model([a, b], keras.layers.Add()([a, b])))
