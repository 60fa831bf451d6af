"""Emulator fixtures: a short scenario catalog and emulators on free ports.

Other test folders use them by importing both into their conftest:
`from tests.venues.fixtures import scenario_catalog, start_emulator  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from basis.venues.emulator.server import (
    EmulatorConfig,
    RunningEmulator,
    build_emulator,
    running_emulator,
)
from tests.conftest import CONFIGS
from tests.venues.stubs import KEY, SECRET, ManualWall

SCENARIO_YEARS = 0.02  # one week of 2024-01: enough for a few funding settlements


@pytest.fixture(scope="session")
def scenario_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """`scenario:default` over one week."""
    from basis.config.market import load_market

    catalog = Catalog(tmp_path_factory.mktemp("venue_catalog"))
    write_scenario(
        catalog, load_scenario("default", CONFIGS), load_market(CONFIGS), years=SCENARIO_YEARS
    )
    return catalog


StartEmulator = Callable[..., RunningEmulator]


@pytest.fixture
def start_emulator(scenario_catalog: Catalog) -> Iterator[StartEmulator]:
    """Start emulators on free ports (stopped after the test); the test's key is registered.

    Keyword arguments go to `EmulatorConfig`; `wall` (default a `ManualWall`) drives its clock.
    """
    stack: list[RunningEmulator] = []
    contexts = []

    def start(wall: Callable[[], float] | None = None, **options: object) -> RunningEmulator:
        config = EmulatorConfig.model_validate({"speed": 3600.0, **options})
        emulator = build_emulator(config, scenario_catalog, CONFIGS, wall=wall or ManualWall())
        emulator.keys.register(KEY, SECRET)
        context = running_emulator(emulator)
        running = context.__enter__()
        contexts.append(context)
        stack.append(running)
        return running

    yield start
    for context in reversed(contexts):
        context.__exit__(None, None, None)
