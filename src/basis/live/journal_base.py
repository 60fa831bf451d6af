"""The journal's database handle: open (migrated), close, the clock, and units of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Self

import sqlalchemy as sa

from basis.store.database import Database
from basis.store.results import open_database

__all__ = ["JournalBase"]


class JournalBase(Database):
    """A journal database: every call commits on its own, unless made inside
    `with journal.unit():`, where all calls commit together or not at all. Times come
    from `clock` (UTC now by default)."""

    def __init__(self, engine: sa.Engine, url: str, clock: Callable[[], datetime]) -> None:
        super().__init__(engine, url)
        self.now = clock
        """The journal's clock: the time stamped on every row."""
        self._unit: sa.Connection | None = None

    @classmethod
    def open(cls, url: str | None = None, *, clock: Callable[[], datetime] | None = None) -> Self:
        """The journal in the database `url` (as `resolve_url` takes it), upgraded to the
        newest schema. Raises `ConfigError` when the database cannot be opened."""
        engine, _, display = open_database(url, "journal")
        return cls(engine, display, clock if clock is not None else _utc_now)

    # -- units of work ------------------------------------------------------------------

    @property
    def in_unit(self) -> bool:
        """True inside `unit()`: writes are not durable until it ends."""
        return self._unit is not None

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Make every journal call inside commit together; an exception rolls all back and
        propagates. Nested units join the outer one. No network calls inside: on SQLite a
        unit holds the write lock other processes (a kill switch) wait for."""
        if self._unit is not None:
            yield
            return
        with self._engine.begin() as connection:
            self._unit = connection
            try:
                yield
            finally:
                self._unit = None

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        if self._unit is not None:
            yield self._unit
            return
        with self._engine.begin() as connection:
            yield connection


def _utc_now() -> datetime:
    return datetime.now(UTC)
