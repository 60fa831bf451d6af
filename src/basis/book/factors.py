"""Market factors the book values positions with: their names and a snapshot of their values.

A factor is one observed number: the USD price of an asset, an LST's protocol or market
rate (ETH per LST), a perp's mark, or an Aave index. Every value the book computes is a
product of factors, so a snapshot is one flat float vector with a column per factor name;
column 0 is the constant 1.0 that positions without an index or rate point at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from basis.book.instruments import AAVE, Instrument, priced_as
from basis.errors import InvalidOperationError

__all__ = [
    "ONE",
    "Marks",
    "borrow_index",
    "liquidity_index",
    "mark",
    "market_rate",
    "price",
    "protocol_rate",
]

Vector = npt.NDArray[np.float64]

ONE = "one"
"""The constant factor in column 0."""


def price(asset: str) -> str:
    """Name of the USD price of `asset` (WETH is priced as ETH): `price:ETH`."""
    return f"price:{priced_as(asset)}"


def protocol_rate(lst: str) -> str:
    """Name of an LST's protocol (oracle) exchange rate in ETH per LST: `protocol_rate:weETH`."""
    return f"protocol_rate:{lst}"


def market_rate(lst: str) -> str:
    """Name of an LST's DEX market rate in ETH per LST: `market_rate:weETH`."""
    return f"market_rate:{lst}"


def mark(perp: Instrument) -> str:
    """Name of a perp's mark price in its quote currency: `mark:binance:perp:ETHUSDT`."""
    return f"mark:{perp}"


def liquidity_index(asset: str, venue: str = AAVE) -> str:
    """Name of an Aave market's liquidity (supply) index: `liquidity_index:aave_v3:WETH`."""
    return f"liquidity_index:{venue}:{asset}"


def borrow_index(asset: str, venue: str = AAVE) -> str:
    """Name of an Aave market's variable borrow index: `borrow_index:aave_v3:WETH`."""
    return f"borrow_index:{venue}:{asset}"


class Marks:
    """Factor values by name, held as one float vector; column 0 is the constant 1.0.

    Every value is finite and > 0. Columns are only ever appended, so a column number stays
    valid for the life of the snapshot and of its copies.
    """

    __slots__ = ("_columns", "_values")

    def __init__(self, values: Mapping[str, float] | None = None) -> None:
        self._columns: dict[str, int] = {ONE: 0}
        self._values: Vector = np.ones(8)
        if values:
            self.set(values)

    @property
    def values(self) -> Vector:
        """The vector of all columns (read it, do not write it)."""
        return self._values[: len(self._columns)]

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __getitem__(self, name: str) -> float:
        """Return the value of factor `name`; raise InvalidOperationError if it was never marked."""
        return float(self._values[self.column(name)])

    def column(self, name: str) -> int:
        """Return the column of factor `name`; raise InvalidOperationError if never marked."""
        column = self._columns.get(name)
        if column is None:
            raise InvalidOperationError(f"no mark for {name}: mark it before using it")
        return column

    def name(self, column: int) -> str:
        """The factor name of `column`."""
        return next(name for name, at in self._columns.items() if at == column)

    def as_dict(self) -> dict[str, float]:
        """Return every factor value by name, the constant included."""
        return {name: float(self._values[column]) for name, column in self._columns.items()}

    def copy(self) -> Marks:
        """Return an independent snapshot with the same columns."""
        other = Marks.__new__(Marks)
        other._columns = dict(self._columns)
        other._values = self._values.copy()
        return other

    def updated(self, changes: Mapping[str, float]) -> Marks:
        """Return a copy with `changes` applied (new names get new columns).

        Raises InvalidOperationError for a value that is not finite and > 0.
        """
        other = self.copy()
        other.set(changes)
        return other

    def set(self, changes: Mapping[str, float]) -> None:
        """Set factor values in place, appending columns for new names.

        Checks every value first, so a failure changes nothing. Raises
        InvalidOperationError for a value that is not finite and > 0, or for the constant.
        """
        for name, value in changes.items():
            if not 0.0 < value < math.inf:
                raise InvalidOperationError(f"mark {name} must be finite and > 0, got {value!r}")
            if name == ONE:
                raise InvalidOperationError(f"mark {ONE!r} is the constant 1 and cannot be set")
        for name, value in changes.items():
            column = self._columns.get(name)
            if column is None:
                column = self._append(name)
            self._values[column] = value

    def _append(self, name: str) -> int:
        column = len(self._columns)
        if column == len(self._values):
            grown = np.ones(2 * column)
            grown[:column] = self._values
            self._values = grown
        self._columns[name] = column
        return column
