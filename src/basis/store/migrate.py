"""Bring a results database to the newest schema with the Alembic scripts shipped in the package."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from basis.errors import ConfigError
from basis.store.schema import VERSION_TABLE

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"

# Serialises concurrent upgrades of one PostgreSQL database (any fixed 64-bit key will do).
_LOCK_KEY: Final = 0x6261736973_01


def alembic_config() -> Config:
    """An Alembic config built in code: no alembic.ini is needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision the shipped scripts know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at; None for a database the store never touched."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: sa.Engine, display_url: str) -> None:
    """Upgrade the database behind `engine` to head in one transaction; a no-op at head.

    Raises `ConfigError` when the database is at a revision this version does not know
    (it was upgraded by a newer basis).
    """
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        current = current_revision(connection)
        if current == head:
            return
        try:
            if current is not None:
                script.get_revision(current)
        except CommandError:
            raise ConfigError(
                f"results database {display_url} is at schema revision {current!r}, which this "
                f"version of basis does not know (its newest is {head!r}); upgrade basis"
            ) from None
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
