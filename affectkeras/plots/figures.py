"""Shared helpers of the plots: a pyplot-free figure and an atomic PNG save."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

DPI = 100


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches, not tied to any GUI backend."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def save(figure: Figure, path: str | Path) -> Path:
    """Writes ``figure`` as a PNG (temporary file + rename) and returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.tmp{os.getpid()}.png")
    figure.savefig(temporary, dpi=DPI)
    os.replace(temporary, path)
    return path


def safe_name(text: str) -> str:
    """A file-name friendly version of a video or image name."""
    keep = [c if c.isalnum() or c in "-_." else "_" for c in str(text)]
    return "".join(keep).strip("._") or "input"
