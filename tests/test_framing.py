"""Face framings: the crops they cut, the layer that records them, and a training run's record."""

from __future__ import annotations

import dataclasses

import cv2
import keras
import numpy as np
import pytest

from affectkeras.framing import FRAMINGS, FaceFraming, box_crop, face_framing, with_framing
from affectkeras.inference.align import ARCFACE_TEMPLATE, framed_template, template
from affectkeras.models.layers import FramingLayer
from affectkeras.predictor import load_predictor

pytestmark = pytest.mark.jax  # a layer, a wrapper model and a training run: backend-dependent


def small_predictor(size: int = 16) -> keras.Model:
    image = keras.Input((size, size, 3), name="image")
    flat = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(image))
    expression = keras.layers.Dense(7, activation="softmax", name="expression")(flat)
    units = keras.layers.Dense(12, activation="sigmoid", name="action_units")(flat)
    return keras.Model(image, {"expression": expression, "action_units": units})


def test_a_box_crop_at_scale_one_is_the_box_itself():
    frame = np.random.default_rng(0).integers(0, 255, (90, 120, 3), dtype=np.uint8)
    crop = box_crop(frame, np.array([40, 30, 20, 20]), 20, scale=1.0, shift=0.0)
    np.testing.assert_array_equal(crop, frame[30:50, 40:60])
    # shift 0.5 moves the crop down by half the box height
    shifted = box_crop(frame, np.array([40, 30, 20, 20]), 20, scale=1.0, shift=0.5)
    np.testing.assert_array_equal(shifted, frame[40:60, 40:60])
    # scale 2 takes twice the side around the same centre (then halves it)
    wide = box_crop(frame, np.array([40, 30, 20, 20]), 40, scale=2.0, shift=0.0)
    np.testing.assert_array_equal(wide, frame[20:60, 30:70])


def test_a_box_crop_four_times_smaller_than_the_box_is_its_block_means_with_edges_repeated():
    """The pre-shrunk path (only the crop's part of the frame is shrunk): a 40 px box cut at
    10 px is the mean of each 4x4 block; outside the frame the shrunk border repeats."""
    frame = np.random.default_rng(3).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    halves = frame.astype(float).reshape(45, 2, 60, 2, 3).mean(axis=(1, 3))
    padded = np.pad(halves, ((20, 20), (20, 20), (0, 0)), mode="edge")
    for x, y in ((40, 30), (-20, 30), (100, -10), (84, 52)):
        crop = box_crop(frame, np.array([x, y, 40, 40]), 10, scale=1.0, shift=0.0)
        part = padded[y // 2 + 20 : y // 2 + 40, x // 2 + 20 : x // 2 + 40]
        expected = part.reshape(10, 2, 10, 2, 3).mean(axis=(1, 3))
        np.testing.assert_allclose(crop, expected, atol=1.0)  # two roundings to uint8


def test_the_framed_template_widens_and_moves_the_aligned_crop():
    np.testing.assert_allclose(framed_template(112), ARCFACE_TEMPLATE)
    wider = framed_template(112, scale=2.0)
    np.testing.assert_allclose(wider - 56, (template(112) - 56) / 2)
    lower = framed_template(112, shift=0.1)
    np.testing.assert_allclose(lower[:, 1], template(112)[:, 1] - 11.2)


def test_the_grey_layer_is_opencv_grey_on_every_channel():
    image = np.random.default_rng(1).integers(0, 256, (2, 9, 9, 3)).astype(np.uint8)
    out = np.asarray(FramingLayer(colour="grey")(image.astype("float32")))
    expected = np.stack([cv2.cvtColor(i, cv2.COLOR_RGB2GRAY) for i in image]).astype(float)
    np.testing.assert_allclose(out[..., 0], expected, atol=0.51)  # OpenCV rounds to uint8
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    rgb = np.asarray(FramingLayer()(image.astype("float32")))
    np.testing.assert_array_equal(rgb, image)


def test_with_framing_records_it_and_computes_grey_and_flip_averages():
    model = small_predictor()
    framing = dataclasses.replace(FRAMINGS["fer2013"], flip_average=True)
    framed = with_framing(model, framing)
    assert face_framing(framed) == framing
    assert face_framing(model) == FaceFraming()  # older models: the aligned RGB default
    image = np.random.default_rng(2).integers(0, 256, (3, 16, 16, 3)).astype("float32")
    grey = np.asarray(FramingLayer(colour="grey")(image))
    expected = {
        name: (np.asarray(model(grey)[name]) + np.asarray(model(grey[:, :, ::-1])[name])) / 2
        for name in ("expression", "action_units")
    }
    got = framed.predict_on_batch(image)
    assert sorted(got) == ["action_units", "expression"]
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, atol=1e-6)
    # framing a framed model replaces its framing rather than stacking a second one
    twice = with_framing(framed, FRAMINGS["aligned"])
    assert face_framing(twice) == FaceFraming()
    layers = [layer for layer in twice.layers if isinstance(layer, FramingLayer)]
    assert len(layers) == 1


