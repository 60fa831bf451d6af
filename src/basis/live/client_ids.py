"""Deterministic client order ids from (run id, sequence), within each venue's id rules.

A live run id is 16 lower-case hex digits (64 random bits, unique in the journal); an
order's id is the run id followed by its sequence number in the run, so two orders never
share an id (the run part is fixed-length, so no separator is needed) and an order has
the same id on every retry and after every restart. The rules per venue:

| venue | field | rule | format |
|---|---|---|---|
| binance | newClientOrderId | ≤ 36 of `[.A-Z:/a-z0-9_-]` | `bs` + run + decimal seq |
| bybit | orderLinkId | ≤ 36 of letters, digits, `-`, `_` | same |
| okx | clOrdId | ≤ 32 letters and digits | same |
| hyperliquid | cloid | `0x` + 32 hex digits (128 bits) | `0x` + run + seq as 16 hex |
| pacifica | client_order_id | a full UUID | run + seq as 14 hex, as a version-4 UUID |
| any other (paper) | — | ≤ 32 letters and digits | same as okx |

The decimal form fits the strictest rule (OKX: 2 + 16 + 14 ≤ 32) for sequences below 10¹⁴.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

__all__ = [
    "MAX_SEQ",
    "RULES",
    "client_order_id",
    "is_run_id",
    "new_run_id",
    "rule_for",
]

PREFIX: Final = "bs"
"""Marks basis's orders on a venue, so hand-placed orders are told apart at a glance."""

RUN_ID_DIGITS: Final = 16
MAX_SEQ: Final = 10**14 - 1
"""The largest sequence number every venue's rule can carry."""

_RUN_ID: Final = re.compile(rf"[0-9a-f]{{{RUN_ID_DIGITS}}}")
_DEFAULT_RULE: Final = re.compile(r"[A-Za-z0-9]{1,32}")

RULES: Final[dict[str, re.Pattern[str]]] = {
    "binance": re.compile(r"[.A-Z:/a-z0-9_-]{1,36}"),
    "bybit": re.compile(r"[A-Za-z0-9_-]{1,36}"),
    "okx": re.compile(r"[A-Za-z0-9]{1,32}"),
    "hyperliquid": re.compile(r"0x[0-9a-f]{32}"),
    "pacifica": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}"),
}
"""What each venue accepts as a client order id (matched whole, `fullmatch`)."""


def rule_for(venue: str) -> re.Pattern[str]:
    """The id rule of `venue`: its own, or the strictest common one for other venues."""
    return RULES.get(venue, _DEFAULT_RULE)


def new_run_id() -> str:
    """A fresh random run id: 16 lower-case hex digits."""
    return secrets.token_hex(RUN_ID_DIGITS // 2)


def is_run_id(value: str) -> bool:
    """True when `value` has the shape of a live run id."""
    return _RUN_ID.fullmatch(value) is not None


def client_order_id(venue: str, run_id: str, seq: int) -> str:
    """The client order id of the `seq`-th order (1-based) of run `run_id` on `venue`.

    Raises `ValueError` for a run id that is not 16 hex digits or a sequence outside
    1 … `MAX_SEQ`: such an id could collide or break a venue's rule.
    """
    if not is_run_id(run_id):
        raise ValueError(f"run id {run_id!r} is not {RUN_ID_DIGITS} lower-case hex digits")
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"order sequence {seq} is outside 1 … {MAX_SEQ}")
    if venue == "hyperliquid":
        return f"0x{run_id}{seq:016x}"
    if venue == "pacifica":
        return _uuid4_shaped(f"{run_id}{seq:014x}")
    return f"{PREFIX}{run_id}{seq}"


def _uuid4_shaped(digits: str) -> str:
    """30 hex digits as a version-4 UUID: the version (4) and variant (8) digits are added
    between them, so no information is overwritten."""
    full = f"{digits[:12]}4{digits[12:15]}8{digits[15:]}"
    return f"{full[:8]}-{full[8:12]}-{full[12:16]}-{full[16:20]}-{full[20:]}"
