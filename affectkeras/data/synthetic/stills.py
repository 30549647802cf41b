"""Still-image synthetic sets for multi-database experiments: one task each, two drawing styles.

Kinds (``STILL_KINDS``):

- ``expression``: the 7 basic expressions (canonical ``expression``; AUs and VA MISSING), drawn in
  the ``studio`` style (colour, frontal, even light), balanced over the classes.
- ``au``: the 12 AUs only (``expression`` MISSING), drawn in the ``lab`` style (grayscale, more
  contrast, other backdrops): half the images show a prototype, half random AU sets.
- ``compound``: seed 003's eight compound expressions, each drawn as the union of its two
  prototypes' AUs, labelled in their own space: ``label_native`` is the compound name and
  ``compound`` its index in ``labels.COMPOUND_EMOTIONS`` (canonical labels MISSING).

So SJMT and teacher-student have two domains to bridge (different styles and label sets).
Identities are split by subject: the last ``validation`` fraction of subjects form the
``validation`` split, so the splits share no identity.

Writing (``write_stills``): ``layout="folders"`` puts images in ``OUT/<split>/<class>/``;
``layout="csv"`` in ``OUT/images/``. Both write ``OUT/labels.csv`` with the sample-table columns
``path`` (relative to OUT), ``split``, ``subject``, ``expression``, ``AU1 ... AU26``, ``valence``,
``arousal``, ``label_native`` (plus ``compound`` for the compound kind).

Example:
    >>> from affectkeras.data.synthetic.stills import make_stills
    >>> images, table = make_stills("compound", 16, size=48)
    >>> images.shape, sorted(set(table["split"]))
    ((16, 48, 48, 3), ['train', 'validation'])
    >>> table["label_native"].iloc[0]
    'angrily_disgusted'
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from affectkeras import labels
from affectkeras.data.synthetic.faces import AU_INDEX, Identity, Scene, render_face
from affectkeras.data.synthetic.videos import ONSET
from affectkeras.data.synthetic.writer import commit_partial, prepare_partial

STILL_KINDS: tuple[str, ...] = ("expression", "au", "compound")
STYLES: tuple[str, ...] = ("studio", "lab", "wild")
DEFAULT_STYLES: dict[str, str] = {"expression": "studio", "au": "lab", "compound": "studio"}
LAYOUTS: tuple[str, ...] = ("folders", "csv")
IMAGES_PER_SUBJECT = 4
CSV_COLUMNS: tuple[str, ...] = (
    "path",
    "split",
    "subject",
    "expression",
    *labels.ACTION_UNITS,
    *labels.VALENCE_AROUSAL,
    "label_native",
)


def _scene(rng: np.random.Generator, style: str) -> Scene:
    if style == "wild":
        return Scene.sample(rng, wild=True)
    scene = Scene.sample(rng, wild=False)
    if style == "lab":
        grey = float(rng.uniform(20, 90))
        return Scene(
            scale=scene.scale,
            gain=float(rng.uniform(1.05, 1.25)),
            bias=-20.0,
            background=(grey, grey, grey),
            background2=(grey + 25, grey + 25, grey + 25),
            noise=3.0,
            noise_offset=scene.noise_offset,
            gray=True,
        )
    return scene


def _intensities(rng: np.random.Generator, aus) -> np.ndarray:
    values = np.zeros(len(labels.ACTION_UNITS), np.float32)
    for au in aus:
        values[AU_INDEX[au]] = rng.uniform(0.65, 1.0)
    return values


def make_stills(
    kind: str,
    count: int,
    seed: int = 0,
    size: int = 112,
    style: str | None = None,
    validation: float = 0.2,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Draws a still-image set in memory.

    Args:
        kind: ``"expression"``, ``"au"`` or ``"compound"`` (see the module docstring).
        count: number of images (>= 2). seed: the set's seed. size: image side in pixels.
        style: ``"studio"``, ``"lab"`` or ``"wild"`` (default per kind: ``DEFAULT_STYLES``).
        validation: fraction of subjects (identities) in the ``validation`` split.

    Returns:
        ``(images, table)``: uint8 RGB [count, size, size, 3] and a DataFrame with the columns
        of ``CSV_COLUMNS`` (``path`` empty until written), plus ``compound`` for that kind.
    """
    if kind not in STILL_KINDS:
        raise ValueError(f"Unknown still-image kind {kind!r}; choose one of {STILL_KINDS}")
    style = style or DEFAULT_STYLES[kind]
    if style not in STYLES:
        raise ValueError(f"Unknown style {style!r}; choose one of {STYLES}")
    if count < 2:
        raise ValueError(f"count must be >= 2, got {count}")
    if not 0.0 < validation < 1.0:
        raise ValueError(f"validation must be a fraction in (0, 1), got {validation}")
    rng = np.random.default_rng([int(seed), STILL_KINDS.index(kind), 5])
    subjects = -(-count // IMAGES_PER_SUBJECT)
    first_validation = subjects - max(1, round(subjects * validation))
    identities = [Identity.sample(rng) for _ in range(subjects)]
    images = np.empty((count, size, size, 3), np.uint8)
    rows = []
    basics = labels.EXPRESSIONS[:7]
    for i in range(count):
        subject = i // IMAGES_PER_SUBJECT
        row = {
            "path": "",
            "split": "validation" if subject >= first_validation else "train",
            "subject": f"s{subject:04d}",
            "expression": labels.MISSING_EXPRESSION,
            **{au: labels.MISSING_AU for au in labels.ACTION_UNITS},
            "valence": labels.MISSING_VA,
            "arousal": labels.MISSING_VA,
        }
        if kind == "expression":
            name = basics[i % len(basics)]
            au = _intensities(rng, labels.PROTOTYPE_AUS[name])
            row["expression"], row["label_native"] = basics.index(name), name
        elif kind == "compound":
            name = labels.COMPOUND_EMOTIONS[i % len(labels.COMPOUND_EMOTIONS)]
            parts = labels.COMPOUND_COMPONENTS[name]
            au = _intensities(
                rng, set(labels.PROTOTYPE_AUS[parts[0]] + labels.PROTOTYPE_AUS[parts[1]])
            )
            row["label_native"], row["compound"] = name, labels.COMPOUND_EMOTIONS.index(name)
        else:
            if rng.uniform() < 0.5:
                chosen = labels.PROTOTYPE_AUS[basics[int(rng.integers(1, 7))]]
            else:
                chosen = [a for a in labels.ACTION_UNITS if rng.uniform() < 0.2]
            au = _intensities(rng, chosen)
            au = np.where(rng.uniform(size=au.shape) < 0.1, rng.uniform(0, 0.3, au.shape), au)
            for index, name in enumerate(labels.ACTION_UNITS):
                row[name] = int(au[index] >= ONSET)
            row["label_native"] = ""
        images[i] = render_face(identities[subject], au, _scene(rng, style), size)
        rows.append(row)
    table = pd.DataFrame(rows)
    return images, table[[*CSV_COLUMNS, *(["compound"] if kind == "compound" else [])]]


def write_stills(
    out: str | os.PathLike,
    kind: str,
    count: int,
    seed: int = 0,
    size: int = 112,
    style: str | None = None,
    layout: str = "folders",
    progress: bool = True,
) -> pd.DataFrame:
    """Writes a still-image set (JPEG) and ``labels.csv``; returns the table as written.

    ``layout="folders"`` needs a class per image, so it is refused for ``kind="au"``. An existing
    ``out`` is replaced only if it is an earlier synthetic tree or empty.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     table = write_stills(f"{tmp}/expr", "expression", 14, size=48, progress=False)
        >>> table["path"].iloc[0]
        'train/neutral/00000.jpg'
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose one of {LAYOUTS}")
    if layout == "folders" and kind == "au":
        raise ValueError("the AU-only set has no class per image: use layout='csv'")
    images, table = make_stills(kind, count, seed, size, style)
    partial = prepare_partial(Path(out))
    params = [cv2.IMWRITE_JPEG_QUALITY, 95]
    paths = []
    for i in tqdm(range(count), desc=f"synth {kind}", unit="img", disable=not progress or None):
        if layout == "folders":
            relative = f"{table['split'].iloc[i]}/{table['label_native'].iloc[i]}/{i:05d}.jpg"
        else:
            relative = f"images/{i:05d}.jpg"
        path = partial / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(images[i], cv2.COLOR_RGB2BGR), params)
        if not ok:
            raise OSError(f"OpenCV could not encode {path}")
        path.write_bytes(data.tobytes())
        paths.append(relative)
    table = table.assign(path=paths)
    table.to_csv(partial / "labels.csv", index=False, lineterminator="\n")
    summary = {"kind": kind, "count": count, "seed": seed, "size": size, "layout": layout}
    commit_partial(partial, Path(out), summary)
    return table
