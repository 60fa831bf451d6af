"""Fixtures of the live tests: emulators on free ports and a long scenario catalog for
`basis venue serve` in a child process (fresh databases: tests/conftest.py)."""

from __future__ import annotations

import pytest

from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from tests.conftest import CONFIGS
from tests.venues.conftest import scenario_catalog, start_emulator

__all__ = ["live_catalog", "scenario_catalog", "start_emulator"]

LIVE_SCENARIO_YEARS = 0.3  # 2,628 hours: 22 minutes of wall time at 7,200x, prices moving


@pytest.fixture(scope="session")
def live_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """`scenario:default` over 16 weeks, for `basis venue serve` in a child process."""
    catalog = Catalog(tmp_path_factory.mktemp("live_catalog"))
    write_scenario(
        catalog, load_scenario("default", CONFIGS), load_market(CONFIGS), years=LIVE_SCENARIO_YEARS
    )
    return catalog
