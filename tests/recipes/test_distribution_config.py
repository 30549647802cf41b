"""The ``distribution`` and ``mixed_precision`` keys: values, refusals, and older config.yaml."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import yaml

from affectkeras.recipes.engine.config import TrainConfig, config_defaults, load_config
from affectkeras.recipes.engine.distribution import Placement, placement, process_slice
from affectkeras.recipes.engine.run_dir import RunDir

pytestmark = pytest.mark.jax


@pytest.mark.parametrize(
    ("value", "policy"),
    [("false", None), ("true", "mixed_float16"), ("float16", "mixed_float16"),
     ("bfloat16", "mixed_bfloat16")],
)  # fmt: skip
def test_mixed_precision_names_its_policy(value, policy):
    assert TrainConfig(mixed_precision=value).dtype_policy == policy


def test_a_config_yaml_of_the_boolean_mixed_precision_loads_and_resumes(tmp_path):
    run = RunDir(tmp_path)
    old = {**TrainConfig().to_dict(), "mixed_precision": True}
    del old["distribution"], old["replicas"]  # written before these keys existed
    run.config.write_text(yaml.safe_dump(old))
    run.history.write_text("epoch,loss\n0,1.0\n")  # a started run
    config = load_config(TrainConfig, run.config)
    assert config.mixed_precision == "float16"
    run.check_config(config.to_dict(), config_defaults(TrainConfig))  # same run: accepted
    config.replicas = 4  # resumed on other devices: accepted (the global batch is the same)
    run.check_config(config.to_dict(), config_defaults(TrainConfig))
    with pytest.raises(ValueError, match=r"mixed_precision: 'float16' -> 'bfloat16'"):
        run.check_config({**config.to_dict(), "mixed_precision": "bfloat16"})


def test_a_strategy_of_another_backend_is_refused_in_one_line(monkeypatch):
    for name in ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES"):
        monkeypatch.delenv(name, raising=False)
    if keras.backend.backend() == "tensorflow":
        refused = {
            "data_parallel": "runs on the JAX backend",
            "multi_worker": r"keras-team/keras#20585\); run with KERAS_BACKEND=jax",
        }
    else:
        refused = {
            "mirrored": "TensorFlow's MirroredStrategy; on the jax backend",
            "multi_worker": "needs KERAS_DISTRIBUTION_JOB_ADDRESSES",
        }
    for name, message in refused.items():
        with pytest.raises(ValueError, match=message) as error:
            placement(TrainConfig(distribution=name))
        assert "\n" not in str(error.value)


def test_replicas_given_must_match_the_devices_found():
    assert placement(TrainConfig()).replicas == 1
    with pytest.raises(ValueError, match="replicas=3, but distribution=none found 1"):
        placement(TrainConfig(replicas=3))


def test_each_process_feeds_its_own_slice_of_the_global_batch():
    x = np.arange(8 * 3).reshape(8, 3)
    batch = (x, {"expression": np.arange(8)}, {"expression": np.ones(8)})
    parts = [process_slice(batch, Placement("multi_worker", 2, 2, rank)) for rank in (0, 1)]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), x)  # each row once
    np.testing.assert_array_equal(parts[1][1]["expression"], [4, 5, 6, 7])
    with pytest.raises(ValueError, match="batch_size=6 does not split over the 4 replicas"):
        Placement("data_parallel", 4).check_batch(6)


def test_tf_data_batches_are_sliced_and_masks_made_numeric_for_mirrored():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.data runs on the TensorFlow backend here")
    import tensorflow as tf

    from affectkeras.recipes.engine.distribution import shard_tf_dataset

    x = {"frames": np.arange(8 * 2).reshape(8, 2), "mask": np.arange(8 * 2).reshape(8, 2) % 3 > 0}
    batches = tf.data.Dataset.from_tensors((x, {"e": np.arange(8)}))
    ((second, y),) = shard_tf_dataset(
        batches, Placement("multi_worker", 2, 2, 1)
    ).as_numpy_iterator()
    np.testing.assert_array_equal(second["frames"], x["frames"][4:])
    np.testing.assert_array_equal(y["e"], [4, 5, 6, 7])
    ((mirrored, _),) = shard_tf_dataset(batches, Placement("mirrored", 2)).as_numpy_iterator()
    assert mirrored["mask"].dtype == np.uint8
    np.testing.assert_array_equal(mirrored["mask"], x["mask"])
    assert process_slice(x, Placement("mirrored", 2))["mask"].dtype == np.uint8
