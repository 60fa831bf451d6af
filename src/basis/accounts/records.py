"""What the account store hands out: an account without its secret, and the secret itself."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from basis.errors import AccountError

__all__ = ["ACCOUNT_NAME", "PASSPHRASE_VENUES", "Account", "AccountSecret", "check_name"]

ACCOUNT_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
"""Lower-case letters, digits, `_` and `-`, at most 32: it names the account in the journal."""

PASSPHRASE_VENUES: Final = frozenset({"okx"})
"""Venues whose API keys come with a passphrase."""


def check_name(name: str) -> str:
    """`name` when it is a valid account name; raises `AccountError` otherwise."""
    if ACCOUNT_NAME.fullmatch(name) is None:
        raise AccountError(
            f"account name {name!r}: use 1–32 lower-case letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class AccountSecret:
    """An account's API credentials, in memory only; never in a repr, log line or error."""

    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    passphrase: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return "AccountSecret(api_key=***, secret=***)"

    def fingerprint(self) -> str:
        """16 hex digits of SHA-256 over the API key: tells keys apart, reveals nothing."""
        return hashlib.sha256(self.api_key.encode()).hexdigest()[:16]

    def to_bytes(self) -> bytes:
        document = {"api_key": self.api_key, "secret": self.secret, "passphrase": self.passphrase}
        return json.dumps(document, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> AccountSecret:
        document = json.loads(data)
        return cls(document["api_key"], document["secret"], document.get("passphrase"))


@dataclass(frozen=True, slots=True)
class Account:
    """A managed account as shown: everything but its credentials."""

    name: str
    venue: str
    testnet: bool
    owner: str
    tags: tuple[str, ...]
    status: str  # active | disabled
    fingerprint: str
    created_at: datetime
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"
