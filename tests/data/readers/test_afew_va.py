"""The AFEW-VA reader against per-clip JSON files: values / 10, landmark boxes, 1-based frames."""

from __future__ import annotations

import json

import numpy as np
import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

RNG = np.random.default_rng(3)


def clip_frames(n, seed):
    rng = np.random.default_rng(seed)
    frames = {}
    for k in range(n):
        points = rng.uniform(10, 200, size=(68, 2)).round(3)
        frames[f"{k:05d}"] = {
            "valence": int(rng.integers(-10, 11)),
            "arousal": int(rng.integers(-10, 11)),
            "landmarks": points.tolist(),
        }
    return frames


CLIPS = {"01/001": ("Daniel_Radcliffe", clip_frames(3, 1)), "01/002": ("Emma", clip_frames(2, 2))}
MISSING_FRAMES = {("002", "00001")}


def write_afew(root):
    for relative, (actor, frames) in CLIPS.items():
        folder = root / relative
        folder.mkdir(parents=True)
        document = {"actor": actor, "frames": frames, "video_id": folder.name}
        (folder / f"{folder.name}.json").write_text(json.dumps(document))
        for key in frames:
            if (folder.name, key) not in MISSING_FRAMES:
                write_image(folder / f"{key}.png")
    return root


def test_afew_va_scales_values_and_boxes_landmarks(tmp_path):
    root = write_afew(tmp_path / "AFEW-VA")

    table = affectkeras.data.read(f"afew-va:{root}")

    expected = []
    for relative, (actor, frames) in CLIPS.items():
        clip = relative.split("/")[1]
        for key, entry in frames.items():
            if (clip, key) in MISSING_FRAMES:
                continue
            xs = [p[0] for p in entry["landmarks"]]
            ys = [p[1] for p in entry["landmarks"]]
            box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            expected.append(
                (
                    str(root / relative / f"{key}.png"),
                    clip,
                    actor,
                    int(key) + 1,
                    entry["valence"] / 10,
                    entry["arousal"] / 10,
                    box,
                )
            )
    got = [
        (
            r.path,
            r.video,
            r.subject,
            r.frame,
            r.valence,
            r.arousal,
            (r.box_x, r.box_y, r.box_w, r.box_h),
        )
        for r in table.itertuples()
    ]
    assert len(got) == len(expected) == 4
    for row, want in zip(got, expected, strict=True):
        assert row[:4] == want[:4]
        np.testing.assert_allclose(row[4:6], want[4:6])
        np.testing.assert_allclose(row[6], want[6])
    assert (table["expression"] == -1).all() and (table["AU1"] == -1).all()
    assert table.attrs["skipped_by_reason"] == {"missing_image": 1}


def test_afew_va_value_out_of_range_is_reported(tmp_path):
    root = write_afew(tmp_path / "AFEW-VA")
    path = root / "01" / "002" / "002.json"
    document = json.loads(path.read_text())
    document["frames"]["00000"]["arousal"] = 11
    path.write_text(json.dumps(document))
    with pytest.raises(
        DataFormatError, match=r"002\.json: frame 00000: arousal 11 is not an integer"
    ):
        affectkeras.data.read(f"afew-va:{root}")
