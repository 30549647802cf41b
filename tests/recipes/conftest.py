"""Synthetic data for the recipe tests: a small Aff-Wild2 tree and three still-image sets."""

from __future__ import annotations

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
