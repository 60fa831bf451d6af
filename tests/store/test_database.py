"""Database URLs: only SQLite and PostgreSQL (psycopg 3); a missing driver is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import NoSuchModuleError

from basis.errors import ConfigError
from basis.store import database
from basis.store.database import create_engine, resolve_url


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///x.sqlite", "sqlite"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
    ],
)
def test_resolve_url_supported_schemes_pick_the_driver(url: str, driver: str) -> None:
    assert resolve_url(url).drivername == driver


def test_resolve_url_default_is_sqlite_in_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_HOME", str(tmp_path / "h"))
    assert resolve_url().database == str(tmp_path / "h" / "results.sqlite")


def test_create_engine_missing_driver_is_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(url: object) -> sa.Engine:
        raise NoSuchModuleError("Can't load plugin: sqlalchemy.dialects:postgresql.psycopg")

    monkeypatch.setattr(database.sa, "create_engine", missing)
    with pytest.raises(
        ConfigError, match="database driver for 'postgresql\\+psycopg' is not installed"
    ):
        create_engine(resolve_url("postgresql://u@h/db"))
