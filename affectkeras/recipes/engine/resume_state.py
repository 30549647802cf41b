"""The training state a killed run resumes from: ``RUN_DIR/backup/state.npz``.

One file holds everything a rerun needs: the number of epochs finished, the model's weights
(trainable and not) and the optimiser's variables, as a NumPy ``.npz`` archive. It replaces
Keras' ``BackupAndRestore`` (two files, ``latest.weights.h5`` then ``training_metadata.json``,
written in place through h5py), whose files a kill mid-write left truncated or out of step with
each other, and whose h5py writer could crash the process on a full disk. Here:

- the state is serialised in memory, written to a temporary name, ``fsync``\\ ed and renamed
  (``safe_files.write_atomically``): a kill at any instant leaves the previous state or the
  new one; a full disk is one ``WriteError`` naming the file, the temporary file removed;
- :func:`load_state` reads and checks the whole file before anything in RUN_DIR changes; a
  state that does not load (damaged, or a backup of an earlier affectkeras) is moved aside to
  ``backup.unreadable-N/`` with ``history.csv`` and the run restarts at epoch 1, saying so
  (never a crash loop);
- the state is kept after the last epoch and removed only once ``metrics.json`` is written, so
  a run killed between the two completes its final files on the rerun without retraining;
- under a multi-process ``distribution`` the chief alone writes it (and ``history.csv`` and
  ``model.keras``: :func:`run_writers`); every process restores it (:func:`load_shared_state`).
"""

from __future__ import annotations

import io
import logging
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from affectkeras.recipes.engine.callbacks import BestCheckpoint
from affectkeras.recipes.engine.distribution import single_device
from affectkeras.safe_files import kill_point, write_atomically

logger = logging.getLogger("affectkeras.recipes")

STATE_FILE = "state.npz"


@dataclass
class TrainingState:
    """What a rerun restores: ``epoch`` epochs finished, the model's and optimiser's values."""

    epoch: int
    weights: list[np.ndarray]
    optimizer: list[np.ndarray]


def state_path(backup: str | Path) -> Path:
    return Path(backup) / STATE_FILE


def load_state(backup: str | Path, history: str | Path | None = None) -> TrainingState | None:
    """The training state in folder ``backup``, or None (fresh run, or a state set aside).

    A state that does not load is moved aside (with ``history``, whose epochs will be trained
    again) and logged with its path; the caller starts at epoch 0.
    """
    backup = Path(backup)
    if not backup.exists():
        return None
    path = state_path(backup)
    try:
        if not path.is_file():
            found = sorted(p.name for p in backup.iterdir() if not p.name.startswith("."))
            if not found:
                return None
            raise ValueError(f"no {STATE_FILE} (found {', '.join(found)}: an older format)")
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as archive:
            count_w, count_o = int(archive["n_weights"]), int(archive["n_optimizer"])
            return TrainingState(
                int(archive["epoch"]),
                [archive[f"w{i}"] for i in range(count_w)],
                [archive[f"o{i}"] for i in range(count_o)],
            )
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        aside = set_aside(backup, history)
        logger.warning(
            "%s: the training state does not load (%s); moved it to %s and starting again at "
            "epoch 1",
            path,
            str(error).splitlines()[0] if str(error) else type(error).__name__,
            aside,
        )
        return None


def load_shared_state(
    backup: str | Path, history: str | Path, chief: bool, barrier: Callable[[str], None]
) -> TrainingState | None:
    """``load_state`` by the chief first (which may set a bad state aside), then, once it has,
    by the other processes of the job (reading only)."""
    state = load_state(backup, history) if chief else None
    barrier("affectkeras-state")
    if not chief and state_path(backup).is_file():
        state = load_state(backup)
    return state


def run_writers(
    run,
    predictor: keras.Model,
    state: TrainingState | None,
    first_epoch: int,
    chief: bool = True,
    final: bool = False,
) -> list[keras.callbacks.Callback]:
    """The callbacks that write RUN_DIR: ``BestCheckpoint`` (``model.keras``) and
    ``ResumeState`` driving the ``history.csv`` logger; on a process other than the chief, a
    ``ResumeState`` that restores the state and writes nothing.

    Args:
        run: the ``RunDir``.
        predictor: the model saved as ``model.keras``.
        state: what :func:`load_state` returned; ``first_epoch`` its epoch (0: fresh run).
        chief: this process writes RUN_DIR.
        final: ``model.keras`` is the last epoch's (``model_selection=final``), not the best.
    """
    if not chief:
        return [ResumeState(run.backup, state, writes=False)]
    checkpoint = BestCheckpoint(predictor, run.model, final=final)

    def restored():  # history rows written after the state (a kill): only once restored
        run.truncate_history(first_epoch)
        checkpoint.best = run.best_score()

    history = keras.callbacks.CSVLogger(str(run.history), append=True)
    return [checkpoint, ResumeState(run.backup, state, history, on_restored=restored)]


