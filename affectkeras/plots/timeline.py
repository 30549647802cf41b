"""One video's predictions over time: expression probabilities, AU activations, valence/arousal.

Example:
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from affectkeras.inference.predict import rows_to_table
    >>> rows = [{"image": "v", "frame": k, "face": 0, "valence": 0.1 * k, "arousal": -0.1,
    ...          "p_neutral": 0.7, "p_happiness": 0.3} for k in range(1, 6)]
    >>> table = rows_to_table(rows + [{"image": "v", "frame": 6, "face": -1}])
    >>> path = plot_timeline(table, pathlib.Path(tempfile.mkdtemp()) / "t.png", fps=25.0)
    >>> path.stat().st_size > 10_000
    True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.plots.figures import new_figure, save

NO_FACE_HATCH = {"facecolor": "white", "edgecolor": "0.55", "hatch": "///", "lw": 0, "zorder": 0}


def face_track(table: pd.DataFrame, video: str | None = None, face: int = 0) -> pd.DataFrame:
    """One video's rows of face ``face``, one per frame (frames without it: NaN predictions)."""
    videos = table.loc[table["frame"] > 0, "image"].unique()
    if video is None:
        if len(videos) != 1:
            raise ValueError(f"the table holds {len(videos)} videos; say which (video=...)")
        video = str(videos[0])
    rows = table[(table["image"] == video) & (table["frame"] > 0)]
    if rows.empty:
        raise ValueError(f"no frame of video {video!r} in the table")
    frames = np.arange(1, int(rows["frame"].max()) + 1)
    own = rows[rows["face"] == face].drop_duplicates("frame").set_index("frame")
    track = own.reindex(frames)
    track.index.name = "frame"
    track.attrs["video"] = video
    return track


def plot_timeline(
    table: pd.DataFrame,
    path: str | Path,
    video: str | None = None,
    face: int = 0,
    fps: float | None = None,
) -> Path:
    """Writes a PNG: the predictions of one face of one video along the video.

    Panels (for the tasks the table has): stacked expression probabilities; AU probabilities
    as a heat map (rows AU1 ... AU26); valence and arousal. Frames where the face was not found
    are hatched.

    Args:
        table: ``predict``'s table. path: the PNG to write.
        video: the video's name (default: the only video of the table).
        face: the face index to follow. fps: frames per second, for a time axis in seconds
            (default ``table.attrs["fps"]``; frame numbers when unknown).
    """
    track = face_track(table, video, face)
    fps = fps or table.attrs.get("fps")
    frames = track.index.to_numpy()
    x = (frames - 1) / fps if fps else frames
    x_label = "time (s)" if fps else "frame"
    missing = track["p_neutral"].isna() & track["valence"].isna() & track["p_AU1"].isna()
    panels = []
    expression_columns = [f"p_{n}" for n in labels.EXPRESSIONS if track[f"p_{n}"].notna().any()]
    if expression_columns:
        panels.append("expression")
    if track["p_AU1"].notna().any():
        panels.append("au")
    if track["valence"].notna().any():
        panels.append("va")
    if not panels:
        raise ValueError(f"face {face} of {track.attrs['video']!r} has no prediction to plot")
    heights = {"expression": 2.2, "au": 2.6, "va": 1.8}
    figure = new_figure(10, 0.8 + sum(heights[p] for p in panels))
    axes = figure.subplots(
        len(panels), 1, sharex=True, squeeze=False, height_ratios=[heights[p] for p in panels]
    )[:, 0]
    step = (x[1] - x[0]) if len(x) > 1 else 1.0
    for ax, panel in zip(axes, panels, strict=True):
        for start in x[missing.to_numpy()]:
            ax.axvspan(start - step / 2, start + step / 2, **NO_FACE_HATCH)
        if panel == "expression":
            values = track[expression_columns].fillna(0.0).to_numpy().T
            names = [c[2:] for c in expression_columns]
            colours = [EXPRESSION_COLOURS[n] for n in names]
            ax.stackplot(x, values, labels=names, colors=colours, step="mid", alpha=0.9)
            ax.set_ylim(0, 1)
            ax.set_ylabel("expression\nprobability")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        elif panel == "au":
            values = track[[f"p_{au}" for au in labels.ACTION_UNITS]].to_numpy(np.float64).T
            image = ax.imshow(
                np.ma.masked_invalid(values),
                aspect="auto",
                interpolation="nearest",
                cmap="viridis",
                vmin=0,
                vmax=1,
                extent=(x[0] - step / 2, x[-1] + step / 2, len(labels.ACTION_UNITS) - 0.5, -0.5),
            )
            ax.set_yticks(range(len(labels.ACTION_UNITS)), labels.ACTION_UNITS, fontsize=7)
            ax.set_ylabel("action unit")
            bar = figure.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
            bar.set_label("AU probability", fontsize=8)
        else:
            ax.axhline(0.0, color="0.5", lw=0.8)
            ax.plot(x, track["valence"].to_numpy(np.float64), label="valence", color="tab:blue")
            ax.plot(x, track["arousal"].to_numpy(np.float64), label="arousal", color="tab:red")
            ax.set_ylim(-1.05, 1.05)
            ax.set_ylabel("value\n(-1 to 1)")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    axes[-1].set_xlabel(x_label)
    axes[-1].set_xlim(x[0] - step / 2, x[-1] + step / 2)
    shaded = " (hatched: face not found)" if missing.any() else ""
    figure.suptitle(f"{track.attrs['video']}, face {face}: predictions per frame{shaded}")
    return save(figure, path)


EXPRESSION_COLOURS: dict[str, str] = {
    "neutral": "#bbbbbb",
    "anger": "#d62728",
    "disgust": "#8c564b",
    "fear": "#9467bd",
    "happiness": "#ffbf00",
    "sadness": "#1f77b4",
    "surprise": "#17becf",
    "other": "#7f7f7f",
}
"""One colour per expression, shared by every figure."""
