"""A killed, crowded or full run never costs work: the lock, the resume state, safe writes.

The end-to-end kills (SIGKILL of a real ``train`` at chosen points, a tmpfs that fills up, two
runs into one folder) are the slow tier's tests/recipes/test_faults.py; these pin the same
behaviour in-process, deterministically (a full disk is an ``OSError(ENOSPC)`` raised mid-write).
"""

from __future__ import annotations

import errno
import json
import logging
import os
from pathlib import Path

import keras
import numpy as np
import pytest

from affectkeras.cli.main import main
from affectkeras.recipes.engine.callbacks import save_atomically
from affectkeras.recipes.engine.resume_state import ResumeState, load_state
from affectkeras.recipes.engine.run_dir import RunDir
from affectkeras.recipes.engine.run_lock import RunLocked, hold_run_lock
from affectkeras.safe_files import WriteError, write_atomically

pytestmark = pytest.mark.jax

NO_SPACE = OSError(errno.ENOSPC, "No space left on device")


def test_a_second_run_into_a_locked_folder_is_refused_before_reading_data(tmp_path, capsys):
    out = tmp_path / "run"
    with hold_run_lock(out):
        with (
            pytest.raises(RunLocked, match=rf"pid {os.getpid()} on .*, since 20"),
            hold_run_lock(out),
        ):
            pass
        # the data spec does not exist: reading it would be another error; the lock comes first
        argv = ["train", "--recipe", "single_task", "--data", "affwild2:/nowhere", "--out"]
        assert main([*argv, str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and f"pid {os.getpid()}" in error, error
    assert "another run is writing here" in error and "/nowhere" not in error
    with hold_run_lock(out):  # released when the block ended
        pass


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_message(tmp_path, caplog):
    out = tmp_path / "run"
    out.mkdir()
    dead = {"pid": 999_999_999, "host": "elsewhere", "started": 1.7e9}
    (out / ".lock").write_text(json.dumps(dead))  # the file stays, the kernel lock died
    with caplog.at_level(logging.WARNING, "affectkeras"), hold_run_lock(out) as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert "taking over the lock" in caplog.text and "pid 999999999 on elsewhere" in caplog.text
    assert (out / ".lock").read_text() == ""  # released: no holder named


def test_a_full_disk_mid_write_keeps_the_old_file_removes_the_temporary_and_names_the_path(
    tmp_path,
):
    path = tmp_path / "metrics.json"
    path.write_text("old")

    def disk_full():
        raise NO_SPACE

    with pytest.raises(WriteError) as raised:
        write_atomically(path, "new" * 1000, halfway=disk_full)
    message = str(raised.value)
    assert message.startswith(f"{path}: cannot write it (no space left on device)")
    assert raised.value.errno == errno.ENOSPC and "\n" not in message
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_model_save_failing_inside_h5py_is_one_error_naming_model_keras(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = tmp_path / "model.keras"

    def full_save(self, filepath, **kwargs):  # writes part of the file, then h5py's complaint
        Path(filepath).write_bytes(b"PK" * 100)
        raise RuntimeError("Can't synchronously write data (errno = 28, 'No space left on device')")

    monkeypatch.setattr(keras.Model, "save", full_save)
    with pytest.raises(WriteError, match=rf"^{path}: cannot write it \(no space left"):
        save_atomically(model, path)
    assert list(tmp_path.iterdir()) == []


def _fitted(seed: int, epochs: int, backup, state=None, initial_epoch=0, history=None):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    logger = keras.callbacks.CSVLogger(str(history), append=True) if history else None
    callback = ResumeState(backup, state, logger)
    model.fit(x, x[:, :1], epochs=epochs, initial_epoch=initial_epoch, batch_size=8, verbose=0,
              shuffle=False, callbacks=[callback])  # fmt: skip
    return model


def test_the_resume_state_restores_weights_and_optimiser_exactly(tmp_path):
    backup, history = tmp_path / "backup", tmp_path / "history.csv"
    whole = _fitted(0, 3, tmp_path / "whole", history=tmp_path / "whole.csv")
    first = _fitted(0, 2, backup, history=history)
    state = load_state(backup)
    assert state.epoch == 2 and RunDir(tmp_path).initial_epoch() == 2
    np.testing.assert_array_equal(state.weights[0], first.weights[0].numpy())
    resumed = _fitted(1, 3, backup, state, initial_epoch=2, history=history)  # other seed
    for a, b in zip(whole.weights, resumed.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert [line.split(",")[0] for line in history.read_text().splitlines()] == [
        "epoch", "0", "1", "2"
    ]  # fmt: skip
    assert sorted(p.name for p in backup.iterdir()) == ["state.npz"]  # no temporary left


@pytest.mark.parametrize("damage", ["truncated", "older_format"])
def test_a_state_that_does_not_load_is_set_aside_with_the_history_never_a_crash_loop(
    tmp_path, caplog, damage
):
    run = RunDir(tmp_path)
    run.backup.mkdir()
    run.history.write_text("epoch,loss\n0,1.0\n1,0.9\n")
    if damage == "truncated":
        _fitted(0, 1, run.backup)
        run.state.write_bytes(run.state.read_bytes()[:96])
    else:  # Keras' BackupAndRestore files, before this format
        (run.backup / "latest.weights.h5").write_bytes(b"\x89HDF")
    with caplog.at_level(logging.WARNING, "affectkeras"):
        assert load_state(run.backup, run.history) is None
    aside = tmp_path / "backup.unreadable-1"
    assert f"{run.state}: the training state does not load" in caplog.text
    assert f"moved it to {aside} and starting again at epoch 1" in caplog.text
    assert not run.backup.exists() and not run.history.exists()
    assert (aside / "history.csv").read_text().count("\n") == 3  # kept, not cut
    assert load_state(run.backup, run.history) is None and run.initial_epoch() == 0


def test_leftovers_of_a_killed_run_are_removed_and_nothing_else(tmp_path):
    run = RunDir(tmp_path)
    keep = [run.model, run.history, tmp_path / ".lock", run.state]
    stale = [tmp_path / ".model.tmp123.keras", tmp_path / ".metrics.json.tmp9"]
    stale.append(run.backup / ".state.npz.tmp7")
    run.backup.mkdir()
    for path in keep + stale:
        path.write_text("x")
    assert sorted(run.remove_leftovers()) == sorted(stale)
    assert all(path.exists() for path in keep)


def test_model_selection_final_keeps_the_last_epoch_whatever_it_scores(tmp_path):
    import keras

    from affectkeras.recipes.engine.callbacks import BestCheckpoint

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    saved = {}
    for final in (False, True):
        path = tmp_path / f"{final}.keras"
        checkpoint = BestCheckpoint(model, path, final=final)
        saved[final] = []
        for epoch, score in enumerate([0.5, 0.7, 0.6, 0.4]):
            model.layers[-1].bias.assign([float(epoch)])
            checkpoint.on_epoch_end(epoch, {"val_score": score})
            saved[final].append(float(keras.models.load_model(path).layers[-1].bias[0]))
    assert saved[False] == [0, 1, 1, 1]  # best: epoch 1 (0.7) is kept
    assert saved[True] == [0, 1, 2, 3]  # final: every epoch replaces it
