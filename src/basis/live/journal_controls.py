"""The journal's runs, events, kill switch flag, checkpoints, audit entries and order lock."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from basis import audit
from basis.audit import AuditEntry
from basis.errors import JournalError
from basis.live.client_ids import new_run_id
from basis.live.journal_base import JournalBase
from basis.live.journal_records import JournalEvent, KillRequest, LiveRun
from basis.store.schema import live_checkpoints, live_controls, live_events, live_runs

__all__ = ["KILL_MODE", "JournalControls"]

KILL_MODE: Final = "kill"
"""The mode of the run a kill switch opens for its own flattening orders."""

_KILL: Final = "kill"
_ORDER_LOCK: Final = 0x6261736973_06  # PostgreSQL advisory lock: order decisions, one at a time
ATTEMPTS: Final = 10
"""How often an id taken by a concurrent writer (or a random collision) is drawn again."""


_SECRET_KEY: Final = re.compile(
    r"(^|[_\-.])(secret|password|passphrase|api_?key|private_?key)($|[_\-.])", re.IGNORECASE
)


def refuse_secrets(document: Any, where: str, path: str = "") -> None:
    """Raise `JournalError` naming the first key (at any depth) that names a secret."""
    if isinstance(document, Mapping):
        for key, value in document.items():
            here = f"{path}.{key}" if path else str(key)
            if _SECRET_KEY.search(str(key)):
                raise JournalError(
                    f"{where} key {here!r} names a secret; secrets stay out of the journal"
                )
            refuse_secrets(value, where, here)
    elif isinstance(document, list | tuple):
        for index, value in enumerate(document):
            refuse_secrets(value, where, f"{path}[{index}]")


class JournalControls(JournalBase):
    """Runs, events, the kill flag and checkpoints: what the runtime and the controls keep
    beside the orders."""

    # -- runs ---------------------------------------------------------------------------

    def start_run(self, mode: str, paper: bool, config: Mapping[str, Any]) -> str:
        """Open a new run (status `running`) and return its id: 16 random hex digits.

        Raises `JournalError` when `config` has a key that names a secret: keys and
        secrets never enter the journal."""
        refuse_secrets(config, "run config")
        for _ in range(ATTEMPTS):
            run_id = new_run_id()
            try:
                with self._begin() as connection:
                    connection.execute(
                        sa.insert(live_runs),
                        {
                            "run_id": run_id,
                            "mode": mode,
                            "paper": paper,
                            "config": dict(config),
                            "started_at": self.now(),
                            "stopped_at": None,
                            "status": "running",
                        },
                    )
            except IntegrityError:
                if self.in_unit:
                    raise
                continue  # 64 random bits collided: draw again
            return run_id
        raise JournalError(f"could not draw an unused run id in {ATTEMPTS} attempts")

    def stop_run(self, run_id: str, status: str = "stopped") -> None:
        """Mark a run as ended (graceful shutdown); a crashed run stays `running`."""
        with self._begin() as connection:
            self._run(connection, run_id)
            connection.execute(
                sa.update(live_runs)
                .where(live_runs.c.run_id == run_id)
                .values(status=status, stopped_at=self.now())
            )

    def reopen_run(self, run_id: str) -> None:
        """Mark a stopped run as running again: a restart continues its book."""
        with self._begin() as connection:
            self._run(connection, run_id)
            connection.execute(
                sa.update(live_runs)
                .where(live_runs.c.run_id == run_id)
                .values(status="running", stopped_at=None)
            )

    def run(self, run_id: str) -> LiveRun:
        """The run `run_id`; raises `JournalError` when there is none."""
        with self._begin() as connection:
            return self._run(connection, run_id)

    def latest_run(self, mode: str | None = None) -> LiveRun | None:
        """The newest run (of `mode`, when given; else the newest trading run, never the
        kill switch's own), whatever its status."""
        return self._newest(mode, running=False)

    def resume_run(self, mode: str | None = None) -> LiveRun | None:
        """The newest run still marked `running` (it crashed or is alive elsewhere), of
        `mode` when given; the kill switch's own runs are never resumed."""
        return self._newest(mode, running=True)

    def _newest(self, mode: str | None, *, running: bool) -> LiveRun | None:
        query = sa.select(live_runs).order_by(
            live_runs.c.started_at.desc(), live_runs.c.run_id.desc()
        )
        if mode is not None:
            query = query.where(live_runs.c.mode == mode)
        else:  # the kill switch's own runs (its flattening orders) are not trading runs
            query = query.where(live_runs.c.mode != KILL_MODE)
        if running:
            query = query.where(live_runs.c.status == "running")
        with self._begin() as connection:
            row = connection.execute(query.limit(1)).mappings().first()
        return None if row is None else LiveRun(**row)

    def _run(self, connection: sa.Connection, run_id: str, *, lock: bool = False) -> LiveRun:
        """The run `run_id`; with `lock`, its row is locked to the end of the transaction
        (PostgreSQL; SQLite serialises writers itself), so order numbers are drawn in turn."""
        query = sa.select(live_runs).where(live_runs.c.run_id == run_id)
        if lock:
            query = query.with_for_update()
        row = connection.execute(query).mappings().first()
        if row is None:
            raise JournalError(f"no live run {run_id!r} in the journal {self.url}")
        return LiveRun(**row)

    # -- events, controls, checkpoints --------------------------------------------------

    def record_event(
        self,
        run_id: str | None,
        kind: str,
        detail: str,
        amounts: Mapping[str, float] | None = None,
    ) -> None:
        """Put something on the record: a refusal, a reconciliation difference, a kill."""
        with self._begin() as connection:
            self._event(connection, run_id, kind, detail, amounts or {})

    def events(self, run_id: str | None = None, kind: str | None = None) -> list[JournalEvent]:
        """Events in the order they were recorded, of one run and one kind when given."""
        query = sa.select(live_events).order_by(live_events.c.event_id)
        if run_id is not None:
            query = query.where(live_events.c.run_id == run_id)
        if kind is not None:
            query = query.where(live_events.c.kind == kind)
        with self._begin() as connection:
            return [JournalEvent(**row) for row in connection.execute(query).mappings()]

    def request_kill(self, flatten: bool, reason: str, actor: str = "operator") -> KillRequest:
        """Turn the kill switch on: every runner refuses new orders until `clear_kill`."""
        request = KillRequest(flatten=flatten, reason=reason, requested_at=self.now())
        document = {"flatten": flatten, "reason": reason}
        with self._begin() as connection:
            self._replace(connection, live_controls, "name", _KILL, document=document)
            self._event(connection, None, "kill_requested", reason, {"flatten": float(flatten)})
            audit.record(connection, actor, "kill_switch.on", _KILL, document, clock=self.now)
        return request

    def kill_request(self) -> KillRequest | None:
        """The kill switch's request, or None when it is off."""
        with self._begin() as connection:
            row = (
                connection.execute(sa.select(live_controls).where(live_controls.c.name == _KILL))
                .mappings()
                .first()
            )
        if row is None:
            return None
        document = row["document"]
        return KillRequest(bool(document["flatten"]), str(document["reason"]), row["updated_at"])

    def clear_kill(self, actor: str = "operator") -> None:
        """Turn the kill switch off (trading may resume)."""
        with self._begin() as connection:
            connection.execute(sa.delete(live_controls).where(live_controls.c.name == _KILL))
            self._event(connection, None, "kill_cleared", "kill switch cleared", {})
            audit.record(connection, actor, "kill_switch.off", _KILL, {}, clock=self.now)

    def audit(
        self, actor: str, action: str, subject: str, details: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        """Append an audit entry stamped by the journal's clock; inside a unit it commits
        with the unit's other writes."""
        with self._begin() as connection:
            return audit.record(connection, actor, action, subject, details, clock=self.now)

    def lock_orders(self) -> None:
        """Inside a unit: hold the journal's order lock until the unit ends, so deciding on
        an order from the open orders and journalling it are one step for every process
        sharing the journal (PostgreSQL: an advisory lock; SQLite: its write lock)."""
        if self._unit is None:
            raise JournalError("lock_orders() holds only inside a unit of work")
        if self._unit.dialect.name == "postgresql":
            self._unit.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ORDER_LOCK})
        else:  # any write takes SQLite's database write lock until commit
            self._unit.execute(
                sa.update(live_controls).where(live_controls.c.name == _KILL).values(name=_KILL)
            )

    def save_checkpoint(self, run_id: str, document: Mapping[str, Any]) -> None:
        """Keep `document` as the run's checkpoint, replacing the previous one; refuses
        a key that names a secret like `start_run`."""
        refuse_secrets(document, "checkpoint")
        with self._begin() as connection:
            self._run(connection, run_id)
            self._replace(connection, live_checkpoints, "run_id", run_id, document=dict(document))

    def load_checkpoint(self, run_id: str) -> dict[str, Any] | None:
        """The run's latest checkpoint, or None before the first."""
        with self._begin() as connection:
            document = connection.execute(
                sa.select(live_checkpoints.c.document).where(live_checkpoints.c.run_id == run_id)
            ).scalar_one_or_none()
        return None if document is None else dict(document)

    def _replace(
        self, connection: sa.Connection, table: sa.Table, key: str, value: str, **values: Any
    ) -> None:
        stamp = "saved_at" if "saved_at" in table.c else "updated_at"
        values[stamp] = self.now()
        updated = connection.execute(sa.update(table).where(table.c[key] == value).values(**values))
        if updated.rowcount == 0:
            connection.execute(sa.insert(table), {key: value, **values})

    def _event(
        self,
        connection: sa.Connection,
        run_id: str | None,
        kind: str,
        detail: str,
        amounts: Mapping[str, float],
    ) -> None:
        row = {"run_id": run_id, "kind": kind, "detail": detail, "amounts": dict(amounts)}
        connection.execute(sa.insert(live_events), {**row, "time": self.now()})
