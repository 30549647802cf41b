"""Shared pytest setup: keep every cache the tests create inside pytest's temporary folders."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """No test writes into ~/.cache: AFFECTKERAS_CACHE points at a per-test temporary folder."""
    monkeypatch.setenv("AFFECTKERAS_CACHE", str(tmp_path_factory.mktemp("affectkeras-cache")))
