"""Fixtures of the live tests: the store's fresh databases (SQLite, and PostgreSQL when set),
and a scenario catalog for the emulator."""

from __future__ import annotations

import pytest

from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from tests.conftest import CONFIGS
from tests.store.conftest import database_url

__all__ = ["database_url", "live_catalog"]

LIVE_SCENARIO_YEARS = 0.3  # 2,628 hours: 22 minutes of wall time at 7,200x, prices moving


@pytest.fixture(scope="session")
def live_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """`scenario:default` over 16 weeks, for `basis venue serve` in a child process."""
    catalog = Catalog(tmp_path_factory.mktemp("live_catalog"))
    write_scenario(
        catalog, load_scenario("default", CONFIGS), load_market(CONFIGS), years=LIVE_SCENARIO_YEARS
    )
    return catalog
