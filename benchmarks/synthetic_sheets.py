"""Draws the contact sheets of docs/synthetic.md into docs/images/ (PNG, deterministic).

Run: ``python benchmarks/synthetic_sheets.py [--out docs/images]``; prints the files written
and their sizes as JSON.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from affectkeras import labels
from affectkeras.data.synthetic import Identity, Scene, make_video, render_face
from affectkeras.data.synthetic.faces import prototype_intensities
from affectkeras.data.synthetic.videos import random_other_aus

LABEL_HEIGHT = 16


def one_au(name: str) -> np.ndarray:
    values = np.zeros(12, np.float32)
    values[labels.ACTION_UNITS.index(name)] = 1.0
    return values


def titled(tiles: list[np.ndarray], titles: list[str]) -> np.ndarray:
    """A row of tiles with a white title strip above each."""
    out = []
    for tile, title in zip(tiles, titles, strict=True):
        strip = np.full((LABEL_HEIGHT, tile.shape[1], 3), 255, np.uint8)
        scale = min(0.4, 0.4 * tile.shape[1] / max(1, 7.5 * len(title)))
        cv2.putText(
            strip, title, (2, 12), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA
        )
        out.append(np.vstack([strip, tile]))
    return np.hstack(out)


def gray48(image: np.ndarray) -> np.ndarray:
    small = cv2.cvtColor(
        cv2.resize(image, (48, 48), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
    )
    return cv2.cvtColor(
        cv2.resize(small, (96, 96), interpolation=cv2.INTER_NEAREST), cv2.COLOR_GRAY2RGB
    )


def sheets() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    people = [Identity.sample(rng) for _ in range(3)]
    studio = Scene(background=(200, 205, 210), background2=(170, 175, 185))
    neutral = [
        render_face(Identity.sample(rng), np.zeros(12), replace(Scene.sample(rng), noise=0.0))
        for _ in range(16)
    ]
    grid = np.vstack([np.hstack(neutral[i : i + 8]) for i in (0, 8)])
    expressions = list(labels.EXPRESSIONS)
    other = prototype_intensities()
    other[[labels.ACTION_UNITS.index(a) for a in random_other_aus(rng)]] = 1.0
    expression_rows = []
    for person in people:
        tiles = [render_face(person, prototype_intensities(e), studio) for e in expressions[:7]]
        tiles.append(render_face(person, other, studio))
        expression_rows.append(titled(tiles, expressions))
    names = ["neutral", *labels.ACTION_UNITS]
    au_rows = []
    for person in people:
        tiles = [
            render_face(person, np.zeros(12) if n == "neutral" else one_au(n), studio)
            for n in names
        ]
        au_rows.append(titled(tiles, names))
    compound_rows = []
    short = [
        name.replace("_", " ").replace("fearfully", "fearf.").replace("angrily", "angr.")
        for name in labels.COMPOUND_EMOTIONS
    ]
    for person in people[:2]:
        tiles = [
            render_face(person, prototype_intensities(*labels.COMPOUND_COMPONENTS[c]), studio)
            for c in labels.COMPOUND_EMOTIONS
        ]
        compound_rows.append(titled(tiles, short))
    gray_rows = []
    for person in people[:2]:
        tiles = [
            gray48(render_face(person, np.zeros(12) if n == "neutral" else one_au(n), studio))
            for n in names
        ]
        gray_rows.append(titled(tiles, names))
        tiles = [
            gray48(render_face(person, prototype_intensities(e), studio)) for e in expressions[:7]
        ]
        gray_rows.append(
            titled(tiles + [np.full_like(tiles[0], 255)] * 6, expressions[:7] + [""] * 6)
        )
    video = make_video(seed=0, index=3, frames=120)
    picks = np.linspace(0, 119, 12).astype(int)
    strip = titled(
        [
            render_face(video.identity, video.intensities[i], replace(video.scenes[i], noise=0.0))
            for i in picks
        ],
        [f"{i + 1} {labels.EXPRESSIONS[video.expression[i]][:5]}" for i in picks],
    )
    return {
        "synthetic_neutral.png": grid,
        "synthetic_expressions.png": np.vstack(expression_rows),
        "synthetic_action_units.png": np.vstack(au_rows),
        "synthetic_compound.png": np.vstack(compound_rows),
        "synthetic_48px_gray.png": np.vstack(gray_rows),
        "synthetic_video.png": strip,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(Path(__file__).parents[1] / "docs" / "images"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, image in sheets().items():
        path = out / name
        cv2.imwrite(
            str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9]
        )
        written[name] = path.stat().st_size
    print(json.dumps(written, indent=2))


if __name__ == "__main__":
    main()
