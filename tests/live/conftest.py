"""Fixtures of the live tests: the store's fresh databases (SQLite, and PostgreSQL when set)."""

from tests.store.conftest import database_url

__all__ = ["database_url"]
