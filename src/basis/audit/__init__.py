"""The append-only, hash-chained audit log (docs/accounts.md): `record` is the one way in."""

from basis.audit.log import (
    GENESIS,
    AuditEntry,
    ChainBreak,
    entries,
    entry_hash,
    find_break,
    record,
    verify,
)

__all__ = [
    "GENESIS",
    "AuditEntry",
    "ChainBreak",
    "entries",
    "entry_hash",
    "find_break",
    "record",
    "verify",
]
