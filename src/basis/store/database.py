"""Which databases basis stores runs in, and the checks made before it trusts one.

Only SQLite (a file) and PostgreSQL (through psycopg 3) are supported; any other URL is a
`ConfigError` that names them, never a driver traceback. A SQLite file that cannot be
created or written (read-only `BASIS_HOME`, full disk, a folder in the way) is an `IoError`
naming the file before any work is done.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from basis import files
from basis.config import get_settings
from basis.errors import ConfigError
from basis.files import ensure_folder

__all__ = [
    "DEFAULT_FILE",
    "SUPPORTED",
    "Database",
    "create_engine",
    "require_creatable",
    "require_writable",
    "resolve_url",
    "sqlite_file",
]

DEFAULT_FILE: Final = "results.sqlite"
SUPPORTED: Final = "sqlite:///PATH/results.sqlite or postgresql://USER@HOST:5432/DB (psycopg 3)"

# The scheme a user writes → the SQLAlchemy driver basis uses for it.
_DRIVERS: Final = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def resolve_url(url: str | None = None) -> URL:
    """The database URL: `url`, else `BASIS_DB_URL`, else SQLite at `<BASIS_HOME>/results.sqlite`
    (its folder is created). `postgresql://` and `postgres://` use the psycopg 3 driver.

    Raises `ConfigError` for a URL SQLAlchemy cannot parse or a scheme basis does not
    support (naming those it does), `IoError` when the default folder cannot be created.
    """
    if url is None:
        settings = get_settings()
        if not settings.db_url:
            ensure_folder(settings.home, "BASIS_HOME")
            return URL.create("sqlite", database=str(settings.home / DEFAULT_FILE))
        url = settings.db_url
    shown = url.split("@")[-1]  # never echo a password
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"database URL {shown!r} is not a URL like {SUPPORTED}") from None
    driver = _DRIVERS.get(parsed.drivername)
    shown = parsed.render_as_string(hide_password=True)
    if driver is None:
        raise ConfigError(
            f"database URL {shown!r}: scheme {parsed.drivername!r} is not supported; "
            f"use {SUPPORTED}"
        )
    return parsed.set(drivername=driver)


def create_engine(url: URL) -> sa.Engine:
    """An engine for a URL `resolve_url` returned; `ConfigError` when its driver is missing."""
    try:
        return sa.create_engine(url)
    except (NoSuchModuleError, ImportError) as error:
        raise ConfigError(
            f"database driver for {url.drivername!r} is not installed ({error}); "
            f"basis supports {SUPPORTED}"
        ) from None


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite database URL; None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def require_creatable(url: URL) -> None:
    """Create the folder of a SQLite file that does not exist yet, and check it can be
    written; raises `IoError` naming the file when not (read-only, a file in the way)."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        ensure_folder(path.parent, "results database")
        require_writable(url)


def require_writable(url: URL) -> None:
    """Raise `IoError` naming the file when a SQLite database cannot be created or written.

    SQLite writes a journal beside the file, so its folder must be writable too. Other
    databases check their own permissions when written.
    """
    path = sqlite_file(url)
    if path is not None:
        files.require_writable(path.parent / f"{path.name}-journal", shown=path)
        if path.exists() and not os.access(path, os.W_OK):
            with files.io_errors(path, "write the results database"):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))


class Database:
    """A handle on one database: its engine and display URL (never the password), closed
    by `close()` or at the end of a `with` block. The results store, the order journal and
    the account store are each one."""

    def __init__(self, engine: sa.Engine, url: str) -> None:
        self._engine = engine
        self.url = url
        """The database URL without its password, for display."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    @property
    def engine(self) -> sa.Engine:
        """The database engine (the audit log and the sessions share it)."""
        return self._engine
