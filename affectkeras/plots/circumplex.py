"""Valence-arousal trajectory on the circumplex (Russell 1980): where a face's affect travels.

Example:
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> t = np.linspace(0, 3, 50)
    >>> path = plot_circumplex(0.6 * np.cos(t), 0.6 * np.sin(t),
    ...                        pathlib.Path(tempfile.mkdtemp()) / "c.png", fps=25.0)
    >>> path.stat().st_size > 10_000
    True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection

from affectkeras.plots.figures import new_figure, save

QUADRANTS = (
    (0.72, 0.85, "excited, happy\n(pleasant, activated)"),
    (-0.72, 0.85, "angry, afraid\n(unpleasant, activated)"),
    (-0.72, -0.85, "sad, bored\n(unpleasant, deactivated)"),
    (0.72, -0.85, "calm, content\n(pleasant, deactivated)"),
)


def plot_circumplex(
    valence,
    arousal,
    path: str | Path,
    title: str = "valence-arousal trajectory",
    fps: float | None = None,
    frames=None,
    connect: bool = True,
) -> Path:
    """Writes a PNG: the (valence, arousal) points in order, coloured by time, on the circumplex.

    Args:
        valence, arousal: [T] values in [-1, 1] in time order (NaN: no face, a gap in the line).
        path: the PNG to write. title: the figure title.
        fps: frames per second (time colour bar in seconds); None: frame numbers.
        frames: [T] frame numbers (default 1..T).
        connect: join the points in order (a trajectory); False: separate points (still
            images), coloured by their order in the input.
    """
    valence = np.asarray(valence, np.float64)
    arousal = np.asarray(arousal, np.float64)
    if valence.shape != arousal.shape or valence.ndim != 1:
        raise ValueError(f"valence and arousal must be two [T] arrays, got {valence.shape}")
    frames = np.arange(1, len(valence) + 1) if frames is None else np.asarray(frames)
    time = (frames - 1) / fps if fps else frames
    figure = new_figure(6.8, 5.8)
    ax = figure.subplots()
    circle = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(circle), np.sin(circle), color="0.6", lw=1)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    for x, y, text in QUADRANTS:
        ax.text(x, y, text, ha="center", va="center", fontsize=8, color="0.35")
    points = np.stack([valence, arousal], axis=1)
    segments = np.stack([points[:-1], points[1:]], axis=1)
    keep = np.isfinite(segments).all(axis=(1, 2))
    finite = np.isfinite(points).all(axis=1)
    if not connect:
        dots = ax.scatter(valence, arousal, c=np.arange(1, len(valence) + 1), cmap="plasma", s=25)
        figure.colorbar(dots, ax=ax, fraction=0.046, pad=0.02).set_label("image (input order)")
    elif finite.any():
        lines = LineCollection(segments[keep], cmap="plasma", linewidths=1.8)
        lines.set_array(time[:-1][keep])
        ax.add_collection(lines)
        first, last = np.flatnonzero(finite)[[0, -1]]
        ax.scatter(*points[first], marker="o", s=50, color="black", zorder=3, label="start")
        ax.scatter(*points[last], marker="s", s=50, color="black", zorder=3, label="end")
        ax.legend(loc="lower left", fontsize=8, frameon=False)
        if len(points) > 1:
            bar = figure.colorbar(lines, ax=ax, fraction=0.046, pad=0.02)
            bar.set_label("time (s)" if fps else "frame")
        else:
            lines.set_visible(False)
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_aspect("equal")
    ax.set_xlabel("valence (-1 unpleasant, +1 pleasant)")
    ax.set_ylabel("arousal (-1 calm, +1 activated)")
    ax.set_title(title)
    return save(figure, path)
