"""Frame windows and sequences of one video, as row indices into a sample table (numpy).

Two shapes of temporal sample:

- ``frame_windows(table, s)``: seed 004's input, the current frame F_k and the s - 1 frames
  before it, F_k-s+1 ... F_k, in chronological order (step -1 is F_k, step 0 is F_k-s+1). Near
  a video's start the missing steps are padding, flagged False in ``mask`` and filled with the
  window's first real frame (or with zeros). The target is F_k's label.
- ``sequences(table, T)``: seed 002's 32-frame sequences with per-frame labels. Non-
  overlapping with ``stride == T`` (the default), overlapping with a smaller stride; a video's
  last sequence is padded at its end (mask False, last real frame repeated or zeros, targets
  MISSING and weights 0 there).

A video is the rows sharing ``dataset``, ``video`` and ``face``, ordered by ``frame``; still
images (empty ``video``) are videos of one frame. Windows never cross videos. Pixels or
per-frame features are gathered with ``rows`` (``gather``): the GRU stage of seed 002 trains on
features from the CNN, not pixels.

Example:
    >>> from affectkeras.data.table import make_table
    >>> t = make_table({"path": list("abcd"), "split": "train", "video": ["v"] * 4,
    ...                 "frame": [1, 2, 3, 4]}, "affwild2")
    >>> w = frame_windows(t, 3)
    >>> w.rows[0].tolist(), w.mask[0].tolist()
    ([0, 0, 0], [False, False, True])
    >>> w.rows[3].tolist(), w.mask[3].tolist()
    ([1, 2, 3], [True, True, True])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from affectkeras.output_spec import OutputSpec

PADDINGS = ("repeat", "zeros")
GAPS = ("skip", "mask")


@dataclass(frozen=True)
class Windows:
    """Temporal samples as table rows.

    Attributes:
        rows: int64 [W, s]: the table row of each step; -1 on padded steps with zero padding.
        mask: bool [W, s]: True on real frames, False on padding.
        anchors: int64 [W]: the row whose label a frame window predicts (F_k); for sequences
            the row of the first step.
        per_step: True for sequences (one target per step), False for frame windows.
    """

    rows: np.ndarray
    mask: np.ndarray
    anchors: np.ndarray
    per_step: bool

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def length(self) -> int:
        return self.rows.shape[1]


def video_groups(table: pd.DataFrame) -> list[np.ndarray]:
    """Rows of each video (``dataset``, ``video``, ``face``), sorted by frame; stills alone."""
    frame = table["frame"].to_numpy(dtype=np.int64)
    still = table["video"].astype(str).to_numpy() == ""
    groups = [np.array([row], np.int64) for row in np.flatnonzero(still)]
    videos = table.loc[~still, ["dataset", "video", "face"]].reset_index(drop=True)
    video_rows = np.flatnonzero(~still)
    for rows in videos.groupby(["dataset", "video", "face"], sort=False).indices.values():
        rows = video_rows[np.asarray(rows, np.int64)]
        groups.append(rows[np.argsort(frame[rows], kind="stable")])
    return groups


def frame_windows(
    table: pd.DataFrame,
    length: int,
    anchors: np.ndarray | None = None,
    gaps: str = "skip",
    padding: str = "repeat",
) -> Windows:
    """Seed 004's windows F_k-s+1 ... F_k ending at each anchor row.

    Args:
        table: a sample table.
        length: s, steps per window (s = 1 is the frame itself).
        anchors: the rows to end windows at, in the order wanted (default: every row).
        gaps: ``"skip"``: the steps are the previous available rows of the video (frames the
            reader dropped are skipped over); ``"mask"``: the steps are frame numbers
            k-s+1 ... k, and an absent frame is a masked step filled with the frame before it.
        padding: ``"repeat"`` (padded steps show the window's first real frame) or
            ``"zeros"`` (``rows`` is -1 there; gathered pixels/features are zeros).
    """
    _check(length, padding)
    if gaps not in GAPS:
        raise ValueError(f"gaps must be one of {GAPS}, got {gaps!r}")
    frame = table["frame"].to_numpy(dtype=np.int64)
    rows_out = np.full((len(table), length), -1, dtype=np.int64)
    mask_out = np.zeros((len(table), length), dtype=bool)
    for group in video_groups(table):
        m = len(group)
        if gaps == "skip":
            source = np.arange(m)[:, None] - (length - 1) + np.arange(length)[None, :]
            present = source >= 0
        else:
            wanted = frame[group][:, None] - (length - 1) + np.arange(length)[None, :]
            source = np.searchsorted(frame[group], wanted)
            present = (source < m) & (frame[group][np.minimum(source, m - 1)] == wanted)
        source = np.where(present, source, -1)
        source = np.maximum.accumulate(source, axis=1)  # forward-fill interior gaps
        first = source[np.arange(m), present.argmax(axis=1)]  # F_k itself is always present
        source = np.where(source < 0, first[:, None], source)
        rows_out[group] = group[source]
        mask_out[group] = present
    if padding == "zeros":
        rows_out[~mask_out] = -1
    anchors = np.arange(len(table)) if anchors is None else np.asarray(anchors, np.int64)
    return Windows(rows_out[anchors], mask_out[anchors], anchors.copy(), per_step=False)


def sequences(
    table: pd.DataFrame, length: int = 32, stride: int | None = None, padding: str = "repeat"
) -> Windows:
    """Seed 002's sequences of ``length`` consecutive rows of a video, per-frame targets.

    Args:
        table: a sample table.
        length: T, frames per sequence (32 in seed 002).
        stride: start-to-start distance; ``length`` (default) = non-overlapping, smaller =
            overlapping. A video yields sequences until one reaches its last frame; that one
            is padded at the end when the video runs out.
        padding: ``"repeat"`` (padded steps show the video's last frame) or ``"zeros"``.
    """
    _check(length, padding)
    stride = length if stride is None else int(stride)
    if not 1 <= stride <= length:
        raise ValueError(f"stride must be in [1, length={length}], got {stride}")
    all_rows, all_masks = [], []
    for group in video_groups(table):
        m = len(group)
        starts = [s for s in range(0, m, stride) if s == 0 or s - stride + length < m]
        source = np.asarray(starts)[:, None] + np.arange(length)[None, :]
        present = source < m
        all_rows.append(group[np.minimum(source, m - 1)])
        all_masks.append(present)
    rows = np.concatenate(all_rows).astype(np.int64)
    mask = np.concatenate(all_masks)
    if padding == "zeros":
        rows[~mask] = -1
    return Windows(rows, mask, rows[:, 0].copy(), per_step=True)


def _check(length: int, padding: str) -> None:
    if int(length) < 1:
        raise ValueError(f"A window needs at least 1 step, got length={length}")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")


def gather(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` with zeros where ``rows`` is -1 (zero padding).

    Args:
        values: [N, ...] per-row arrays (uint8 pixels [N, H, W, 3] or features [N, D]).
        rows: int [..., s] row indices (``Windows.rows`` or a batch of it).

    Returns:
        [..., s, ...] gathered values, same dtype.

    Example:
        >>> gather(np.array([[1.0], [2.0]]), np.array([[-1, 1]])).tolist()
        [[[0.0], [2.0]]]
    """
    rows = np.asarray(rows)
    out = np.asarray(values)[np.maximum(rows, 0)]
    if (rows < 0).any():
        out[rows < 0] = 0
    return out


def window_targets(
    y: Mapping[str, np.ndarray],
    sample_weight: Mapping[str, np.ndarray],
    windows: Windows,
    spec: OutputSpec,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Targets and weights per window: F_k's for frame windows, per step for sequences.

    For sequences, targets are [W, T, ...] with the MISSING sentinel on padded steps and
    weights [W, T] that are 0 there (Keras applies a [B, T] sample weight per time step).
    """
    if not windows.per_step:
        return (
            {name: np.asarray(v)[windows.anchors] for name, v in y.items()},
            {name: np.asarray(v)[windows.anchors] for name, v in sample_weight.items()},
        )
    rows = np.maximum(windows.rows, 0)
    targets, weights = {}, {}
    for name, value in y.items():
        value = np.asarray(value)[rows]
        sentinel = spec[name].missing
        pad = ~windows.mask.reshape(windows.mask.shape + (1,) * (value.ndim - 2))
        targets[name] = np.where(pad, np.asarray(sentinel, value.dtype), value)
        weights[name] = np.where(windows.mask, np.asarray(sample_weight[name])[rows], 0.0).astype(
            np.float32
        )
    return targets, weights


def video_rows(table: pd.DataFrame, labelled: np.ndarray) -> np.ndarray:
    """bool [N]: the rows of every video with a labelled row, and the labelled stills.

    A frame-level recipe drops rows labelled for none of its tasks; a temporal one must not:
    the frames before F_k (seed 004's window) or around it (seed 002's sequences) are context
    even when unannotated. Windows then end (or targets sit) only at labelled rows.

    Example:
        >>> import numpy as np
        >>> from affectkeras.data.table import make_table
        >>> t = make_table({"path": list("abcd"), "split": "train", "video": ["v", "v", "w", ""],
        ...                 "frame": [1, 2, 1, -1]}, "affwild2")
        >>> video_rows(t, np.array([False, True, False, False])).tolist()
        [True, True, False, False]
    """
    labelled = np.asarray(labelled, bool)
    video = table["video"].astype(str).to_numpy()
    keys = table["dataset"].astype(str).to_numpy() + "\x00" + video
    if "face" in table.columns:
        keys = keys + "\x00" + table["face"].astype(str).to_numpy()
    wanted = set(keys[labelled & (video != "")])
    in_video = np.array([key in wanted for key in keys], bool) & (video != "")
    return in_video | labelled
