"""The demo's output folder: what it holds, and what a rerun keeps.

``OUT/demo.json`` records the settings (and, once finished, the scores and timings) of the demo
that wrote the folder. A rerun with the same settings keeps the synthetic data and the trained
run (an interrupted training resumes) and redoes the quick steps; a rerun with other settings,
or by another affectkeras version, removes the demo's own files first, so results of two
settings never mix. A non-empty folder without ``demo.json`` is not touched.

Example:
    >>> import tempfile, pathlib
    >>> from affectkeras.demo.settings import DemoSettings
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "demo"
    >>> prepare_out(out, DemoSettings())
    'new folder'
    >>> prepare_out(out, DemoSettings())
    'same settings: keeping the synthetic data and the trained model'
    >>> prepare_out(out, DemoSettings(epochs=3))
    'settings changed (epochs: 16 -> 3): starting over'
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from affectkeras import __version__
from affectkeras.demo.settings import DemoSettings

DEMO_FILE = "demo.json"
SYNTH = "synth"
RUN = "run"
EXPORT = "export"
PLOTS = "plots"
METRICS = "metrics.json"
CLIP = "clip.avi"
PREDICTIONS = "predictions.csv"
OWNED = (SYNTH, RUN, EXPORT, PLOTS, METRICS, CLIP, PREDICTIONS)
"""Every entry the demo writes in OUT besides demo.json (removed when the settings change)."""


def prepare_out(out: str | Path, settings: DemoSettings) -> str:
    """Checks and prepares ``out`` for a demo with ``settings``; returns what was done, in words.

    Raises:
        ValueError: ``out`` is a file, or a non-empty folder that no demo wrote.
    """
    out = Path(out)
    record = out / DEMO_FILE
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not record.is_file():
        raise ValueError(
            f"{out}: folder is not empty and was not written by affectkeras demo (no "
            f"{DEMO_FILE}); choose another --out"
        )
    wanted = {"version": __version__, "settings": settings.to_dict()}
    if record.is_file():
        previous = _read(record)
        changed = (
            [f"{DEMO_FILE} unreadable"] if previous is None else _differences(previous, wanted)
        )
        if changed:
            _remove_owned(out)
            note = f"settings changed ({'; '.join(changed)}): starting over"
        else:
            note = "same settings: keeping the synthetic data and the trained model"
    else:
        note = "new folder"
    out.mkdir(parents=True, exist_ok=True)
    write_record(out, wanted)
    return note


def write_record(out: str | Path, record: dict[str, Any]) -> Path:
    """Writes ``OUT/demo.json`` (temporary file + rename)."""
    path = Path(out) / DEMO_FILE
    temporary = path.with_name(f".{DEMO_FILE}.tmp{os.getpid()}")
    temporary.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, path)
    return path


def _read(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _differences(previous: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    if previous.get("version") != wanted["version"]:
        return [f"affectkeras {previous.get('version')} -> {wanted['version']}"]
    before = previous.get("settings")
    if not isinstance(before, dict):
        return [f"{DEMO_FILE} holds no settings"]
    after = wanted["settings"]
    return [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in after
        if before.get(key) != after.get(key)
    ]


def _remove_owned(out: Path) -> None:
    for name in OWNED:
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
