"""Window contents: the right frames of the right video, chronological, with explicit padding."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras.data.feeding.targets import task_targets
from affectkeras.data.feeding.windows import frame_windows, gather, sequences, window_targets
from affectkeras.data.table import make_table
from affectkeras.output_spec import OutputSpec


@pytest.fixture
def table():
    """Two videos with rows shuffled; video b lacks frames 3 and 4; one still image."""
    rng = np.random.default_rng(0)
    videos = [("a", f) for f in range(1, 8)] + [("b", f) for f in (1, 2, 5, 6)] + [("", -1)]
    order = rng.permutation(len(videos))
    rows = [videos[i] for i in order]
    return make_table(
        {
            "path": [f"{v}/{f}" for v, f in rows],
            "split": "train",
            "video": [v for v, _ in rows],
            "frame": [f for _, f in rows],
            "expression": rng.integers(0, 7, len(rows)),
        },
        "affwild2",
    )


def _frames(table, rows, mask):
    """(video, frame) of each step, None on padded steps."""
    video, frame = table["video"].to_numpy(), table["frame"].to_numpy()
    return [(video[r], int(frame[r])) if m else None for r, m in zip(rows, mask, strict=True)]


def _row(table, video, frame):
    hit = np.flatnonzero(
        (table["video"] == video).to_numpy() & (table["frame"] == frame).to_numpy()
    )
    return int(hit[0])


def test_windows_end_at_the_anchor_frame_in_chronological_order(table):
    windows = frame_windows(table, 4)
    k = _row(table, "a", 5)
    assert _frames(table, windows.rows[k], windows.mask[k]) == [
        ("a", 2),
        ("a", 3),
        ("a", 4),
        ("a", 5),
    ]
    assert windows.anchors[k] == k and windows.rows[k, -1] == k
    for w in range(len(windows)):
        real = windows.rows[w][windows.mask[w]]
        assert len(set(table["video"].to_numpy()[real])) == 1  # never crosses videos
        assert np.all(np.diff(table["frame"].to_numpy()[real]) > 0)


def test_padding_at_video_start_is_masked_and_repeats_the_first_frame(table):
    windows = frame_windows(table, 4)
    k = _row(table, "a", 2)
    assert windows.mask[k].tolist() == [False, False, True, True]
    first = _row(table, "a", 1)
    assert windows.rows[k].tolist() == [first, first, first, k]
    zeros = frame_windows(table, 4, padding="zeros")
    assert zeros.rows[k].tolist() == [-1, -1, first, k]
    still = _row(table, "", -1)
    assert windows.mask[still].tolist() == [False, False, False, True]
    assert windows.rows[still].tolist() == [still] * 4


def test_gaps_skip_over_dropped_frames_or_mask_them(table):
    k = _row(table, "b", 5)
    skip = frame_windows(table, 3)
    assert _frames(table, skip.rows[k], skip.mask[k]) == [("b", 1), ("b", 2), ("b", 5)]
    masked = frame_windows(table, 3, gaps="mask")
    assert masked.mask[k].tolist() == [False, False, True]  # frames 3 and 4 are absent
    six = _row(table, "b", 6)
    assert _frames(table, masked.rows[six], masked.mask[six]) == [None, ("b", 5), ("b", 6)]
    # an absent frame inside the window repeats the frame before it
    long = frame_windows(table, 5, gaps="mask")
    assert long.rows[six].tolist() == [_row(table, "b", 2)] * 3 + [k, six]
    assert long.mask[six].tolist() == [True, False, False, True, True]


def test_anchor_subset_keeps_its_order(table):
    anchors = np.array([_row(table, "a", 7), _row(table, "b", 1)])
    windows = frame_windows(table, 2, anchors=anchors)
    assert windows.anchors.tolist() == anchors.tolist() and len(windows) == 2


def test_sequences_tile_each_video_and_pad_the_tail(table):
    seqs = sequences(table, length=3)
    per_video = {}
    for rows, mask in zip(seqs.rows, seqs.mask, strict=True):
        steps = _frames(table, rows, mask)
        video = steps[0][0]
        per_video.setdefault(video, []).append(steps)
    assert per_video["a"] == [
        [("a", 1), ("a", 2), ("a", 3)],
        [("a", 4), ("a", 5), ("a", 6)],
        [("a", 7), None, None],
    ]
    assert per_video["b"] == [[("b", 1), ("b", 2), ("b", 5)], [("b", 6), None, None]]
    last = next(rows for rows in seqs.rows if rows[0] == _row(table, "a", 7))
    assert last.tolist() == [_row(table, "a", 7)] * 3  # padded steps repeat the last frame


def test_overlapping_sequences():
    table = make_table(
        {
            "path": [str(i) for i in range(6)],
            "split": "train",
            "video": ["v"] * 6,
            "frame": list(range(1, 7)),
        },
        "affwild2",
    )
    seqs = sequences(table, length=4, stride=2)
    assert seqs.rows.tolist() == [[0, 1, 2, 3], [2, 3, 4, 5]]
    assert seqs.mask.all()
    with pytest.raises(ValueError, match="stride"):
        sequences(table, length=4, stride=5)


def test_sequence_targets_are_per_step_with_missing_on_padding(table):
    spec = OutputSpec.create("expr,va", num_classes=7)
    y, w = task_targets(table, spec)
    seqs = sequences(table, length=3)
    ys, ws = window_targets(y, w, seqs, spec)
    assert ys["expression"].shape == (len(seqs), 3) and ys["valence_arousal"].shape[1:] == (3, 2)
    assert ws["expression"].shape == (len(seqs), 3)
    np.testing.assert_array_equal(
        ys["expression"][seqs.mask], y["expression"][seqs.rows[seqs.mask]]
    )
    assert (ys["expression"][~seqs.mask] == -1).all()
    assert (ys["valence_arousal"][~seqs.mask] == -5).all()
    assert (ws["expression"][~seqs.mask] == 0).all()
    frame = frame_windows(table, 3)
    yf, _ = window_targets(y, w, frame, spec)
    np.testing.assert_array_equal(yf["expression"], y["expression"][frame.anchors])


def test_gather_features_with_zero_padding():
    features = np.arange(12, dtype=np.float32).reshape(6, 2) + 1
    out = gather(features, np.array([[-1, 0, 5]]))
    np.testing.assert_array_equal(out, [[[0, 0], [1, 2], [11, 12]]])
