"""Exposure: pure functions of a book and a marks snapshot — values per position, net delta.

Nothing here mutates the book; pass `book.marks()` for the current prices, or
`book.marks().updated({...})` to value the same positions under other prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from basis.book import factors
from basis.book.core import BookCore
from basis.book.factors import Marks
from basis.book.instruments import Instrument, priced_as
from basis.book.positions import INDEX, MARKET_RATE
from basis.book.valuation import perp_values, unit_values

__all__ = ["Exposure", "PositionValue", "exposure"]


@dataclass(frozen=True, slots=True)
class PositionValue:
    """One position's size and value.

    `units`: units of the instrument's asset (Aave supply and debt at the index, a perp's
    size, debt positive); `value` in the share class and `value_usd` in USD, liabilities
    negative, perps at P&L plus isolated margin.
    """

    account: str
    instrument: Instrument
    units: float
    value: float
    value_usd: float


@dataclass(frozen=True, slots=True)
class Exposure:
    """Values of every non-empty position, equity, and net delta per asset.

    `delta[asset]` is net units of the asset: ETH counts ETH and WETH, LSTs at their
    market rate (ETH per LST), perps by size (their quote leg `margin − size × entry` goes
    to the quote asset), liabilities negative. `delta_value[asset]` is that delta at the
    asset's USD price, in the share class.
    """

    share_class: str
    positions: tuple[PositionValue, ...]
    equity: float
    equity_usd: float
    delta: dict[str, float]
    delta_value: dict[str, float]


def exposure(book: BookCore, marks: Marks) -> Exposure:
    """Return the exposure of `book` valued at `marks`.

    Raises InvalidOperationError when `marks` lacks a factor a position needs.
    """
    values = marks.values
    sc = marks.column(factors.price(book.share_class))
    share_price = float(values[sc])
    units, perps = book.units, book.perps
    unit_value = unit_values(units, values, sc)
    perp_value = perp_values(perps, values, sc)
    positions: list[PositionValue] = []
    delta: dict[str, float] = {}

    def add(asset: str, amount: float) -> None:
        delta[asset] = delta.get(asset, 0.0) + amount

    lsts = book.market.lsts
    for row, (account, instrument) in enumerate(units.keys):
        quantity = float(units.quantity[row])
        if quantity == 0.0:
            continue
        amount = quantity * float(values[units.columns[INDEX, row]])
        signed = -amount if instrument.is_liability else amount
        if instrument.symbol in lsts:
            add("ETH", signed * float(values[units.columns[MARKET_RATE, row]]))
        else:
            add(priced_as(instrument.symbol), signed)
        value = float(unit_value[row])
        positions.append(PositionValue(account, instrument, amount, value, value * share_price))
    for row, (account, instrument) in enumerate(perps.keys):
        size, margin = float(perps.size[row]), float(perps.margin[row])
        if size == 0.0 and margin == 0.0:
            continue
        add(instrument.base, size)
        add(instrument.quote, margin - size * float(perps.entry[row]))
        value = float(perp_value[row])
        positions.append(PositionValue(account, instrument, size, value, value * share_price))
    equity = float(np.sum(unit_value) + np.sum(perp_value))
    delta_value = {
        asset: amount * marks[factors.price(asset)] / share_price for asset, amount in delta.items()
    }
    return Exposure(
        share_class=book.share_class,
        positions=tuple(positions),
        equity=equity,
        equity_usd=equity * share_price,
        delta=delta,
        delta_value=delta_value,
    )
