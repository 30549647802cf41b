"""Training on several devices and processes with Keras' own engines (``distribution=``).

``distribution`` (a config key) chooses where ``model.fit`` runs:

- ``none``: one device, as Keras places it;
- ``mirrored``: TensorFlow's ``tf.distribute.MirroredStrategy`` over the local GPUs (the local
  CPU devices when there is no GPU); TensorFlow backend only;
- ``data_parallel``: Keras' ``keras.distribution.DataParallel`` over the local devices; JAX
  backend only;
- ``multi_worker``: one process per host (or per device group), started by the user with the
  ``KERAS_DISTRIBUTION_JOB_ADDRESSES``, ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and
  ``KERAS_DISTRIBUTION_PROCESS_ID`` variables; on JAX ``keras.distribution.initialize`` joins
  them and ``DataParallel`` spans every process's devices. On TensorFlow,
  ``MultiWorkerMirroredStrategy`` fails inside Keras 3's ``model.fit`` (keras-team/keras#20585,
  "Attempt to convert a value (PerReplica...)"; tried with TensorFlow 2.21 and Keras 3.15), so
  it is refused with one line pointing at the JAX route.

What stays the same under every strategy: ``batch_size`` is the global batch (each step's
samples are the ones a single-device run takes, split between the replicas; the learning rate
is not rescaled), the model is built and compiled inside :meth:`Placement.scope` so that its,
the optimiser's and the metrics' variables are replicated (Keras reduces the metrics across
replicas), and every process seeds the same weights. With several processes, each feeds its own
contiguous slice of every global batch (:func:`process_slice`; never a sample twice), the chief
(process 0) alone takes RUN_DIR's lock and writes there; the others read the training state
from RUN_DIR when they resume (RUN_DIR must be on a file system every process sees) and meet
the chief at :meth:`Placement.barrier` points.

What differs: DataParallel runs the one-device program over the sharded global batch (batch
norm and the losses' masked means see the whole batch: the same losses up to float summation
order), where MirroredStrategy computes each replica's losses and batch norm statistics over its
share and averages the gradients (docs/training.md, *Several devices and machines*).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from affectkeras.recipes.engine.config import TrainConfig
from affectkeras.recipes.engine.run_lock import hold_run_lock

logger = logging.getLogger("affectkeras.recipes")

JOB_VARIABLES = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
)
TF_MULTI_WORKER_REFUSAL = (
    "distribution=multi_worker on the TensorFlow backend: Keras 3's model.fit fails under "
    "MultiWorkerMirroredStrategy (keras-team/keras#20585); run with KERAS_BACKEND=jax and the "
    "KERAS_DISTRIBUTION_* variables (docs/training.md), or use distribution=mirrored on one host"
)

_STRATEGIES: dict[tuple[str, ...], Any] = {}
"""The MirroredStrategy of each device set, made once per process."""


@dataclass
class Placement:
    """Where a run trains: the strategy's scope, its replicas and this process's part.

    Attributes:
        name: the ``distribution`` value.
        replicas: devices that hold a model replica (across every process).
        processes: processes of the job; ``process_id`` is this one's (0: the chief).
        enter: makes the scope the model is built, compiled and fitted in.
    """

    name: str = "none"
    replicas: int = 1
    processes: int = 1
    process_id: int = 0
    enter: Callable[[], Any] = field(default=contextlib.nullcontext, repr=False)

    @property
    def is_chief(self) -> bool:
        """This process writes RUN_DIR (process 0)."""
        return self.process_id == 0

    @property
    def drop_remainder(self) -> bool:
        """Keras' DataParallel needs every batch to split evenly over the devices: an epoch's
        last partial batch is dropped (the sampler's next epoch reshuffles)."""
        return self.name in ("data_parallel", "multi_worker")

    def scope(self) -> contextlib.AbstractContextManager:
        """The strategy's scope (variables made in it are replicated)."""
        return self.enter()

    def run_lock(self, run_path: str | Path) -> contextlib.AbstractContextManager:
        """RUN_DIR's lock for the chief; nothing for the other processes."""
        return hold_run_lock(run_path) if self.is_chief else contextlib.nullcontext()

    def barrier(self, name: str) -> None:
        """Waits until every process of the job got here (one process: returns)."""
        if self.processes > 1:
            from jax.experimental import multihost_utils

            multihost_utils.sync_global_devices(name)

    def check_batch(self, batch_size: int) -> None:
        """``batch_size`` (the global batch) splits evenly over the replicas."""
        if self.drop_remainder and batch_size % self.replicas:
            raise ValueError(
                f"batch_size={batch_size} does not split over the {self.replicas} replicas of "
                f"distribution={self.name}: give a multiple of {self.replicas}"
            )

    def describe(self) -> str:
        text = f"distribution={self.name}, {self.replicas} replica(s)"
        if self.processes > 1:
            text += f", process {self.process_id} of {self.processes}"
        return text


def placement(config: TrainConfig) -> Placement:
    """The :class:`Placement` of ``config.distribution`` on this backend and these devices;
    ``config.replicas`` is set to its replicas.

    Raises:
        ValueError: the strategy does not exist on this backend, the job variables are missing,
            or ``replicas`` was given and differs from the devices found.
    """
    name = config.distribution
    backend = keras.backend.backend()
    if name == "none":
        found = Placement()
    elif name == "mirrored":
        found = _mirrored(backend)
    elif name == "data_parallel":
        found = _data_parallel(backend, multi_process=False)
    else:
        if backend == "tensorflow":
            raise ValueError(TF_MULTI_WORKER_REFUSAL)
        found = _data_parallel(backend, multi_process=True)
    if config.replicas is not None and config.replicas != found.replicas:
        raise ValueError(
            f"replicas={config.replicas}, but distribution={name} found {found.replicas} "
            "device(s) here; remove the key (the run records it) or fix the device setup"
        )
    config.replicas = found.replicas  # config.yaml records it
    return found


def _mirrored(backend: str) -> Placement:
    if backend != "tensorflow":
        raise ValueError(
            f"distribution=mirrored is TensorFlow's MirroredStrategy; on the {backend} backend "
            "use distribution=data_parallel"
        )
    import tensorflow as tf

    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    names = tuple(device.name for device in devices)
    if names not in _STRATEGIES:  # one per process: a second one's collectives clash with the
        _STRATEGIES[names] = tf.distribute.MirroredStrategy(list(names))  # first's (stages)
    strategy = _STRATEGIES[names]
    return Placement("mirrored", strategy.num_replicas_in_sync, enter=strategy.scope)


def _data_parallel(backend: str, multi_process: bool) -> Placement:
    name = "multi_worker" if multi_process else "data_parallel"
    if backend != "jax":
        raise ValueError(
            f"distribution={name} is Keras' DataParallel, which runs on the JAX backend "
            f"(KERAS_BACKEND=jax); on {backend} use distribution=mirrored"
        )
    import jax

    processes, process_id = 1, 0
    if multi_process:
        processes, process_id = _join_job(jax)
    devices = keras.distribution.list_devices()
    distribution = keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)
    return Placement(name, len(devices), processes, process_id, enter=distribution.scope)


