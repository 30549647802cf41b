"""The CK+ reader on the original release tree: peak frames, emotions, FACS AUs, first frames."""

from __future__ import annotations

import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

CANONICAL_AUS = [1, 2, 4, 6, 7, 10, 12, 15, 23, 24, 25, 26]
# CK+ emotion code -> (native name, canonical index), by hand from FORMATS.md.
EMOTIONS = {
    1: ("anger", 1),
    2: ("contempt", None),
    3: ("disgust", 2),
    5: ("happy", 4),
    7: ("surprise", 6),
}
# (subject, sequence): frames on disk, peak frame, emotion code or None, FACS {AU: intensity}
SEQUENCES = {
    ("S005", "001"): (range(1, 5), 4, 3, {9: 4, 14: 0, 1: 2, 4: 3}),
    ("S010", "002"): (range(1, 4), 3, 2, {12: 3, 14: 2, 25: 0}),
    ("S011", "001"): (range(1, 4), 3, None, {4: 2, 7: 1}),  # FACS only
    ("S012", "003"): (range(1, 5), 5, 5, {6: 3, 12: 4}),  # peak image missing
    ("S013", "001"): (range(2, 8), 7, 7, {1: 2, 2: 2, 5: 1, 26: 3, 27: 2}),
}


def number(value: float) -> str:
    return f"{value:.7e}".rjust(16)


def write_ckplus(root):
    for (subject, sequence), (frames, peak, emotion, facs) in SEQUENCES.items():
        stem = f"{subject}_{sequence}"
        for frame in frames:
            write_image(
                root / "cohn-kanade-images" / subject / sequence / f"{stem}_{frame:08d}.png"
            )
        if emotion is not None:
            path = root / "Emotion" / subject / sequence / f"{stem}_{peak:08d}_emotion.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(number(emotion) + "\n")
        path = root / "FACS" / subject / sequence / f"{stem}_{peak:08d}_facs.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{number(au)}{number(i)}\n" for au, i in facs.items()))
    return root


def expected_peaks(contempt_other=False):
    rows = {}
    for (subject, sequence), (frames, peak, emotion, facs) in SEQUENCES.items():
        if peak not in frames:
            continue
        if emotion is None:
            native, canonical = "", -1
        else:
            native, canonical = EMOTIONS[emotion]
            if canonical is None:
                canonical = 7 if contempt_other else -1
        aus = {f"AU{au}": int(au in facs) for au in CANONICAL_AUS}
        rows[(f"{subject}_{sequence}", peak)] = (subject, canonical, native, aus, facs)
    return rows


def test_ckplus_peak_frames_carry_emotion_and_facs_aus(tmp_path):
    root = write_ckplus(tmp_path / "CK+")

    table = affectkeras.data.read(f"ckplus:{root}")

    want = expected_peaks()
    assert {(r.video, r.frame) for r in table.itertuples()} == set(want)
    extras = {au for *_, facs in SEQUENCES.values() for au in facs} - set(CANONICAL_AUS)
    for row in table.to_dict("records"):
        subject, canonical, native, aus, facs = want[(row["video"], row["frame"])]
        assert row["subject"] == subject
        assert row["expression"] == canonical
        assert row["label_native"] == native
        assert {k: row[k] for k in aus} == aus  # intensity 0 (AU14, AU25) still present
        assert {au: row[f"AU{au}"] for au in extras} == {au: int(au in facs) for au in extras}
        assert row["path"].endswith(f"{row['video']}_{row['frame']:08d}.png")
    assert table.attrs["skipped_by_reason"] == {"missing_image": 1}
    assert set(table["split"]) == {"train"}


def test_ckplus_contempt_other_and_neutral_first_frames(tmp_path):
    root = write_ckplus(tmp_path / "CK+")

    table = affectkeras.data.read(f"ckplus:{root}?contempt=other&neutral_first_frame=true")

    assert table.attrs["expression_classes"] == 8
    peaks = expected_peaks(contempt_other=True)
    firsts = {
        (f"{s}_{q}", frames[0])
        for (s, q), (frames, _, emotion, _) in SEQUENCES.items()
        if emotion is not None
    }
    assert {(r.video, r.frame) for r in table.itertuples()} == set(peaks) | firsts
    for row in table.to_dict("records"):
        key = (row["video"], row["frame"])
        if key in firsts:
            assert (row["expression"], row["label_native"]) == (0, "neutral")
            assert all(row[f"AU{au}"] == -1 for au in CANONICAL_AUS)  # first frames: not coded
        else:
            assert row["expression"] == peaks[key][1]


def test_ckplus_bad_emotion_file_is_reported(tmp_path):
    root = write_ckplus(tmp_path / "CK+")
    path = root / "Emotion" / "S005" / "001" / "S005_001_00000004_emotion.txt"
    path.write_text(number(9) + "\n")
    with pytest.raises(
        DataFormatError, match=r"S005_001_00000004_emotion\.txt:1: expected one number"
    ):
        affectkeras.data.read(f"ckplus:{root}")


def test_ckplus_labels_option_is_refused_on_the_original_tree(tmp_path):
    root = write_ckplus(tmp_path / "CK+")
    with pytest.raises(ValueError, match="labels= is for the CK\\+48 folders only"):
        affectkeras.data.read(f"ckplus:{root}?labels={tmp_path / 'x.csv'}")