def set_aside(backup: Path, history: str | Path | None) -> Path:
    """Moves ``backup`` (and ``history``) to ``backup.unreadable-N`` beside it."""
    number = 1
    while (aside := backup.with_name(f"{backup.name}.unreadable-{number}")).exists():
        number += 1
    backup.rename(aside)
    if history is not None and Path(history).is_file():
        shutil.move(str(history), aside / Path(history).name)
    return aside


def optimizer_variables(model: keras.Model) -> list:
    optimizer = model.optimizer
    if optimizer is None:
        return []
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return list(optimizer.variables)


class ResumeState(keras.callbacks.Callback):
    """Restores ``state`` when ``fit`` begins and writes the state after every epoch.

    The history logger (a ``CSVLogger``) is driven from here so that the order is fixed: at
    train begin, restore, then ``on_restored`` (which drops ``history.csv`` rows of epochs the
    state does not hold: only once the restore worked), then the logger opens the file; at each
    epoch end, the logger writes its row, then the state is written. A kill between the two
    leaves a row the next run drops and trains again; never an epoch the state holds without
    its row.

    Args:
        backup: the state's folder (``RUN_DIR/backup``).
        state: what :func:`load_state` returned (None: a fresh run).
        history_logger: the callback writing ``history.csv``.
        on_restored: called once the state is restored.
        writes: False: restore only (a process other than the chief).
    """

    def __init__(
        self,
        backup: str | Path,
        state: TrainingState | None,
        history_logger: keras.callbacks.Callback | None = None,
        on_restored=None,
        writes: bool = True,
    ):
        super().__init__()
        self.writes = writes
        self.backup = Path(backup)
        self.state = state
        self.history_logger = history_logger
        self.on_restored = on_restored
        self._epoch = 0

    def set_model(self, model):
        super().set_model(model)
        if self.history_logger is not None:
            self.history_logger.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        if self.history_logger is not None:
            self.history_logger.set_params(params)

    def on_train_begin(self, logs=None):
        if self.state is not None:
            _assign(self.model.weights, self.state.weights, state_path(self.backup))
            _assign(optimizer_variables(self.model), self.state.optimizer, self.backup)
            self.state = None  # free the arrays
        if self.on_restored is not None:
            self.on_restored()
        if self.history_logger is not None:
            self.history_logger.on_train_begin(logs)

    def on_train_end(self, logs=None):
        if self.history_logger is not None:
            self.history_logger.on_train_end(logs)

    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            kill_point("batch", self._epoch + 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.history_logger is not None:
            self.history_logger.on_epoch_end(epoch, logs)
        if self.writes:
            with single_device():
                save_state(self.model, self.backup, epoch + 1)


def save_state(model: keras.Model, backup: str | Path, epoch: int) -> None:
    """Writes ``epoch`` and ``model``'s values to ``backup/state.npz`` (atomic, fsync'ed)."""
    weights = [keras.ops.convert_to_numpy(v) for v in model.weights]
    optimizer = [keras.ops.convert_to_numpy(v) for v in optimizer_variables(model)]
    arrays = {f"w{i}": value for i, value in enumerate(weights)}
    arrays.update({f"o{i}": value for i, value in enumerate(optimizer)})
    buffer = io.BytesIO()
    np.savez(
        buffer,
        epoch=np.int64(epoch),
        n_weights=np.int64(len(weights)),
        n_optimizer=np.int64(len(optimizer)),
        **arrays,
    )
    backup = Path(backup)
    backup.mkdir(parents=True, exist_ok=True)
    write_atomically(
        state_path(backup),
        buffer.getvalue(),
        durable=True,
        halfway=lambda: kill_point("backup", epoch),
    )


def _assign(variables: list, values: list[np.ndarray], source: Path) -> None:
    if len(variables) != len(values) or any(
        tuple(v.shape) != tuple(a.shape) for v, a in zip(variables, values, strict=False)
    ):
        raise ValueError(
            f"{source}: the saved training state does not fit this model (another backbone or "
            "task set?); move the folder away to start again"
        )
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)
