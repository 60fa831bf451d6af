"""The append-only audit log: entries chained by SHA-256, appended, listed and verified."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from basis.errors import AuditChainError
from basis.store.schema import audit_log

__all__ = [
    "GENESIS",
    "AuditEntry",
    "ChainBreak",
    "canonical_details",
    "entries",
    "entry_hash",
    "find_break",
    "record",
    "verify",
]

GENESIS: Final = "0" * 64
"""The `prev_hash` of the first entry."""

_ATTEMPTS: Final = 5  # appends racing for the same seq: the loser retries on the new head
_LOCK_KEY: Final = 0x6261736973_05  # PostgreSQL advisory lock serialising appends

Target = sa.Engine | sa.Connection


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit entry; `hash` covers every other field (see `entry_hash`)."""

    seq: int
    time: datetime
    actor: str
    action: str
    subject: str
    details: str  # canonical JSON, exactly as hashed
    prev_hash: str
    hash: str

    def details_dict(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.details)
        return loaded


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry that does not follow from the one before it, and why."""

    seq: int
    reason: str


def canonical_details(details: Mapping[str, Any] | None) -> str:
    """`details` as canonical JSON: sorted keys, no spaces, UTF-8 text. Raises ValueError
    for a value JSON cannot carry (NaN, an object)."""
    return json.dumps(
        dict(details or {}),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def entry_hash(
    seq: int, time: datetime, actor: str, action: str, subject: str, details: str, prev: str
) -> str:
    """SHA-256 (hex) of the canonical JSON of the entry's fields and the previous hash."""
    document = {
        "seq": seq,
        "time": time.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
        "prev_hash": prev,
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def record(
    target: Target,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> AuditEntry:
    """Append one entry after the current head and return it.

    `target` is an engine (the entry commits on its own) or a connection inside a
    transaction (the entry commits or rolls back with the caller's change, so an action
    and its entry are never apart). `details` must be JSON without secrets.
    """
    text = canonical_details(details)
    now = (clock or _utc_now)().astimezone(UTC)
    for attempt in range(_ATTEMPTS):
        try:
            if isinstance(target, sa.Engine):
                with target.begin() as connection:
                    return _append(connection, now, actor, action, subject, text)
            return _append(target, now, actor, action, subject, text)  # the caller's unit
        except IntegrityError:
            if isinstance(target, sa.Connection) or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _append(
    connection: sa.Connection, now: datetime, actor: str, action: str, subject: str, text: str
) -> AuditEntry:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    head = connection.execute(
        sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (1, GENESIS) if head is None else (head.seq + 1, head.hash)
    digest = entry_hash(seq, now, actor, action, subject, text, prev)
    entry = AuditEntry(seq, now, actor, action, subject, text, prev, digest)
    connection.execute(
        sa.insert(audit_log),
        {
            "seq": seq,
            "time": now,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": text,
            "prev_hash": prev,
            "hash": digest,
        },
    )
    return entry


def entries(target: Target, *, limit: int | None = None) -> list[AuditEntry]:
    """Entries in stored order (by seq); with `limit`, the newest `limit` of them."""
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if limit is not None:
        query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if isinstance(target, sa.Engine):
        with target.connect() as connection:
            rows = connection.execute(query).all()
    else:
        rows = target.execute(query).all()
    found = [AuditEntry(**row._asdict()) for row in rows]
    return sorted(found, key=lambda entry: entry.seq)


def find_break(chain: list[AuditEntry]) -> ChainBreak | None:
    """The first entry of `chain` (in seq order) that breaks it, or None when it is whole:
    seq must count 1, 2, 3 …; each `prev_hash` must be the hash before it; each hash must
    match its fields."""
    previous = GENESIS
    for expected, entry in enumerate(chain, start=1):
        if entry.seq != expected:
            return ChainBreak(entry.seq, f"expected entry {expected}: an entry was deleted")
        if entry.prev_hash != previous:
            return ChainBreak(
                entry.seq, "prev_hash is not the previous entry's hash: deleted or reordered"
            )
        digest = entry_hash(
            entry.seq,
            entry.time,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
            entry.prev_hash,
        )
        if digest != entry.hash:
            return ChainBreak(entry.seq, "hash does not match its fields: the entry was edited")
        previous = entry.hash
    return None


def verify(target: Target) -> list[AuditEntry]:
    """Check the whole chain; return it. Raises `AuditChainError` naming the first bad entry."""
    chain = entries(target)
    broken = find_break(chain)
    if broken is not None:
        raise AuditChainError(f"audit entry {broken.seq}: {broken.reason}")
    return chain


def _utc_now() -> datetime:
    return datetime.now(UTC)
