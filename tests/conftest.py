"""Shared pytest setup: the two test tiers, and every cache the tests create kept inside pytest's
temporary folders.

Tiers: ``python -m pytest`` runs the fast tier (every unit test, one short fit per recipe, one
export with its parity check; a few minutes on 2 cores). Tests marked ``slow`` (notebooks, the
demo, end-to-end and multi-stage runs, conversions, heavy backbones) run only with ``--slow``;
``python -m pytest --slow -m slow`` runs just them, as CI does after the fast tier. Without the
option they are reported as skipped, with the command that runs them.
"""

from __future__ import annotations

import pytest

SLOW_OPTION = "--slow"


def pytest_addoption(parser):
    parser.addoption(
        SLOW_OPTION,
        action="store_true",
        default=False,
        help="also run the slow tier (tests marked 'slow'); CI runs it: pytest --slow -m slow",
    )


LONGEST_FILES_FIRST: dict[str, int] = {
    "tests/test_notebooks.py": 232,
    "tests/data/synthetic/test_learning.py": 150,
    "tests/models/test_backbones.py": 130,
    "tests/recipes/test_teacher_student.py": 75,
    "tests/recipes/test_faults.py": 70,
    "tests/export/test_export_model.py": 60,
    "tests/recipes/test_temporal_stat.py": 55,
    "tests/recipes/test_mtl_fusion.py": 50,
    "tests/inference/test_predict_cli.py": 50,
}
"""Slow-tier seconds per file (2 cores, measured). With ``--no-loadscope-reorder`` (.ci/run's slow
tier) pytest-xdist's ``--dist loadfile`` hands out files in collection order, so the longest go
first and the short ones fill in at the end; by default it orders files by their number of
tests, which left one worker idle for ~100 s while the other ran the notebooks."""


def pytest_collection_modifyitems(config, items):
    def cost(item) -> int:
        return LONGEST_FILES_FIRST.get(item.nodeid.split("::", 1)[0], 0)

    items.sort(key=cost, reverse=True)  # stable: each file's tests keep their order
    if config.getoption(SLOW_OPTION):
        return
    skip = pytest.mark.skip(reason="slow tier: run with `python -m pytest --slow -m slow`")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """No test writes into ~/.cache: AFFECTKERAS_CACHE points at a per-test temporary folder."""
    monkeypatch.setenv("AFFECTKERAS_CACHE", str(tmp_path_factory.mktemp("affectkeras-cache")))
