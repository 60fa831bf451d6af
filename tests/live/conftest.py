"""Fixtures of the live tests: the store's fresh databases, and emulators on free ports."""

from tests.store.conftest import database_url
from tests.venues.conftest import scenario_catalog, start_emulator

__all__ = ["database_url", "scenario_catalog", "start_emulator"]
