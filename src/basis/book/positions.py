"""Position tables: flat numpy columns indexed by a row per (account, instrument).

Two tables cover every instrument. `UnitTable` holds balances whose value is
`sign × quantity × index × market rate × USD price / share-class price`: tokens, spot,
Aave supply and debt (quantity = scaled balance), queued withdrawals, transfers in flight
and flash loans. `PerpTable` holds linear perps, valued `(size × (mark − entry) + isolated
margin) × quote price / share-class price`. Each row points at its factor columns, so a
whole table is valued or revalued with a few numpy gathers and no Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from basis.book.instruments import Instrument

__all__ = ["Claim", "Key", "PerpTable", "UnitTable"]

Key = tuple[str, Instrument]
"""A position's key: (account, instrument)."""

Floats = npt.NDArray[np.float64]
Columns = npt.NDArray[np.intp]

# Factor columns of a unit row (rows of UnitTable.columns).
INDEX, PROTOCOL_RATE, MARKET_RATE, PRICE = 0, 1, 2, 3
# Factor columns of a perp row (rows of PerpTable.columns).
MARK, SPOT, QUOTE = 0, 1, 2
# Accumulated revaluation P&L of a unit row: interest, staking yield, price, LST discount.
UNIT_INTEREST, UNIT_STAKING, UNIT_PRICE, UNIT_DISCOUNT = 0, 1, 2, 3
# Accumulated revaluation P&L of a perp row: price (spot move, quote move), basis.
PERP_PRICE, PERP_BASIS = 0, 1


@dataclass(frozen=True, slots=True)
class Claim:
    """A dated claim: `amount` units that become a balance of `destination` at `due`."""

    amount: float
    due: datetime
    destination: Instrument


def _doubled(array: npt.NDArray[Any], axis: int) -> npt.NDArray[Any]:
    """Return `array` with its capacity along `axis` doubled, the new part zero."""
    return np.concatenate((array, np.zeros_like(array)), axis=axis)


class UnitTable:
    """Balances valued as sign × quantity × index × rate × price (see the module docstring).

    Rows are never removed: a closed position keeps its row at quantity 0, so row numbers,
    and the P&L accumulated on them, stay valid for the life of the book.
    """

    __slots__ = ("borrow", "columns", "keys", "n", "pnl", "quantity", "rows", "sign")

    def __init__(self, capacity: int = 8) -> None:
        self.n = 0
        self.rows: dict[Key, int] = {}
        self.keys: list[Key] = []
        self.quantity: Floats = np.zeros(capacity)
        self.sign: Floats = np.zeros(capacity)
        self.borrow: Floats = np.zeros(capacity)  # 1.0 where interest is borrow interest
        self.columns: Columns = np.zeros((4, capacity), dtype=np.intp)
        self.pnl: Floats = np.zeros((capacity, 4))

    def add(self, key: Key, sign: float, columns: tuple[int, int, int, int], borrow: bool) -> int:
        """Append a row for `key` at quantity 0 and return its number."""
        row = self.n
        if row == len(self.quantity):
            self.quantity = _doubled(self.quantity, 0)
            self.sign = _doubled(self.sign, 0)
            self.borrow = _doubled(self.borrow, 0)
            self.columns = _doubled(self.columns, 1)
            self.pnl = _doubled(self.pnl, 0)
        self.sign[row] = sign
        self.borrow[row] = 1.0 if borrow else 0.0
        self.columns[:, row] = columns
        self.rows[key] = row
        self.keys.append(key)
        self.n = row + 1
        return row

    def copy(self) -> UnitTable:
        """Return an independent copy (used to roll back atomic groups)."""
        other = UnitTable.__new__(UnitTable)
        other.n = self.n
        other.rows = dict(self.rows)
        other.keys = list(self.keys)
        other.quantity = self.quantity.copy()
        other.sign = self.sign.copy()
        other.borrow = self.borrow.copy()
        other.columns = self.columns.copy()
        other.pnl = self.pnl.copy()
        return other


class PerpTable:
    """Linear perps: size (short < 0), entry price, isolated margin (0 on cross venues)."""

    __slots__ = (
        "columns",
        "entry",
        "isolated",
        "keys",
        "margin",
        "n",
        "opened",
        "pnl",
        "rows",
        "size",
    )

    def __init__(self, capacity: int = 4) -> None:
        self.n = 0
        self.rows: dict[Key, int] = {}
        self.keys: list[Key] = []
        self.isolated: list[bool] = []
        self.opened: list[datetime | None] = []  # when the position last became non-zero
        self.size: Floats = np.zeros(capacity)
        self.entry: Floats = np.zeros(capacity)
        self.margin: Floats = np.zeros(capacity)
        self.columns: Columns = np.zeros((3, capacity), dtype=np.intp)
        self.pnl: Floats = np.zeros((capacity, 2))

    def add(self, key: Key, columns: tuple[int, int, int], isolated: bool) -> int:
        """Append a flat row for `key` and return its number."""
        row = self.n
        if row == len(self.size):
            self.size = _doubled(self.size, 0)
            self.entry = _doubled(self.entry, 0)
            self.margin = _doubled(self.margin, 0)
            self.columns = _doubled(self.columns, 1)
            self.pnl = _doubled(self.pnl, 0)
        self.columns[:, row] = columns
        self.rows[key] = row
        self.keys.append(key)
        self.isolated.append(isolated)
        self.opened.append(None)
        self.n = row + 1
        return row

    def copy(self) -> PerpTable:
        """Return an independent copy (used to roll back atomic groups)."""
        other = PerpTable.__new__(PerpTable)
        other.n = self.n
        other.rows = dict(self.rows)
        other.keys = list(self.keys)
        other.isolated = list(self.isolated)
        other.opened = list(self.opened)
        other.size = self.size.copy()
        other.entry = self.entry.copy()
        other.margin = self.margin.copy()
        other.columns = self.columns.copy()
        other.pnl = self.pnl.copy()
        return other
