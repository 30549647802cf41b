"""TF-Serving REST bodies for the exported signature, answered as the server answers them."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from affectkeras.data.synthetic.composite import synthetic_frame  # noqa: E402
from affectkeras.export import export_model, rest_request_body, serve_rest  # noqa: E402
from tests.export.test_serving_model import image_predictor, window_predictor  # noqa: E402

OUTPUTS = {"expression": 7, "action_units": 12, "valence_arousal": 2}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("rest")
    out = export_model(image_predictor(size=24), root / "model")
    frame, _ = synthetic_frame(np.random.default_rng(3), faces=1)
    path = root / "face.png"  # a real image file, as a client would send
    assert cv2.imwrite(str(path), cv2.cvtColor(frame[:90, :120], cv2.COLOR_RGB2BGR))
    return tf.saved_model.load(str(out)), path


def direct(model, images):
    outputs = model.signatures["serving_default"](image=tf.constant(images, tf.uint8))
    return {name: value.numpy() for name, value in outputs.items()}


def test_an_instances_request_from_an_image_file_answers_one_object_per_image(served):
    model, path = served
    body = rest_request_body([path, path])
    text = json.dumps(body)  # what goes over the wire
    assert json.loads(text)["instances"][0][0][0] == [int(v) for v in body["instances"][0][0][0]]
    image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert np.shape(body["instances"]) == (2, *image.shape)
    response = serve_rest(model, text)
    assert list(response) == ["predictions"] and len(response["predictions"]) == 2
    expected = direct(model, np.stack([image, image]))
    for prediction in response["predictions"]:
        assert set(prediction) == set(OUTPUTS)
        for name, width in OUTPUTS.items():
            value = np.asarray(prediction[name])
            assert value.shape == (width,) and value.dtype == np.float64  # JSON numbers
            np.testing.assert_allclose(value, expected[name][0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sum(response["predictions"][0]["expression"]), 1.0, rtol=1e-5)


def test_an_inputs_request_answers_one_column_per_output(served):
    model, path = served
    image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    body = rest_request_body(image, style="inputs", signature_name="serving_default")
    assert set(body) == {"signature_name", "inputs"} and list(body["inputs"]) == ["image"]
    response = serve_rest(model, body)
    assert set(response["outputs"]) == set(OUTPUTS)
    expected = direct(model, image[None])
    for name, width in OUTPUTS.items():
        assert np.shape(response["outputs"][name]) == (1, width)
        np.testing.assert_allclose(response["outputs"][name], expected[name], rtol=1e-6)
    bare = serve_rest(model, {"inputs": image[None].tolist()})  # one input: name may be left out
    np.testing.assert_allclose(bare["outputs"]["expression"], expected["expression"], rtol=1e-6)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"instances": []}, "non-empty list"),
        ({"inputs": {"img": [[[[0, 0, 0]]]]}}, r"unknown inputs \['img'\]"),
        ({"instances": [[[[0, 0, 0]]]], "inputs": [[[[0, 0, 0]]]]}, "exactly one of"),
        ({"instances": [[[[0, 0, 0]]], [[[0, 0, 0], [1, 1, 1]]]]}, "same shape"),
        ({"instances": [[[0, 0, 0]]]}, r"shape \(1, 1, 3\); the signature takes"),
        ({"signature_name": "predict", "instances": [[[[0, 0, 0]]]]}, "'predict' not found"),
    ],
)
def test_bodies_the_server_would_refuse_are_refused(served, body, message):
    with pytest.raises(ValueError, match=message):
        serve_rest(served[0], body)


def test_images_of_different_sizes_cannot_share_a_request():
    with pytest.raises(ValueError, match="one request batches images of one size"):
        rest_request_body([np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4, 3), np.uint8)])
    with pytest.raises(ValueError, match="uint8"):
        rest_request_body(np.zeros((1, 4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="not a readable image"):
        rest_request_body(["/nonexistent/face.png"])


@pytest.mark.slow
def test_window_models_take_objects_of_pixels_and_mask(tmp_path):
    out = export_model(window_predictor(size=16, window=3), tmp_path / "window")
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (2, 3, 20, 20, 3), dtype=np.uint8)
    mask = np.array([[False, True, True], [True, True, True]])
    body = rest_request_body({"pixels": pixels, "mask": mask})
    assert set(body["instances"][0]) == {"pixels", "mask"}
    assert body["instances"][0]["mask"] == [False, True, True]
    response = serve_rest(out, body)
    assert [set(p) for p in response["predictions"]] == [{"expression", "valence_arousal"}] * 2
    model = tf.saved_model.load(str(out))
    expected = model.signatures["serving_default"](pixels=tf.constant(pixels), mask=mask)
    np.testing.assert_allclose(
        [p["valence_arousal"] for p in response["predictions"]],
        expected["valence_arousal"].numpy(),
        rtol=1e-6,
    )
