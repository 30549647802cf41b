"""The Feed both pipelines share, and what importing the pipeline modules pulls in."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from affectkeras.data.feeding.feed import make_feed
from affectkeras.data.feeding.sampling import Sampler
from affectkeras.data.feeding.subsets import subset_tasks, task_subsets
from affectkeras.data.feeding.windows import frame_windows
from affectkeras.data.table import make_table
from affectkeras.output_spec import OutputSpec
from tests.helpers.pipeline_data import random_labels

SPEC = OutputSpec.create("expr,au", num_classes=7)


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    return make_table(
        {
            "path": [f"/d/{i}.jpg" for i in range(40)],
            "split": "train",
            "box_x": [2.4] + [np.nan] * 39,
            "box_y": [3.0] + [np.nan] * 39,
            "box_w": [10.6] + [np.nan] * 39,
            "box_h": [9.0] + [np.nan] * 39,
            **random_labels(rng, 40, missing=0.5),
        },
        "affwild2",
    )


def test_boxes_are_rounded_and_absent_boxes_are_zero(table):
    feed = make_feed(table, SPEC)
    assert feed.boxes[0].tolist() == [2, 3, 11, 9]
    assert (feed.boxes[1:] == 0).all() and feed.image_size == (112, 112)


def test_seed_000_subset_feed_trains_only_its_tasks(table):
    sets = task_subsets(table)
    for name, tasks in subset_tasks().items():
        feed = make_feed(table.iloc[sets[name]], SPEC, tasks=tasks)
        for task in SPEC.names:
            if task in tasks:
                assert (feed.sample_weight[task] == 1).all(), (name, task)
            else:
                assert (feed.sample_weight[task] == 0).all(), (name, task)


def test_blocks_sampler_over_the_whole_table(table):
    sets = task_subsets(table)
    sampler = Sampler.blocks([sets["E"], sets["A"], sets["B"]], batch_size=4, seed=0)
    feed = make_feed(table, SPEC, sampler=sampler)
    order = feed.sampler.indices(0).reshape(-1, 4)
    for batch in order:
        has_expr = feed.sample_weight["expression"][batch] > 0
        has_au = feed.sample_weight["action_units"][batch] > 0
        kind = {(True, False): "E", (False, True): "A", (True, True): "B"}
        assert len({kind[(e, a)] for e, a in zip(has_expr, has_au, strict=True)}) == 1


def test_feed_checks_sampler_and_windows_sizes(table):
    with pytest.raises(ValueError, match="sampler draws from 50"):
        make_feed(table, SPEC, sampler=Sampler(50))
    with pytest.raises(ValueError, match="beyond the table"):
        make_feed(table.iloc[:5], SPEC, windows=frame_windows(table, 2))


def test_table_level_modules_import_without_tensorflow_keras_or_opencv():
    code = (
        "import sys, affectkeras.data, affectkeras.data.feeding.feed\n"
        "bad = [m for m in ('tensorflow', 'keras', 'cv2') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "import affectkeras.data.feeding.tf_data, affectkeras.data.feeding.in_memory\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
