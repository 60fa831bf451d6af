"""The results store: save, load, list and delete finished runs in SQLite or PostgreSQL."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from basis.errors import ConfigError, IoError, RunNotFoundError
from basis.model.result import RunResult
from basis.store import migrate, rows
from basis.store.database import (
    Database,
    create_engine,
    require_creatable,
    require_writable,
    resolve_url,
    sqlite_file,
)
from basis.store.schema import events, runs, series

__all__ = ["MIN_PREFIX", "ResultStore", "RunRow", "open_database", "resolve_url"]

MIN_PREFIX: Final = 6
"""The fewest characters of a run id that `load` and `delete` accept as a prefix."""

_SHOWN_MATCHES: Final = 10


@dataclass(frozen=True, slots=True)
class RunRow:
    """One line of `ResultStore.list`: what tells runs apart, without their arrays.

    Rates are decimals (0.05 = 5 %); amounts are in `share_class`; None where not
    applicable or not recorded."""

    run_id: str
    mode: str
    dataset: str
    start: datetime
    end: datetime
    created_at: datetime
    apr: float | None
    apy: float | None
    max_drawdown: float | None
    min_health_factor: float | None
    final_equity: float | None
    share_class: str


def open_database(url: str | None, what: str) -> tuple[sa.Engine, URL, str]:
    """An engine on the database `url` (as `resolve_url` takes it) upgraded to the newest
    schema, its URL, and the URL without its password for display; `what` names the
    database in errors. A SQLite file this call began is removed when its creation fails.

    Raises `ConfigError` for an unknown schema, scheme or driver, `IoError` when the file
    cannot be created or written (read-only folder, full disk)."""
    target = resolve_url(url)
    display = target._replace(password=None).render_as_string(hide_password=False)
    new_file = sqlite_file(target)
    new_file = new_file if new_file is not None and not new_file.exists() else None
    require_creatable(target)
    engine = create_engine(target)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _enable_foreign_keys)
    try:
        migrate.upgrade(engine, display)
    except BaseException as error:
        engine.dispose()
        if new_file is not None:  # a database this call began is not left half-made
            for leftover in (new_file, new_file.with_name(f"{new_file.name}-journal")):
                leftover.unlink(missing_ok=True)
        if isinstance(error, OperationalError):
            raise _opening_error(what, display, error) from None
        raise
    return engine, target, display


class ResultStore(Database):
    """Finished runs in a database, upgraded to the newest schema when opened.

    `url` as `resolve_url` takes it; `clock` stamps `created_at` (UTC now by default).
    Raises `ConfigError` when the database cannot be opened or has an unknown schema.
    Use it as a context manager, or call `close()`.
    """

    def __init__(
        self, url: str | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        engine, self._target, display = open_database(url, "results")
        super().__init__(engine, display)
        self._clock = clock if clock is not None else _utc_now

    def require_writable(self) -> None:
        """Raise `IoError` now when a run could not be saved (a read-only SQLite file or
        folder), so a command fails before its work rather than after it."""
        require_writable(self._target)

    def save(self, result: RunResult) -> str:
        """Store `result` with its arrays and events in one transaction; return its run id.

        Raises `ValueError` when the result has no summary, breaks the run contract (see
        `rows.check_savable`) or its run id is already stored; nothing is kept on failure.
        """
        rows.check_savable(result)
        duplicate = ValueError(f"run {result.run_id!r} is already stored; run ids are unique")
        try:
            with self._engine.begin() as connection:
                found = connection.execute(
                    sa.select(runs.c.run_id).where(runs.c.run_id == result.run_id)
                ).first()
                if found is not None:
                    raise duplicate
                connection.execute(sa.insert(runs), rows.run_row(result, self._clock()))
                connection.execute(sa.insert(series), rows.series_rows(result))
                logged = rows.event_rows(result)
                if logged:
                    connection.execute(sa.insert(events), logged)
        except IntegrityError:
            if self._stored(result.run_id):  # saved by someone else since the check
                raise duplicate from None
            raise
        except OperationalError as error:  # read-only or full: the transaction rolled back
            raise IoError(
                f"cannot save run {result.run_id} to {self.url}: {_reason(error)}", path=self.url
            ) from None
        return result.run_id

    def _stored(self, run_id: str) -> bool:
        with self._engine.connect() as connection:
            query = sa.select(runs.c.run_id).where(runs.c.run_id == run_id)
            return connection.execute(query).first() is not None

    def load(self, run_id: str) -> RunResult:
        """The stored run `run_id` (or a unique prefix of at least `MIN_PREFIX` characters).

        Raises `RunNotFoundError` when no run or several runs match.
        """
        with self._engine.connect() as connection:
            found = _resolve(connection, run_id)
            run = connection.execute(sa.select(runs).where(runs.c.run_id == found)).mappings()
            arrays = connection.execute(
                sa.select(series).where(series.c.run_id == found).order_by(series.c.position)
            ).mappings()
            logged = connection.execute(
                sa.select(events).where(events.c.run_id == found).order_by(events.c.seq)
            ).mappings()
            return rows.result_from_rows(run.one(), arrays.all(), logged.all())

    def list(
        self,
        mode: str | None = None,
        limit: int = 50,
        *,
        dataset: str | None = None,
        offset: int = 0,
    ) -> builtins.list[RunRow]:
        """Up to `limit` stored runs, newest first, of one `mode` and `dataset` or of all,
        skipping the first `offset` (pages of the same order)."""
        query = sa.select(
            runs.c.run_id,
            runs.c.mode,
            runs.c.dataset,
            runs.c.start,
            runs.c.end,
            runs.c.created_at,
            runs.c.metrics,
            runs.c.risk,
            runs.c.final_equity,
            runs.c.share_class,
        )
        if mode is not None:
            query = query.where(runs.c.mode == mode)
        if dataset is not None:
            query = query.where(runs.c.dataset == dataset)
        query = query.order_by(runs.c.created_at.desc(), runs.c.run_id.desc())
        query = query.limit(limit).offset(offset)
        with self._engine.connect() as connection:
            return [_run_row(row) for row in connection.execute(query).mappings()]

    def delete(self, run_id: str) -> str:
        """Delete a run, its arrays and its events; return its full id.

        Takes a unique prefix like `load`; raises `RunNotFoundError` when nothing matches.
        """
        with self._engine.begin() as connection:
            found = _resolve(connection, run_id)
            connection.execute(sa.delete(runs).where(runs.c.run_id == found))
        return found


def _resolve(connection: sa.Connection, run_id: str) -> str:
    """The full id of the run `run_id` names exactly or as a unique prefix."""
    exact = connection.execute(sa.select(runs.c.run_id).where(runs.c.run_id == run_id)).first()
    if exact is not None:
        return str(exact.run_id)
    if len(run_id) < MIN_PREFIX:
        raise RunNotFoundError(
            f"no run {run_id!r}; give the full id or at least {MIN_PREFIX} characters of it"
        )
    matches = connection.scalars(
        sa.select(runs.c.run_id)
        .where(runs.c.run_id.startswith(run_id, autoescape=True))
        .order_by(runs.c.run_id)
        .limit(_SHOWN_MATCHES + 1)
    ).all()
    if not matches:
        raise RunNotFoundError(f"no run {run_id!r}; `basis results list` shows the stored runs")
    if len(matches) > 1:
        shown = ", ".join(matches[:_SHOWN_MATCHES])
        more = ", …" if len(matches) > _SHOWN_MATCHES else ""
        raise RunNotFoundError(
            f"run id prefix {run_id!r} is ambiguous: it matches {shown}{more}; give more of it"
        )
    return str(matches[0])


def _run_row(row: sa.RowMapping) -> RunRow:
    metrics: dict[str, Any] = row["metrics"]
    risk: dict[str, Any] = row["risk"]
    return RunRow(
        run_id=row["run_id"],
        mode=row["mode"],
        dataset=row["dataset"],
        start=row["start"],
        end=row["end"],
        created_at=row["created_at"],
        apr=_number(metrics.get("apr")),
        apy=_number(metrics.get("apy")),
        max_drawdown=_number(metrics.get("max_drawdown")),
        min_health_factor=_number(risk.get("min_health_factor")),
        final_equity=_number(row["final_equity"]),
        share_class=row["share_class"],
    )


def _opening_error(what: str, url: str, error: OperationalError) -> ConfigError | IoError:
    """A full disk or a read-only file is the machine's problem (`IoError`); anything else
    about the database (an unknown schema, a refused login) is configuration."""
    reason = _reason(error)
    if any(sign in reason for sign in _STORAGE_SIGNS):
        return IoError(f"cannot open {what} database {url}: {reason}", path=url)
    return ConfigError(f"cannot open {what} database {url}: {reason}")


_STORAGE_SIGNS: Final = ("disk is full", "readonly database", "unable to open database file")


def _reason(error: DBAPIError) -> str:
    """The first line of the driver's message, without SQL or parameters."""
    return str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _enable_foreign_keys(connection: Any, record: Any) -> None:
    """SQLite leaves foreign keys (and so ON DELETE CASCADE) off unless each connection asks."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
