"""CK+ (Extended Cohn-Kanade): the original release tree, or the CK+48 class folders.

Original layout (../shared/FORMATS.md)::

    ROOT/cohn-kanade-images/S005/001/S005_001_00000011.png
    ROOT/Emotion/S005/001/S005_001_00000011_emotion.txt    one float: 0 neutral, 1 anger,
                                                           2 contempt, 3 disgust, 4 fear, 5 happy,
                                                           6 sadness, 7 surprise
    ROOT/FACS/S005/001/S005_001_00000011_facs.txt          lines "AU intensity"

The file names name the labelled frame, the peak (last) frame of the sequence: it becomes one row
with the sequence's emotion (when it has one: 327 of the 593 sequences) and its FACS AUs (every
sequence). Every AU listed in a FACS file is present (intensity 0 means the intensity was not
coded); every AU not listed is absent (0), so the canonical 12 are never MISSING on a FACS-coded
row, and the AUs outside them are extra columns ``AU<k>``. Sequences with a FACS file but no
emotion file keep their AUs with expression MISSING. With ``neutral_first_frame=true`` the first
frame of every emotion-labelled sequence is added as neutral (its AUs MISSING: they are not coded).
``subject`` is ``S005``, ``video`` the sequence ``S005_001``, ``frame`` the file's frame number.
CK+ has no official split: every row is ``train``; split by ``subject``.

CK+48 (class folders of 48x48 crops, the last 3 frames of each labelled sequence) is read by
``affectkeras.data.readers.ckplus48`` when ROOT holds class folders.

Spec options: ``contempt=missing|other``, ``classes=7|8`` (default 8 with contempt=other, else 7),
``neutral_first_frame=true|false`` (original tree, default false), ``labels=PATH`` (CK+48 only).

Example:
    >>> import affectkeras
    >>> table = affectkeras.data.read("ckplus:/data/CK+?neutral_first_frame=true")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.data.readers import Reader, register_reader
from affectkeras.data.readers.ckplus48 import is_ckplus48, read_ckplus48
from affectkeras.data.readers.images import existing_mask, list_images
from affectkeras.data.readers.label_columns import (
    CONTEMPT_OPTION,
    au_columns,
    canonical_codes,
    expression_options,
)
from affectkeras.data.readers.text_files import not_utf8
from affectkeras.data.reading.errors import DataFormatError
from affectkeras.data.reading.spec import DataSpec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import make_table

IMAGES, EMOTION, FACS = "cohn-kanade-images", "Emotion", "FACS"
CODE_NAMES: dict[int, str] = labels.DATASET_EXPRESSION_CODES["ckplus"]
_LABEL_NAME = re.compile(r"^(S\d+)_(\d+)_(\d+)_(emotion|facs)\.txt$", re.IGNORECASE)


def _label_files(root: Path, kind: str) -> dict[tuple[str, str, int], Path]:
    """(subject, sequence, frame) -> file, for every ``<kind>`` label file under ROOT/<kind>."""
    found = {}
    folder = root / (EMOTION if kind == "emotion" else FACS)
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob(f"*/*/*_{kind}.txt")):
        match = _LABEL_NAME.match(path.name)
        if match is None:
            raise DataFormatError(path, None, f"not a CK+ {kind} file name (S005_001_00000011)")
        subject, sequence, frame = match.group(1), match.group(2), int(match.group(3))
        key = (subject, sequence, frame)
        found[key] = path
    return found


def _numbers(path: Path) -> np.ndarray:
    """The whitespace-separated numbers of a CK+ label file, one row per non-blank line."""
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from None
    rows = []
    for index, line in enumerate(lines, start=1):
        try:
            rows.append([float(value) for value in line.split()])
        except ValueError:
            raise DataFormatError(path, index, f"not numbers: {line.strip()!r}") from None
    return np.asarray(rows, dtype=np.float64)


def parse_emotion(path: Path) -> int:
    """The CK+ emotion code (0-7) of an ``*_emotion.txt`` file."""
    values = _numbers(path)
    if (
        values.shape != (1, 1)
        or values[0, 0] != round(values[0, 0])
        or values[0, 0] not in range(8)
    ):
        raise DataFormatError(path, 1, "expected one number, an emotion code 0-7")
    return int(values[0, 0])


def parse_facs(path: Path) -> set[int]:
    """The AUs listed in a ``*_facs.txt`` file (each present, whatever its intensity)."""
    values = _numbers(path)
    if values.size == 0:
        return set()
    if values.ndim != 2 or values.shape[1] != 2:
        raise DataFormatError(path, 1, "expected lines 'AU intensity'")
    bad = (values[:, 0] != np.round(values[:, 0])) | (values[:, 0] < 1)
    if bad.any():
        raise DataFormatError(path, int(np.argmax(bad)) + 1, "an AU number is not an integer >= 1")
    return {int(au) for au in values[:, 0]}


def image_of(root: Path, subject: str, sequence: str, frame: int) -> str:
    return str(root / IMAGES / subject / sequence / f"{subject}_{sequence}_{frame:08d}.png")


def read_original(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads the original CK+ tree (see the module docstring)."""
    root = spec.path
    classes, contempt = expression_options(spec)
    emotions = {key: parse_emotion(path) for key, path in _label_files(root, "emotion").items()}
    facs = {key: parse_facs(path) for key, path in _label_files(root, "facs").items()}
    keys = sorted(set(emotions) | set(facs))
    if not keys:
        raise DataFormatError(root, None, f"no CK+ label files under {EMOTION}/ or {FACS}/")
    native = [CODE_NAMES[emotions[k]] if k in emotions else "" for k in keys]
    coded = [k in facs for k in keys]
    rows = {
        "path": [image_of(root, *key) for key in keys],
        "subject": [k[0] for k in keys],
        "video": [f"{k[0]}_{k[1]}" for k in keys],
        "frame": [k[2] for k in keys],
        "label_native": native,
        "facs": [facs.get(k, set()) for k in keys],
        "coded": coded,
    }
    if spec.flag("neutral_first_frame", False):
        _add_first_frames(root, sorted(emotions), rows, skips)
    n = len(rows["path"])
    coded_rows = np.asarray(rows["coded"], dtype=bool)
    numbers = sorted(set().union(*rows["facs"]))
    values = {
        number: np.where(
            coded_rows, [number in aus for aus in rows["facs"]], labels.MISSING_AU
        ).astype(np.int8)
        for number in numbers
    }
    for name in labels.ACTION_UNITS:  # coded rows: a canonical AU never listed is absent
        values.setdefault(int(name[2:]), np.where(coded_rows, 0, labels.MISSING_AU))
    native = np.asarray(rows["label_native"], dtype=object)
    columns = {
        "path": np.asarray(rows["path"], dtype=object),
        "split": "train",
        "subject": np.asarray(rows["subject"], dtype=object),
        "video": np.asarray(rows["video"], dtype=object),
        "frame": np.asarray(rows["frame"], dtype=np.int64),
        "expression": canonical_codes(native, classes, contempt),
        "label_native": native,
        **au_columns(values, n),
    }
    exists = existing_mask(list(columns["path"]), skips)
    order = np.lexsort((columns["frame"][exists], columns["video"][exists]))
    table = make_table(
        {k: (v[exists][order] if isinstance(v, np.ndarray) else v) for k, v in columns.items()},
        "ckplus",
        classes,
    )
    table.attrs["available_splits"] = ["train"]
    return table


