"""Fixtures of the trading tests: emulators on free ports (tests/venues/fixtures.py)."""

from tests.venues.fixtures import scenario_catalog, start_emulator

__all__ = ["scenario_catalog", "start_emulator"]
