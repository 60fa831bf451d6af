"""The ledger: P&L categories, entries for discrete events, and running totals per category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from basis.book.instruments import Instrument

__all__ = [
    "CATEGORIES",
    "COLUMN",
    "PNL_CATEGORIES",
    "Category",
    "Entry",
    "Ledger",
    "LedgerMark",
    "summed",
]


class Category(StrEnum):
    """Where a change of value comes from (DESIGN §4); `flows` is not P&L."""

    FUNDING = "funding"
    SUPPLY_INTEREST = "supply_interest"
    BORROW_INTEREST = "borrow_interest"
    STAKING_YIELD = "staking_yield"
    REWARDS = "rewards"
    PRICE = "price"
    LST_DISCOUNT = "lst_discount"  # the LST's market rate moving against its protocol rate
    BASIS = "basis"
    TRADING_FEES = "trading_fees"
    SLIPPAGE = "slippage"
    GAS = "gas"
    TRANSFER_FEES = "transfer_fees"
    LIQUIDATION = "liquidation"
    RECONCILIATION = "reconciliation"  # live: what the venue holds and the book did not explain
    FLOWS = "flows"


CATEGORIES: tuple[Category, ...] = tuple(Category)
"""Every category, in the column order of attribution arrays."""

COLUMN: dict[Category, int] = {category: i for i, category in enumerate(CATEGORIES)}
"""The column of each category in attribution arrays."""

PNL_CATEGORIES: tuple[Category, ...] = tuple(c for c in CATEGORIES if c is not Category.FLOWS)
"""The categories that are P&L: all but `flows`."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One booked change of value, in the share class at the prices of `at`.

    `instrument` is the instrument the event concerns (the perp that paid funding, the
    asset bought in a trade), which is not always the balance that moved (venue cash).
    """

    at: datetime
    account: str
    instrument: Instrument
    category: Category
    amount: float


@dataclass(frozen=True, slots=True)
class LedgerMark:
    """Where the ledger stood, to roll back to: the entry count and the totals."""

    count: int
    totals: npt.NDArray[np.float64]


class Ledger:
    """Entries of discrete events (trades, settlements, liquidations) and their running totals.

    Hourly accruals and revaluations do not create entries: the book accumulates them per
    position and adds them to these totals when asked for the attribution.
    """

    __slots__ = ("_entries", "_totals")

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._totals = np.zeros(len(CATEGORIES))

    @property
    def entries(self) -> Sequence[Entry]:
        """Every entry, oldest first (read it, do not change it)."""
        return self._entries

    def totals(self) -> npt.NDArray[np.float64]:
        """Return the sum of entries per category, in `CATEGORIES` order (a copy)."""
        return self._totals.copy()

    def record(self, entry: Entry) -> None:
        """Append `entry` and add it to its category's total."""
        self._entries.append(entry)
        self._totals[COLUMN[entry.category]] += entry.amount

    def mark(self) -> LedgerMark:
        """Return where the ledger stands now, for `rollback`."""
        return LedgerMark(len(self._entries), self._totals.copy())

    def compact(self) -> None:
        """Replace the entries with one per (account, instrument, category), dated at the
        last of them: totals and the per-position split stay (to float rounding), and a
        long-running book's memory stays flat (the live runner compacts after each tick)."""
        self._entries = summed(self._entries)

    def restore(self, totals: npt.NDArray[np.float64], entries: Sequence[Entry]) -> None:
        """Start again from `totals` and `entries` as they are (a book restored from a
        checkpoint keeps its exact totals and one summary entry per position and category)."""
        if totals.shape != self._totals.shape:
            raise ValueError(f"ledger totals of shape {totals.shape}, not {self._totals.shape}")
        self._entries = list(entries)
        self._totals = totals.astype(np.float64)

    def rollback(self, mark: LedgerMark) -> None:
        """Drop every entry recorded after `mark` and restore the totals it saw."""
        del self._entries[mark.count :]
        self._totals = mark.totals.copy()


def summed(entries: Sequence[Entry]) -> list[Entry]:
    """One entry per (account, instrument, category) with the sum of `entries`' amounts
    (in their order), dated at the last of them."""
    sums: dict[tuple[str, Instrument, Category], float] = {}
    last: dict[tuple[str, Instrument, Category], datetime] = {}
    for entry in entries:
        key = (entry.account, entry.instrument, entry.category)
        sums[key] = sums.get(key, 0.0) + entry.amount
        last[key] = entry.at
    return [Entry(last[key], *key, amount) for key, amount in sums.items()]
