"""Fixtures of the live tests: emulators on free ports (fresh databases: tests/conftest.py)."""

from tests.venues.conftest import scenario_catalog, start_emulator

__all__ = ["scenario_catalog", "start_emulator"]
