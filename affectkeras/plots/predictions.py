"""Every figure of a ``predict`` table: per video and face, a timeline and a circumplex.

Example:
    >>> import tempfile, pathlib
    >>> from affectkeras.inference.predict import rows_to_table
    >>> rows = [{"image": "v", "frame": k, "face": 0, "valence": 0.1 * k, "arousal": 0.05 * k}
    ...         for k in range(1, 6)]
    >>> paths = plot_predictions(rows_to_table(rows), pathlib.Path(tempfile.mkdtemp()))
    >>> sorted(p.name for p in paths)
    ['v_face0_circumplex.png', 'v_face0_timeline.png']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from affectkeras.plots.circumplex import plot_circumplex
from affectkeras.plots.figures import safe_name
from affectkeras.plots.timeline import face_track, plot_timeline


def plot_predictions(
    table: pd.DataFrame, out_dir: str | Path, fps: float | None = None, max_faces: int = 4
) -> list[Path]:
    """Writes ``<video>_face<k>_timeline.png`` (and ``..._circumplex.png`` with VA predictions)
    for the first ``max_faces`` faces of every video, and ``stills_circumplex.png`` for the
    still images of a table with VA predictions.

    Args:
        table: ``predict``'s table. out_dir: the folder to write.
        fps: frames per second (default ``table.attrs["fps"]``).
        max_faces: faces per video to plot (face indices 0 .. max_faces - 1).

    Returns:
        The PNGs written.
    """
    out_dir = Path(out_dir)
    fps = fps or table.attrs.get("fps")
    written = []
    videos = table[table["frame"] > 0]
    for video in sorted(videos["image"].unique()):
        rows = videos[videos["image"] == video]
        faces = sorted(int(f) for f in rows["face"].dropna().unique() if 0 <= f < max_faces)
        for face in faces:
            stem = f"{safe_name(video)}_face{face}"
            written.append(plot_timeline(table, out_dir / f"{stem}_timeline.png", video, face, fps))
            track = face_track(table, video, face)
            if track["valence"].notna().any():
                written.append(
                    plot_circumplex(
                        track["valence"].to_numpy("float64"),
                        track["arousal"].to_numpy("float64"),
                        out_dir / f"{stem}_circumplex.png",
                        title=f"{video}, face {face}: valence-arousal over time",
                        fps=fps,
                        frames=track.index.to_numpy(),
                    )
                )
    stills = table[(table["frame"] < 0) & table["valence"].notna()]
    if not stills.empty:
        written.append(
            plot_circumplex(
                stills["valence"].to_numpy("float64"),
                stills["arousal"].to_numpy("float64"),
                out_dir / "stills_circumplex.png",
                title=f"valence-arousal of {len(stills)} faces in still images",
                connect=False,
            )
        )
    return written