def test_the_framing_survives_saving_and_loading(tmp_path):
    framed = with_framing(small_predictor(), FRAMINGS["fer2013"])
    framed.save(tmp_path / "model.keras")
    loaded = load_predictor(tmp_path)
    assert face_framing(loaded) == FRAMINGS["fer2013"]
    image = np.random.default_rng(3).integers(0, 256, (2, 16, 16, 3)).astype("uint8")
    np.testing.assert_allclose(
        loaded.predict_on_batch(image)["expression"],
        framed.predict_on_batch(image)["expression"],
        atol=1e-6,
    )


def test_window_predictors_take_no_framing_and_bad_values_are_refused():
    pixels = keras.Input((4, 8, 8, 3), name="pixels")
    mask = keras.Input((4,), name="mask", dtype="bool")
    out = keras.layers.Dense(7, name="expression")(keras.layers.Flatten()(pixels))
    window = keras.Model({"pixels": pixels, "mask": mask}, {"expression": out})
    with pytest.raises(ValueError, match="windows"):
        with_framing(window, FRAMINGS["fer2013"])
    with pytest.raises(ValueError, match="crop"):
        FaceFraming(crop="tight")
    from affectkeras.recipes import get_recipe

    with pytest.raises(ValueError, match="face_framing"):
        get_recipe("single_task").config(overrides=["face_framing=affectnet"])


def test_a_run_records_its_framing_in_model_keras(tmp_path):
    from affectkeras.cli.main import main

    stills = tmp_path / "stills"
    argv = ["-q", "synth", "--stills", "expression", "--images", "120", "--size", "16"]
    assert main([*argv, "--layout", "csv", "--out", str(stills)]) == 0
    settings = ["tasks=expr", "backbone=tiny", "image_size=16", "epochs=1", "batch_size=32"]
    settings += ["face_framing=fer2013", "test_time_flip=true", "verbose=0"]
    argv = ["-q", "train", "--recipe", "single_task", "--data", f"csv:{stills / 'labels.csv'}"]
    for item in settings:
        argv += ["--set", item]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0
    model = load_predictor(tmp_path / "run")
    assert face_framing(model) == dataclasses.replace(FRAMINGS["fer2013"], flip_average=True)


def test_a_framed_sjmt_predictor_still_lists_its_trained_labels():
    from affectkeras.models.layers import JointToCanonical
    from affectkeras.predictor import trained_labels

    image = keras.Input((8, 8, 3), name="image")
    joint = keras.layers.Dense(2)(keras.layers.Flatten()(image))
    au = JointToCanonical(
        [[0, 0], [1, 2]], 3, False, names=["AU1", "AU2", "AU4"], name="action_units"
    )(joint)
    model = keras.Model(image, {"action_units": au})
    framed = with_framing(model, FRAMINGS["fer2013"])
    assert trained_labels(framed) == trained_labels(model) == {"action_units": ["AU1", "AU4"]}
