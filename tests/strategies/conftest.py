"""Fixtures of the strategy tests: one short scenario catalog per session."""

from __future__ import annotations

import pytest

from basis.data.catalog import Catalog
from tests.engine.stubs import scenario_catalog


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """`default` and `eth_crash` over a quarter of a year, and `default` without okx ETH."""
    return scenario_catalog(tmp_path_factory.mktemp("strategies_catalog"))
