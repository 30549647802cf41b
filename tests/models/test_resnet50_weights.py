"""ResNet50 weights from local Keras 2 .h5 files: keras-vggface and keras.applications."""

from __future__ import annotations

import h5py
import keras
import numpy as np
import pytest

from affectkeras.models import get_backbone
from affectkeras.models.backbones.resnet50_weights import read_keras2_h5, source_layer_name
from tests.helpers.keras2_h5 import (
    model_layers,
    randomize_batchnorm,
    vggface2_preprocess,
    vggface_resnet50,
    write_keras2_h5,
)

pytestmark = [pytest.mark.jax, pytest.mark.slow]

SHAPE = (112, 112, 3)


def pixels(batch=2, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (batch, *SHAPE)).astype("uint8")


@pytest.fixture(scope="module")
def vggface():
    """A randomly initialised keras-vggface ResNet50 and its weights in a Keras 2 .h5 file."""
    model = vggface_resnet50(SHAPE)
    randomize_batchnorm(model)
    return model


def relative_error(actual, expected):
    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


@pytest.mark.parametrize("whole_model", [True, False], ids=["model_weights", "save_weights"])
def test_vggface2_weights_reproduce_keras_vggface_features(vggface, tmp_path, whole_model):
    path = write_keras2_h5(tmp_path / "vggface.h5", model_layers(vggface), whole_model)
    backbone = get_backbone("resnet50", input_shape=SHAPE, weights=path)
    assert backbone.variant == "vggface2" and backbone.normalization == "vggface2"
    x = pixels()
    expected = keras.ops.convert_to_numpy(vggface(vggface2_preprocess(x)))
    actual = keras.ops.convert_to_numpy(backbone(x))
    assert actual.shape == (2, 2048)
    assert relative_error(actual, expected) < 1e-4


def test_the_file_really_has_keras_vggface_names(vggface, tmp_path):
    path = write_keras2_h5(tmp_path / "vggface.h5", model_layers(vggface))
    with h5py.File(path) as handle:
        assert "model_weights/conv1/7x7_s2/conv1/7x7_s2/kernel:0" in handle
        assert "model_weights/conv2_1_1x1_reduce/bn/conv2_1_1x1_reduce/bn/moving_variance:0" in (
            handle
        )
    weights = read_keras2_h5(path)
    assert set(weights["conv1/7x7_s2"]) == {"kernel"}
    assert set(weights["conv5_3_1x1_increase/bn"]) == {
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
    }
    assert source_layer_name("conv3_block1_0_conv", "vggface2") == "conv3_1_1x1_proj"
    assert len(weights) == 2 * (1 + 16 * 3 + 4)  # (stem + 16 blocks x 3 + 4 projections) x conv/bn


def test_vggface2_stem_differs_from_the_imagenet_stem():
    # Same weight shapes, different feature maps: 27x27 after the unpadded pool, 28x28 padded.
    shapes = {}
    for variant in ("vggface2", "imagenet"):
        backbone = get_backbone("resnet50", input_shape=SHAPE, variant=variant)
        shapes[variant] = backbone.get_layer("pool1_pool").output.shape[1:3]
    assert shapes == {"vggface2": (27, 27), "imagenet": (28, 28)}


def test_vggface2_weights_refuse_the_imagenet_variant(vggface, tmp_path):
    path = write_keras2_h5(tmp_path / "vggface.h5", model_layers(vggface))
    with pytest.raises(ValueError, match="are vggface2 weights but the backbone is the 'imagenet'"):
        get_backbone("resnet50", input_shape=SHAPE, weights=path, variant="imagenet")


def test_a_wrong_shape_fails_clearly_and_loads_nothing(vggface, tmp_path):
    layers = model_layers(vggface)
    for index, (name, _) in enumerate(layers):
        if name == "conv3_2_3x3":
            layers[index] = (name, [("kernel", np.zeros((3, 3, 128, 64), "float32"))])
    path = write_keras2_h5(tmp_path / "bad.h5", layers)
    with pytest.raises(ValueError, match=r"conv3_2_3x3/kernel has shape \(3, 3, 128, 64\)"):
        get_backbone("resnet50", input_shape=SHAPE, weights=path)


def test_a_missing_or_extra_layer_fails_clearly(vggface, tmp_path):
    layers = [(n, w) for n, w in model_layers(vggface) if n != "conv4_3_1x1_reduce/bn"]
    path = write_keras2_h5(tmp_path / "missing.h5", layers)
    with pytest.raises(ValueError, match=r"'conv4_3_1x1_reduce/bn' .* is missing"):
        get_backbone("resnet50", input_shape=SHAPE, weights=path)
    top = [*model_layers(vggface), ("classifier", [("kernel", np.zeros((2048, 8631)))])]
    path = write_keras2_h5(tmp_path / "top.h5", top)
    with pytest.raises(ValueError, match=r"\['classifier'\] have no place in a no-top"):
        get_backbone("resnet50", input_shape=SHAPE, weights=path)


def test_unknown_files_fail_clearly(tmp_path):
    path = write_keras2_h5(tmp_path / "other.h5", [("dense", [("kernel", np.zeros((2, 2)))])])
    with pytest.raises(ValueError, match=r"neither keras\.applications' layer names"):
        get_backbone("resnet50", weights=path)
    not_h5 = tmp_path / "weights.h5"
    not_h5.write_text("not hdf5")
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        get_backbone("resnet50", weights=not_h5)


def test_imagenet_weights_reproduce_keras_applications(tmp_path):
    reference = keras.applications.ResNet50(
        weights=None, include_top=False, input_shape=SHAPE, pooling="avg"
    )
    randomize_batchnorm(reference, seed=1)
    path = write_keras2_h5(tmp_path / "imagenet.h5", model_layers(reference), whole_model=False)
    backbone = get_backbone("resnet50", input_shape=SHAPE, weights=path)
    assert backbone.variant == "imagenet" and backbone.normalization == "caffe"
    x = pixels(seed=1)
    caffe = keras.applications.resnet50.preprocess_input(x.astype("float32"))
    expected = keras.ops.convert_to_numpy(reference(caffe))
    actual = keras.ops.convert_to_numpy(backbone(x))
    assert relative_error(actual, expected) < 1e-4
