"""The run directory: what ``affectkeras train`` writes, and how a rerun resumes.

::

    RUN_DIR/
      config.yaml     the fully resolved config (+ the data specs); a rerun must match it
      history.csv     one row per epoch (CSVLogger), kept across resumes
      model.keras     the predictor at the best validation score
      metrics.json    validation scores of model.keras (written when training ends)
      backup/         the training state, ``state.npz`` (``resume_state``; removed once
                      metrics.json is written)
      .lock           held while a run writes here (``run_lock``)
      pixel_cache/    decoded training images when they exceed max_memory_gb
                      (``input_pipeline=disk_cache``; removed when the run ends)
      tensorboard/    with ``tensorboard: true``

Rerunning the same command resumes from ``backup/`` (weights, optimiser state and the epoch
reached); rows of ``history.csv`` from epochs the backup does not hold (written just before a
kill) are dropped so that every epoch appears once, and only once the state is restored (a rerun
that fails before training leaves ``history.csv`` as it was). Every file is written to a
temporary name and renamed (``affectkeras.safe_files``); the temporary files of a killed run
(``.NAME.tmpPID*``) are removed when the next run takes the lock.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from affectkeras.predictor import MODEL_FILE
from affectkeras.recipes.engine.config import upgraded
from affectkeras.safe_files import remove_leftovers, write_atomically

RESUMABLE_KEYS = (
    "epochs",
    "steps",
    "verbose",
    "tensorboard",
    "input_pipeline",
    "max_memory_gb",
    "pixel_cache",
    "distribution",
    "replicas",
)
"""Keys a rerun may change without starting over (more epochs, other output, same run; the
global batch does not depend on the devices, so a run may resume on more or fewer of them)."""


class RunDir:
    """Paths and resume state of one run directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.config = self.path / "config.yaml"
        self.history = self.path / "history.csv"
        self.model = self.path / MODEL_FILE
        self.metrics = self.path / "metrics.json"
        self.backup = self.path / "backup"
        self.pixel_cache = self.path / "pixel_cache"
        self.tensorboard = self.path / "tensorboard"

    @property
    def state(self) -> Path:
        """The training state file (``resume_state.STATE_FILE``)."""
        return self.backup / "state.npz"

    def finished(self) -> bool:
        """Training ended (metrics.json written, no backup left)."""
        return self.metrics.is_file() and not self.backup.exists()

    def initial_epoch(self) -> int:
        """The epoch a resumed run starts at (0 for a fresh run or an unreadable state)."""
        try:
            with self.state.open("rb") as handle, np.load(handle) as archive:
                return int(archive["epoch"])
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return 0

    def remove_leftovers(self) -> list[Path]:
        """Deletes temporary files a killed writer left (call with the run's lock held)."""
        patterns = (".*.tmp*", "backup/.*.tmp*")
        return remove_leftovers(self.path, patterns)

    def started(self) -> bool:
        """Some training happened here (a history, a checkpoint or a training state)."""
        return self.history.is_file() or self.model.is_file() or self.backup.exists()

    def check_config(
        self, resolved: dict[str, Any], defaults: dict[str, Any] | None = None
    ) -> None:
        """Refuses to mix two different runs in one folder.

        A folder where nothing was trained yet (a run that failed before its first epoch) takes
        the new settings.

        Raises:
            ValueError: RUN_DIR holds a started run whose config differs in a key outside
                ``RESUMABLE_KEYS``.
        """
        if not self.config.is_file() or not self.started():
            return
        previous = upgraded(yaml.safe_load(self.config.read_text()) or {})
        defaults = dict(defaults or {})
        # a key added in a later version reads as its default in a run written before it
        previous = {**{k: v for k, v in defaults.items() if k not in previous}, **previous}
        changed = [
            f"{key}: {previous.get(key)!r} -> {resolved.get(key)!r}"
            for key in sorted(set(previous) | set(resolved))
            if key not in RESUMABLE_KEYS and previous.get(key) != resolved.get(key)
        ]
        if changed:
            raise ValueError(
                f"{self.config}: this folder holds a run with other settings ({'; '.join(changed)})"
                "; rerun with the same settings to resume, or choose another --out"
            )

    def history_rows(self) -> list[dict[str, str]]:
        if not self.history.is_file():
            return []
        with self.history.open(newline="") as handle:
            return list(csv.DictReader(handle))

    def truncate_history(self, epochs: int) -> None:
        """Keeps the rows of epochs ``< epochs`` (those the backup holds); none: no file."""
        if not self.history.is_file():
            return
        if epochs <= 0:
            self.history.unlink()
            return
        with self.history.open(newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            rows = [row for row in reader if row and int(float(row[0])) < epochs]
        if header is None:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        write_atomically(self.history, buffer.getvalue())

    def best_score(self, key: str = "val_score") -> float | None:
        """The best finite ``key`` in history.csv, or None."""
        best = self._best(key)
        return None if best is None else best[1]

    def best_epoch(self, key: str = "val_score") -> int | None:
        """The 0-based epoch of the best finite ``key`` (the first of ties), or None."""
        best = self._best(key)
        return None if best is None else best[0]

    def kept_epoch(self, final: bool = False) -> int | None:
        """The 0-based epoch model.keras holds: the last one (``model_selection=final``) or the
        best ``val_score``'s."""
        if not final:
            return self.best_epoch()
        epochs = len(self.history_rows())  # history.csv read once
        return epochs - 1 if epochs else None

    def _best(self, key: str) -> tuple[int, float] | None:
        best = None
        for row in self.history_rows():
            try:
                epoch, value = int(float(row["epoch"])), float(row.get(key, "nan"))
            except (KeyError, ValueError):
                continue
            if math.isfinite(value) and (best is None or value > best[1]):
                best = (epoch, value)
        return best
