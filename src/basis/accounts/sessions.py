"""Sessions: one mode over a set of managed accounts, kept in the results database.

A session is what a desk starts and stops: its mode, its accounts and how capital is split
between them, and the state the operator wants (`running`, `paused`, `stopped`). The process
that runs it (`basis session start`) reads that state every tick, so `pause`, `resume` and
`stop` work from any shell, and the session survives restarts: its journal runs are
remembered per account and resumed. Every change is an audit entry in the same transaction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

import sqlalchemy as sa

from basis import audit
from basis.accounts.store import AccountStore
from basis.config.modes import ModeConfig
from basis.errors import SessionError, SessionNotFoundError, SessionStateError
from basis.store.schema import sessions

__all__ = [
    "SESSION_NAME",
    "Session",
    "SessionState",
    "SessionStore",
    "parse_allocation",
]

SESSION_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
SessionState = Literal["created", "running", "paused", "stopped"]

_CHANGES: Final[dict[str, tuple[frozenset[str], SessionState]]] = {
    # action: (states it may start from, state it leads to)
    "start": (frozenset({"created", "stopped", "running", "paused"}), "running"),
    "pause": (frozenset({"running"}), "paused"),
    "resume": (frozenset({"paused"}), "running"),
    "stop": (frozenset({"running", "paused"}), "stopped"),
}


@dataclass(frozen=True)
class Session:
    """A stored session. `runs` maps each account to its journal run once started; `status`
    is the last tick's view (per account and aggregate) written by the running process."""

    name: str
    mode: str
    accounts: tuple[str, ...]
    allocation: Mapping[str, float]
    overrides: tuple[str, ...]
    capital: float
    shared_capacity: bool
    state: SessionState
    runs: Mapping[str, str]
    status: Mapping[str, Any] | None
    created_at: datetime
    updated_at: datetime

    def document(self) -> dict[str, Any]:
        """The session as `basis session status --json` and `list --json` show it."""
        return {
            "name": self.name,
            "mode": self.mode,
            "accounts": list(self.accounts),
            "allocation": dict(self.allocation),
            "overrides": list(self.overrides),
            "capital": self.capital,
            "shared_capacity": self.shared_capacity,
            "state": self.state,
            "runs": dict(self.runs),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def parse_allocation(text: str | None, accounts: Sequence[str]) -> dict[str, float]:
    """`a=0.5,b=0.3,c=0.2` → weights; None → equal weights. The weights must name exactly
    `accounts`, be > 0 and sum to 1 (within 1e-9). Raises `SessionError` saying what is off."""
    if text is None or not text.strip():
        return {account: 1.0 / len(accounts) for account in accounts}
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not sep or not math.isfinite(weight) or weight <= 0.0:
            raise SessionError(
                f"--allocation {part.strip()!r}: expected ACCOUNT=WEIGHT with a weight > 0"
            )
        if name in weights:
            raise SessionError(f"--allocation names {name!r} twice")
        weights[name] = weight
    if set(weights) != set(accounts):
        raise SessionError(
            f"--allocation names {sorted(weights)}; it must name exactly the accounts "
            f"{sorted(accounts)}"
        )
    total = math.fsum(weights.values())
    if abs(total - 1.0) > 1e-9:
        raise SessionError(f"--allocation weights sum to {total:g}; they must sum to 1")
    return {account: weights[account] for account in accounts}


class SessionStore:
    """Sessions in the database of an `AccountStore` (they name its accounts)."""

    def __init__(self, accounts: AccountStore, clock: Callable[[], datetime] | None = None) -> None:
        self.accounts = accounts
        self._engine = accounts.engine
        self._clock = clock or (lambda: datetime.now(UTC))

    def create(
        self,
        name: str,
        config: ModeConfig,
        accounts: Sequence[str],
        allocation: Mapping[str, float],
        *,
        overrides: Sequence[str] = (),
        shared_capacity: bool = False,
        actor: str,
    ) -> Session:
        """Store a new session of `config`'s mode over `accounts`; raises `SessionError`
        naming what is wrong (nothing is stored then)."""
        if SESSION_NAME.fullmatch(name) is None:
            raise SessionError(
                f"session name {name!r}: use 1–32 lower-case letters, digits, '_' or '-', "
                "starting with a letter or digit"
            )
        if not accounts:
            raise SessionError("a session needs at least one account (--accounts a,b,c)")
        if config.mode == "funding_arbitrage":
            raise SessionError(
                "a session runs its mode on each account's own venue; funding_arbitrage "
                "trades two named venues (long_venue, short_venue) in one book"
            )
        if len(set(accounts)) != len(accounts):
            raise SessionError(f"--accounts names an account twice: {list(accounts)}")
        hedges = sorted(config.hedge_allocation)
        for account_name in accounts:
            account = self.accounts.find(account_name)
            if account is None:
                known = ", ".join(a.name for a in self.accounts.list()) or "none"
                raise SessionError(f"no account {account_name!r} (accounts: {known})")
            if not account.active:
                raise SessionError(f"account {account_name!r} is disabled")
            if account.venue not in hedges:
                raise SessionError(
                    f"account {account_name!r} is on {account.venue}; mode {config.mode} "
                    f"hedges on {hedges}"
                )
        with self._engine.begin() as connection:
            if self._row(connection, name) is not None:
                raise SessionError(f"session {name!r} exists; remove it first")
            for other in connection.execute(sa.select(sessions)).mappings():
                shared = set(other["accounts"]) & set(accounts)
                if shared:
                    raise SessionError(
                        f"account {sorted(shared)[0]!r} is in session {other['name']!r}: an "
                        "account belongs to one session (its fills are booked by one book)"
                    )
            now = self._clock()
            row = {
                "name": name,
                "mode": config.mode,
                "accounts": list(accounts),
                "allocation": dict(allocation),
                "overrides": list(overrides),
                "capital": config.initial_capital,
                "shared_capacity": shared_capacity,
                "state": "created",
                "runs": {},
                "status": None,
                "created_at": now,
                "updated_at": now,
            }
            connection.execute(sa.insert(sessions), row)
            keys = ("mode", "accounts", "allocation", "overrides", "shared_capacity")
            details = {k: row[k] for k in keys}
            audit.record(connection, actor, "session.create", name, details, clock=self._clock)
        return self.get(name)

    def list(self) -> list[Session]:
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(sessions).order_by(sessions.c.name)).mappings()
            return [_session(row) for row in rows]

    def get(self, name: str) -> Session:
        """The session `name`; raises `SessionNotFoundError` naming the known ones."""
        with self._engine.connect() as connection:
            row = self._row(connection, name)
        if row is None:
            known = ", ".join(s.name for s in self.list()) or "none"
            raise SessionNotFoundError(f"no session {name!r} (sessions: {known})")
        return _session(row)

    def change(
        self, name: str, action: str, *, actor: str, details: Mapping[str, Any] = {}
    ) -> Session:
        """Apply `action` (start, pause, resume, stop) to the session's state, with its
        audit entry; raises `SessionStateError` when the state does not allow it."""
        allowed, target = _CHANGES[action]
        with self._engine.begin() as connection:
            row = self._row(connection, name)
            if row is None:
                raise SessionNotFoundError(f"no session {name!r}")
            if row["state"] not in allowed:
                raise SessionStateError(
                    f"session {name!r} is {row['state']}: it cannot {action} (it can "
                    f"{', '.join(_allowed_from(row['state'])) or 'only be removed'})"
                )
            connection.execute(
                sa.update(sessions)
                .where(sessions.c.name == name)
                .values(state=target, updated_at=self._clock())
            )
            audit.record(
                connection, actor, f"session.{action}", name, dict(details), clock=self._clock
            )
        return self.get(name)

    def remove(self, name: str, *, actor: str) -> Session:
        """Delete a session that is not running; its journal runs stay in the journal."""
        session = self.get(name)
        if session.state in ("running", "paused"):
            raise SessionStateError(f"session {name!r} is {session.state}: stop it first")
        with self._engine.begin() as connection:
            connection.execute(sa.delete(sessions).where(sessions.c.name == name))
            audit.record(
                connection,
                actor,
                "session.remove",
                name,
                {"runs": dict(session.runs)},
                clock=self._clock,
            )
        return session

    def set_runs(self, name: str, runs: Mapping[str, str]) -> None:
        """Remember the journal run of each account, so a restart resumes them."""
        self._update(name, runs=dict(runs))

    def set_status(self, name: str, status: Mapping[str, Any]) -> None:
        """Store the running process's latest view of the session."""
        self._update(name, status=dict(status))

    def _update(self, name: str, **values: Any) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(sessions)
                .where(sessions.c.name == name)
                .values(updated_at=self._clock(), **values)
            )

    @staticmethod
    def _row(connection: sa.Connection, name: str) -> Mapping[Any, Any] | None:
        query = sa.select(sessions).where(sessions.c.name == name)
        return connection.execute(query).mappings().first()


def _allowed_from(state: str) -> list[str]:
    return [action for action, (allowed, _) in _CHANGES.items() if state in allowed]


def _session(row: Mapping[Any, Any]) -> Session:
    return Session(
        name=row["name"],
        mode=row["mode"],
        accounts=tuple(row["accounts"]),
        allocation=dict(row["allocation"]),
        overrides=tuple(row["overrides"]),
        capital=float(row["capital"]),
        shared_capacity=bool(row["shared_capacity"]),
        state=row["state"],
        runs=dict(row["runs"]),
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
