"""Fixtures of the audit tests: the store's fresh databases."""

from tests.store.conftest import database_url

__all__ = ["database_url"]