def _join_job(jax: Any) -> tuple[int, int]:
    """Joins the processes named by the ``KERAS_DISTRIBUTION_*`` variables (once per process)."""
    missing = [name for name in JOB_VARIABLES if not os.environ.get(name)]
    if missing:
        raise ValueError(
            f"distribution=multi_worker needs {', '.join(missing)} in the environment of every "
            "process (docs/training.md, 'A cluster')"
        )
    if not jax.distributed.is_initialized():
        with contextlib.suppress(AttributeError, KeyError, ValueError):
            # CPU hosts exchange gradients through gloo (jax's CPU collectives)
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        keras.distribution.initialize()
        logger.info("joined the job as process %d of %d", jax.process_index(), jax.process_count())
    return jax.process_count(), jax.process_index()


@contextlib.contextmanager
def single_device() -> Iterator[None]:
    """Outside any Keras distribution (JAX): the chief saves or scores alone in here, without
    the collective placement a distributed variable would ask of every process."""
    if keras.backend.backend() != "jax":
        yield
        return
    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(previous)


def process_slice(batch: Any, place: Placement) -> Any:
    """This process's contiguous share of a global batch (every array cut along axis 0).

    Under ``mirrored`` a boolean array (a window feed's ``mask``) comes as uint8: Keras
    averages the first batch over the replicas to build the model (``AddN``, which has no
    boolean kernel); the model's boolean input casts it back.
    """
    processes, rank = place.processes, place.process_id

    def cut(array: Any) -> Any:
        if place.name == "mirrored" and array.dtype == bool:
            array = array.astype("uint8") if hasattr(array, "astype") else _uint8(array)
        if processes == 1:
            return array
        share = array.shape[0] // processes
        return array[rank * share : (rank + 1) * share]

    return keras.tree.map_structure(cut, batch)


def _uint8(tensor: Any) -> Any:
    import tensorflow as tf

    return tf.cast(tensor, tf.uint8)


def needs_shards(place: Placement) -> bool:
    """Batches go through :func:`process_slice` (several processes, or ``mirrored``)."""
    return place.processes > 1 or place.name == "mirrored"


class ProcessShard(keras.utils.PyDataset):
    """A ``FeedDataset`` whose every global batch is cut to this process's slice
    (:func:`process_slice`)."""

    def __init__(self, dataset: Any, place: Placement):
        super().__init__()
        self.dataset = dataset
        self.place = place

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        return process_slice(self.dataset[index], self.place)

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()

    def __getattr__(self, name: str) -> Any:  # skips, feed, batch_size of the wrapped one
        if name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)


def shard_tf_dataset(dataset: Any, place: Placement) -> Any:
    """A tf.data stream of global batches cut to this process's slice (:func:`process_slice`)."""
    if not needs_shards(place):
        return dataset
    return dataset.map(lambda *batch: process_slice(batch, place))


def seed_everything(seed: int) -> None:
    """Seeds Python, NumPy and the backend (every process alike: the replicas start from the
    same weights); deterministic TF ops on the TensorFlow backend."""
    keras.utils.set_random_seed(int(seed))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
