"""Synthetic data for the recipe tests: a small Aff-Wild2 tree, still-image sets, EmotioNet."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras.data.synthetic import write_stills
from affectkeras.data.synthetic.writer import write_affwild2

TINY = ["backbone=tiny", "image_size=32", "batch_size=32", "verbose=0"]
"""Overrides that make any recipe train in seconds on 2 CPU cores."""


@pytest.fixture(scope="session")
def affwild2_tree(tmp_path_factory):
    """6 videos x 24 frames at 32 px: every task labelled in Train and Validation."""
    root = tmp_path_factory.mktemp("affwild2-synth")
    write_affwild2(root, videos=6, frames=24, seed=3, size=32, progress=False)
    return root


@pytest.fixture(scope="session")
def still_sets(tmp_path_factory):
    """Expression-only, AU-only and compound still sets (csv layout), as data specs."""
    root = tmp_path_factory.mktemp("stills")
    specs = {}
    for kind, images in (("expression", 60), ("au", 60), ("compound", 60)):
        write_stills(root / kind, kind, images, seed=1, size=32, layout="csv", progress=False)
        specs[kind] = f"csv:{root / kind / 'labels.csv'}"
    return specs


EMOTIONET_AUS = ("AU1", "AU2", "AU4", "AU5", "AU6", "AU9", "AU12", "AU17", "AU20", "AU25", "AU26")


@pytest.fixture(scope="session")
def emotionet_set(tmp_path_factory):
    """An EmotioNet-format file (image URL, then its 11 AUs, 999 = not coded) over synthetic
    AU stills: the AUs shared with the canonical 12 are the images' own, AU5/9/17/20 random."""
    root = tmp_path_factory.mktemp("emotionet")
    table = write_stills(root, "au", 40, seed=4, size=32, layout="csv", progress=False)
    rng = np.random.default_rng(0)
    lines = ["\t".join(["URL", *EMOTIONET_AUS])]
    for _, row in table.iterrows():
        values = [int(row[au]) if au in row else int(rng.integers(0, 2)) for au in EMOTIONET_AUS]
        values[3] = 999 if rng.random() < 0.2 else values[3]  # AU5 sometimes not coded
        lines.append("\t".join([f"http://example.com/{row['path']}", *map(str, values)]))
    path = root / "emotionet.tsv"
    path.write_text("\n".join(lines) + "\n")
    return f"emotionet:{path}?image_root={root / 'images'}"