def _add_first_frames(root: Path, labelled: list, rows: dict, skips: SkipReport) -> None:
    """Appends the first frame of each emotion-labelled sequence as a neutral row."""
    for subject, sequence, peak in labelled:
        folder = root / IMAGES / subject / sequence
        images = list_images(folder) if folder.is_dir() else []
        if not images:
            skips.add("missing_sequence_images", [str(folder)])
            continue
        first = images[0]
        match = re.match(r"^S\d+_\d+_(\d+)$", first.stem)
        frame = int(match.group(1)) if match else 1
        if frame == peak:
            continue
        rows["path"].append(str(first))
        rows["subject"].append(subject)
        rows["video"].append(f"{subject}_{sequence}")
        rows["frame"].append(frame)
        rows["label_native"].append("neutral")
        rows["facs"].append(set())
        rows["coded"].append(False)


def read_ckplus(spec: DataSpec, skips: SkipReport) -> pd.DataFrame:
    """Reads CK+ in whichever layout ROOT holds: the original tree or CK+48 class folders."""
    root = spec.path
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (data spec {spec})")
    if any((root / name).is_dir() for name in (IMAGES, EMOTION, FACS)):
        if "labels" in spec.options:
            raise ValueError(f"Data spec {spec}: labels= is for the CK+48 folders only")
        return read_original(spec, skips)
    if is_ckplus48(root):
        if spec.flag("neutral_first_frame", False):
            raise ValueError(
                f"Data spec {spec}: neutral_first_frame needs the original CK+ tree; CK+48 "
                "holds only the last frames of each sequence"
            )
        return read_ckplus48(spec, skips)
    raise DataFormatError(
        root,
        None,
        f"neither the original CK+ tree ({IMAGES}/, {EMOTION}/, {FACS}/) nor CK+48 class folders",
    )


register_reader(
    Reader(
        name="ckplus",
        read=read_ckplus,
        summary="CK+: original tree (peak frames, emotions, FACS AUs) or CK+48 class folders",
        options={
            "classes": "7|8 expression classes (default 8 with contempt=other, else 7)",
            "contempt": CONTEMPT_OPTION,
            "neutral_first_frame": "true|false: add each labelled sequence's first frame as "
            "neutral (original tree; default false)",
            "labels": "CK+48 labels CSV (path,label,subject,...,AU columns; paths relative to "
            "the CSV's folder) adding subjects and AUs",
        },
    )
)
