"""Trains a tiny recipe on one device and under a distribution, in this process, and prints the
first steps' losses of both as JSON (tests/recipes/test_distribution.py runs it as a subprocess,
because devices are set before the backend starts)::

    python -m tests.helpers.distributed_run DATA OUT DISTRIBUTION [KEY=VALUE ...]

On TensorFlow it splits the CPU into 2 logical devices first; on JAX the caller sets
``XLA_FLAGS=--xla_force_host_platform_device_count=2``. With ``DISTRIBUTION=none`` only the
single-device run is made (the multi-process test compares its CLI runs with it).
"""

from __future__ import annotations

import json
import sys

import keras


class StepLosses(keras.callbacks.Callback):
    """Records the running training loss Keras reports after every step of the first epoch."""

    def __init__(self):
        super().__init__()
        self.losses: list[float] = []
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 0:
            self.losses.append(float(logs["loss"]))


def run(data: str, out: str, distribution: str, overrides: list[str]) -> dict:
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
    from affectkeras import recipes

    recipe, *overrides = overrides
    report = {}
    runs = [("single", "none")] + ([("distributed", distribution)] * (distribution != "none"))
    for name, value in runs:
        losses = StepLosses()
        settings = [*overrides, f"distribution={value}"]
        folder = f"{out}/{name}"
        result = recipes.train(recipe, data, folder, overrides=settings, callbacks=[losses])
        report[name] = {"losses": losses.losses, "replicas": result.config.replicas}
    return report


if __name__ == "__main__":
    data, out, distribution, *rest = sys.argv[1:]
    print("REPORT " + json.dumps(run(data, out, distribution, rest)))
