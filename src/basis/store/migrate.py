"""Bring a results database to the newest schema with the Alembic scripts shipped in the package.

Alembic (with Mako and Pygments) takes ~0.1 s to import, a twentieth of the wall-time
budget of `basis backtest --json`. Opening a database that is already at the newest
shipped revision is therefore checked with one query and no Alembic; Alembic is imported
only when there is something to migrate (or to refuse).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from basis.errors import ConfigError
from basis.store.schema import VERSION_TABLE

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATIONS",
    "alembic_config",
    "current_revision",
    "head_revision",
    "shipped_head",
    "upgrade",
]

MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"

# Serialises concurrent upgrades of one PostgreSQL database (any fixed 64-bit key will do).
_LOCK_KEY: Final = 0x6261736973_01

# Serialises upgrades within this process: Alembic keeps its running context in module
# globals, so two threads upgrading at once (the API opening a journal that a run thread is
# creating) corrupt each other, and SQLite has no advisory lock to take instead.
_PROCESS_LOCK: Final = threading.Lock()

# `revision: str = "0001"` and `down_revision: ... = None | "0001" | ("a", "b")` in a script.
_ASSIGNMENT: Final = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+)$", re.MULTILINE)
_QUOTED: Final = re.compile(r"""["']([^"']+)["']""")
_VERSIONS: Final = sa.table(VERSION_TABLE, sa.column("version_num"))


def alembic_config() -> Config:
    """An Alembic config built in code: no alembic.ini is needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision the shipped scripts know (as Alembic reads them)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at; None for a database the store never touched."""
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: sa.Engine, display_url: str) -> None:
    """Upgrade the database behind `engine` to head in one transaction; a no-op at head.

    Raises `ConfigError` when the database is at a revision this version does not know
    (it was upgraded by a newer basis).
    """
    with _PROCESS_LOCK, _directory_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        if _at_shipped_head(connection):
            return
        _upgrade_with_alembic(connection, display_url)


@contextlib.contextmanager
def _directory_lock(engine: sa.Engine) -> Iterator[None]:
    """For a SQLite file, hold an exclusive `flock` on its directory while upgrading.

    Two processes creating one SQLite file at once (a CLI run and `basis serve`) would each
    find it empty and create the same tables; SQLite has no advisory lock to take, so the
    directory's lock serialises them. Nothing is written beside the database; other
    databases (in-memory, PostgreSQL) and systems without `fcntl` take no lock.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no cross-process lock to take
        yield
        return
    try:
        handle = os.open(Path(database).resolve().parent, os.O_RDONLY)
    except OSError:  # no such directory: SQLite itself will say so
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def _upgrade_with_alembic(connection: sa.Connection, display_url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
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


def _at_shipped_head(connection: sa.Connection) -> bool:
    """True when the version table holds exactly the shipped head; False when unsure."""
    head = shipped_head()
    if head is None or not sa.inspect(connection).has_table(VERSION_TABLE):
        return False
    stamped = connection.execute(sa.select(_VERSIONS.c.version_num)).scalars().all()
    return list(stamped) == [head]


@functools.cache
def shipped_head() -> str | None:
    """The single head of the shipped scripts, read from their text without Alembic.

    None when a script cannot be read this simply or there is not exactly one head; the
    caller then asks Alembic. `head_revision()` is the authority; this must agree with it.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        text = path.read_text()
        found = {match[1]: match[2] for match in _ASSIGNMENT.finditer(text)}
        ids = _QUOTED.findall(found.get("revision", ""))
        if len(ids) != 1:
            return None
        revisions.add(ids[0])
        parents.update(_QUOTED.findall(found.get("down_revision", "")))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
