"""Fixtures of the venue tests (defined in fixtures.py so other folders can import them)."""

from tests.venues.fixtures import StartEmulator, scenario_catalog, start_emulator

__all__ = ["StartEmulator", "scenario_catalog", "start_emulator"]
