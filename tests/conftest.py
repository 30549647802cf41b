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


def pytest_collection_modifyitems(config, items):
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
