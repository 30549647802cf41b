"""One check that a recipe's saved predictor exports to the SavedModel SPEC.md describes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from affectkeras.predictor import describe_inputs, load_predictor

CANONICAL = {"expression", "action_units", "valence_arousal", "compound"}


def assert_exports_as_served(model_path: Path, out: Path) -> dict:
    """Exports ``model_path`` and checks ``serving_default`` against the Keras predictor.

    The signature takes ``image`` uint8 [None, None, None, 3] (window predictors: ``pixels`` and
    ``mask``) and returns float32 canonical outputs equal to the Keras model's within 1e-5 on
    frames at the model's size, and outputs of the right batch on frames of another size.
    Recipe tests also run on the JAX backend with no TensorFlow installed, where there is
    nothing to export with: there this check returns ``{}`` (the TF run of the same test checks).
    """
    if importlib.util.find_spec("tensorflow") is None:
        return {}
    import tensorflow as tf

    from affectkeras.export import export_model

    predictor = load_predictor(model_path)
    inputs = describe_inputs(predictor)
    export_model(model_path, out)
    signature = tf.saved_model.load(str(out)).signatures["serving_default"]
    _, specs = signature.structured_input_signature
    rng = np.random.default_rng(5)
    if inputs.windowed:
        assert set(specs) == {"pixels", "mask"}
        assert specs["pixels"].dtype == tf.uint8 and specs["mask"].dtype == tf.bool
        assert specs["pixels"].shape.as_list() == [None, inputs.window, None, None, 3]
        pixels = rng.integers(0, 256, (2, inputs.window, *inputs.size, 3), dtype=np.uint8)
        mask = np.ones((2, inputs.window), bool)
        mask[0, 0] = False
        feed, keras_feed = {"pixels": pixels, "mask": mask}, {"pixels": pixels, "mask": mask}
    else:
        assert set(specs) == {"image"}
        assert specs["image"].dtype == tf.uint8
        assert specs["image"].shape.as_list() == [None, None, None, 3]
        image = rng.integers(0, 256, (2, *inputs.size, 3), dtype=np.uint8)
        feed, keras_feed = {"image": image}, image
    served = {name: value.numpy() for name, value in signature(**feed).items()}
    expected = predictor.predict(keras_feed, verbose=0)
    assert served and set(served) <= CANONICAL, sorted(served)
    for name, value in served.items():
        assert value.dtype == np.float32, name
        np.testing.assert_allclose(value, expected[name], rtol=0, atol=1e-5, err_msg=name)
    if not inputs.windowed:
        larger = rng.integers(0, 256, (3, inputs.height + 21, inputs.width + 5, 3), dtype=np.uint8)
        for name, value in signature(image=tf.constant(larger)).items():
            assert value.shape == (3, expected[name].shape[1]), name
    return served
