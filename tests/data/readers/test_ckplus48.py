"""The CK+ reader on CK+48 class folders, alone and with a labels CSV carrying subject and AUs."""

from __future__ import annotations

import pytest

import affectkeras
from affectkeras.data.reading.errors import DataFormatError
from tests.helpers.images import write_image

CANONICAL_AUS = [
    "AU1",
    "AU2",
    "AU4",
    "AU6",
    "AU7",
    "AU10",
    "AU12",
    "AU15",
    "AU23",
    "AU24",
    "AU25",
    "AU26",
]
CSV_AUS = [1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27]
# CK+48 folder -> canonical index (contempt per option), by hand.
CANONICAL = {"anger": 1, "disgust": 2, "fear": 3, "happy": 4, "sadness": 5, "surprise": 6}
# folder, subject, sequence, last frame, AUs present
SEQUENCES = [
    ("anger", "S010", "004", 19, {4, 7, 17, 23, 24}),
    ("contempt", "S138", "008", 12, {14}),
    ("happy", "S010", "006", 15, {6, 12, 25}),
    ("surprise", "S011", "001", 16, {1, 2, 5, 25, 26, 27}),
]
HEADER = "path,label,subject,sequence,frame,video,au_combination," + ",".join(
    f"AU{n}" for n in CSV_AUS
)


def write_ckplus48(root, with_csv=True, unlisted=None):
    lines = [HEADER]
    for folder, subject, sequence, last, aus in SEQUENCES:
        for frame in range(last - 2, last + 1):
            name = f"{subject}_{sequence}_{frame:08d}.png"
            write_image(root / "CK+48" / folder / name, side=48, channels=1)
            combination = "_".join(str(a) for a in sorted(aus))
            bits = ",".join(str(int(n in aus)) for n in CSV_AUS)
            lines.append(
                f"CK+48/{folder}/{name},{folder},{subject},{sequence},{frame:08d},"
                f"{subject}_{sequence},{combination},{bits}"
            )
    lines.append(
        "CK+48/fear/S999_001_00000001.png,fear,S999,001,00000001,S999_001,1,"
        + ",".join("0" for _ in CSV_AUS)
    )  # listed, no image
    if unlisted:
        write_image(root / "CK+48" / unlisted, side=48, channels=1)
    if with_csv:
        (root / "labels.csv").write_text("\n".join(lines) + "\n")
    return root


def expected(contempt_other=False):
    rows = []
    for folder, subject, sequence, last, aus in sorted(SEQUENCES):
        for frame in range(last - 2, last + 1):
            contempt = 7 if contempt_other else -1
            canonical = contempt if folder == "contempt" else CANONICAL[folder]
            rows.append((folder, subject, f"{subject}_{sequence}", frame, canonical, aus))
    return rows


def test_ckplus48_with_labels_csv_has_subjects_and_aus(tmp_path):
    root = write_ckplus48(tmp_path / "ckplus48")

    table = affectkeras.data.read(f"ckplus:{root / 'CK+48'}?labels={root / 'labels.csv'}")

    want = expected()
    assert len(table) == len(want) == 12
    for row, (folder, subject, video, frame, canonical, aus) in zip(
        table.to_dict("records"), want, strict=True
    ):
        assert row["path"] == str(root / "CK+48" / folder / f"{video}_{frame:08d}.png")
        assert (row["subject"], row["video"], row["frame"]) == (subject, video, frame)
        assert (row["expression"], row["label_native"]) == (canonical, folder)
        assert {n: row[f"AU{n}"] for n in CSV_AUS} == {n: int(n in aus) for n in CSV_AUS}
        assert row["au_combination"] == "_".join(str(a) for a in sorted(aus))
    assert table.attrs["skipped_by_reason"] == {"missing_image": 1}
    assert table.attrs["expression_classes"] == 7


def test_ckplus48_folders_alone_give_subjects_from_names_and_missing_aus(tmp_path):
    root = write_ckplus48(tmp_path / "ckplus48", with_csv=False)

    table = affectkeras.data.read(f"ckplus:{root / 'CK+48'}?contempt=other")

    want = expected(contempt_other=True)
    got = list(
        zip(
            table["label_native"],
            table["subject"],
            table["video"],
            table["frame"],
            table["expression"],
            strict=True,
        )
    )
    assert got == [w[:5] for w in want]
    assert (table[CANONICAL_AUS].to_numpy() == -1).all()
    assert table.attrs["expression_classes"] == 8


def test_ckplus48_image_missing_from_the_csv_keeps_its_folder_label(tmp_path):
    root = write_ckplus48(tmp_path / "ckplus48", unlisted="fear/S050_002_00000009.png")

    table = affectkeras.data.read(f"ckplus:{root / 'CK+48'}?labels={root / 'labels.csv'}")

    row = table[table["video"] == "S050_002"].iloc[0]
    assert (row["expression"], row["subject"], row["frame"]) == (3, "S050", 9)
    assert (row[CANONICAL_AUS].to_numpy() == -1).all()
    assert table.attrs["unlabelled_aus"] == 1


def test_ckplus48_label_disagreeing_with_folder_is_reported(tmp_path):
    root = write_ckplus48(tmp_path / "ckplus48")
    path = root / "labels.csv"
    path.write_text(
        path.read_text().replace(
            "CK+48/anger/S010_004_00000018.png,anger", "CK+48/anger/S010_004_00000018.png,fear"
        )
    )
    with pytest.raises(DataFormatError, match=r"labels\.csv:3: label 'fear' disagrees"):
        affectkeras.data.read(f"ckplus:{root / 'CK+48'}?labels={path}")


def test_ckplus48_neutral_first_frame_is_refused(tmp_path):
    root = write_ckplus48(tmp_path / "ckplus48", with_csv=False)
    with pytest.raises(ValueError, match="neutral_first_frame needs the original CK"):
        affectkeras.data.read(f"ckplus:{root / 'CK+48'}?neutral_first_frame=true")


def test_ckplus48_non_binary_au_is_reported(tmp_path):
    root = write_ckplus48(tmp_path / "ckplus48")
    path = root / "labels.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:-1] + "2"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=r"labels\.csv:3: AU27 value '2'"):
        affectkeras.data.read(f"ckplus:{root / 'CK+48'}?labels={path}")
