"""Position values and their exact split across factor moves (the book's hot path).

Pure numpy over the position tables. `marks` arguments are factor vectors: shape `(f,)` for
one snapshot, or `(T, f)` for a path of T snapshots, and results gain the same leading
axis. A value is written as a product of factors, and a move from `before` to `after` is
split by changing the factors one at a time in a fixed order, so the parts telescope to the
value change exactly (up to float rounding):

* unit rows, `v = s·q·I·m·X` with index I, LST market rate m = r·d (protocol rate r,
  peg d = m/r), and X = USD price / share-class price:
  `interest = s·q·(I₁−I₀)·m₀·X₀`, `staking = s·q·I₁·(r₁−r₀)·d₀·X₀`,
  `discount = s·q·I₁·r₁·(d₁−d₀)·X₀` (the LST's market discount; 0 off LSTs, where
  r = d = 1) and `price = s·q·I₁·m₁·(X₁−X₀)`;
* perp rows, `v = (q·(M−e) + g)·X` with mark M, spot reference S of the base asset,
  entry e, isolated margin g and X = quote price / share-class price:
  `price = q·(S₁−S₀)·X₀ + (q·(M₁−e) + g)·(X₁−X₀)` and
  `basis = q·((M₁−S₁) − (M₀−S₀))·X₀`, the change of the mark−spot spread.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from basis.book.ledger import CATEGORIES, COLUMN, Category
from basis.book.positions import (
    INDEX,
    MARK,
    MARKET_RATE,
    PERP_BASIS,
    PERP_PRICE,
    PRICE,
    PROTOCOL_RATE,
    QUOTE,
    SPOT,
    UNIT_DISCOUNT,
    UNIT_INTEREST,
    UNIT_PRICE,
    UNIT_STAKING,
    PerpTable,
    UnitTable,
)

__all__ = [
    "accrued",
    "discount_to_par",
    "perp_changes",
    "perp_values",
    "revalue",
    "unit_changes",
    "unit_values",
]

Floats = npt.NDArray[np.float64]

_SUPPLY_INTEREST = COLUMN[Category.SUPPLY_INTEREST]
_BORROW_INTEREST = COLUMN[Category.BORROW_INTEREST]
_STAKING_YIELD = COLUMN[Category.STAKING_YIELD]
_PRICE = COLUMN[Category.PRICE]
_LST_DISCOUNT = COLUMN[Category.LST_DISCOUNT]
_BASIS = COLUMN[Category.BASIS]


def unit_values(
    table: UnitTable, marks: Floats, share_class: int, quantity: Floats | None = None
) -> Floats:
    """Return each unit row's value in the share class at `marks`, shape `(..., n)`.

    `quantity` (shape `(..., n)`) replaces the table's quantities, e.g. along a span in
    which funding changes venue cash.
    """
    n = table.n
    factors = marks.take(table.columns[:, :n], axis=-1)
    sc = marks[..., share_class : share_class + 1]
    quantity = table.sign[:n] * (table.quantity[:n] if quantity is None else quantity)
    return (
        quantity
        * factors[..., INDEX, :]
        * factors[..., MARKET_RATE, :]
        * (factors[..., PRICE, :] / sc)
    )


def discount_to_par(table: UnitTable, marks: Floats, share_class: int) -> Floats:
    """Each unit row's value at the LST's market rate less its value at the protocol rate,
    `s·q·I·(m − r)·X`: the part of the book that rests on the peg (0 off LSTs)."""
    n = table.n
    factors = marks.take(table.columns[:, :n], axis=-1)
    x = factors[..., PRICE, :] / marks[..., share_class : share_class + 1]
    gap = factors[..., MARKET_RATE, :] - factors[..., PROTOCOL_RATE, :]
    held: Floats = table.sign[:n] * table.quantity[:n] * factors[..., INDEX, :] * gap * x
    return held


def unit_changes(
    table: UnitTable,
    before: Floats,
    after: Floats,
    share_class: int,
    quantity: Floats | None = None,
) -> tuple[Floats, Floats, Floats, Floats]:
    """Return the (interest, staking, discount, price) parts of each unit row's value change.

    Each part has shape `(..., n)`; their sum is `unit_values(after) − unit_values(before)`
    at the quantities held during the move (`quantity`, default the table's).
    """
    n = table.n
    columns = table.columns[:, :n]
    f0 = before.take(columns, axis=-1)
    f1 = after.take(columns, axis=-1)
    index0, rate0, market0 = f0[..., INDEX, :], f0[..., PROTOCOL_RATE, :], f0[..., MARKET_RATE, :]
    index1, rate1, market1 = f1[..., INDEX, :], f1[..., PROTOCOL_RATE, :], f1[..., MARKET_RATE, :]
    x0 = f0[..., PRICE, :] / before[..., share_class : share_class + 1]
    x1 = f1[..., PRICE, :] / after[..., share_class : share_class + 1]
    quantity = table.sign[:n] * (table.quantity[:n] if quantity is None else quantity)
    peg0 = market0 / rate0
    interest = quantity * (index1 - index0) * market0 * x0
    held = quantity * index1
    staking = held * (rate1 - rate0) * peg0 * x0
    discount = held * rate1 * (market1 / rate1 - peg0) * x0
    price = held * market1 * (x1 - x0)
    return interest, staking, discount, price


def perp_values(
    table: PerpTable, marks: Floats, share_class: int, margin: Floats | None = None
) -> Floats:
    """Return each perp row's value (P&L plus isolated margin) in the share class.

    `margin` (shape `(..., n)`) replaces the table's isolated margins.
    """
    n = table.n
    factors = marks.take(table.columns[:, :n], axis=-1)
    x = factors[..., QUOTE, :] / marks[..., share_class : share_class + 1]
    pnl = table.size[:n] * (factors[..., MARK, :] - table.entry[:n])
    return (pnl + (table.margin[:n] if margin is None else margin)) * x


def perp_changes(
    table: PerpTable,
    before: Floats,
    after: Floats,
    share_class: int,
    margin: Floats | None = None,
) -> tuple[Floats, Floats]:
    """Return the (price, basis) parts of each perp row's value change, shape `(..., n)`.

    Their sum is `perp_values(after) − perp_values(before)`.
    """
    n = table.n
    columns = table.columns[:, :n]
    f0 = before.take(columns, axis=-1)
    f1 = after.take(columns, axis=-1)
    mark0, spot0 = f0[..., MARK, :], f0[..., SPOT, :]
    mark1, spot1 = f1[..., MARK, :], f1[..., SPOT, :]
    x0 = f0[..., QUOTE, :] / before[..., share_class : share_class + 1]
    x1 = f1[..., QUOTE, :] / after[..., share_class : share_class + 1]
    size = table.size[:n]
    held = table.margin[:n] if margin is None else margin
    backing = size * (mark1 - table.entry[:n]) + held
    price = size * (spot1 - spot0) * x0 + backing * (x1 - x0)
    basis = size * ((mark1 - spot1) - (mark0 - spot0)) * x0
    return price, basis


def revalue(
    units: UnitTable,
    perps: PerpTable,
    before: Floats,
    after: Floats,
    share_class: int,
    steps: Floats | None = None,
) -> None:
    """Add each position's value change from `before` to `after` to its `pnl` accumulators.

    `before`/`after` are one snapshot `(f,)`, or T consecutive steps `(T, f)` together with
    `steps`, a `(T, len(CATEGORIES))` array that receives the change per step and category.
    The only writes are the tables' `pnl` arrays and `steps`, in place.
    """
    if units.n:
        interest, staking, discount, price = unit_changes(units, before, after, share_class)
        pnl = units.pnl[: units.n]
        if steps is None:
            pnl[:, UNIT_INTEREST] += interest
            pnl[:, UNIT_STAKING] += staking
            pnl[:, UNIT_DISCOUNT] += discount
            pnl[:, UNIT_PRICE] += price
        else:
            pnl[:, UNIT_INTEREST] += interest.sum(axis=0)
            pnl[:, UNIT_STAKING] += staking.sum(axis=0)
            pnl[:, UNIT_DISCOUNT] += discount.sum(axis=0)
            pnl[:, UNIT_PRICE] += price.sum(axis=0)
            borrowed = interest @ units.borrow[: units.n]
            steps[:, _BORROW_INTEREST] = borrowed
            steps[:, _SUPPLY_INTEREST] = interest.sum(axis=-1) - borrowed
            steps[:, _STAKING_YIELD] = staking.sum(axis=-1)
            steps[:, _LST_DISCOUNT] = discount.sum(axis=-1)
            steps[:, _PRICE] = price.sum(axis=-1)
    if perps.n:
        perp_price, basis = perp_changes(perps, before, after, share_class)
        pnl = perps.pnl[: perps.n]
        if steps is None:
            pnl[:, PERP_PRICE] += perp_price
            pnl[:, PERP_BASIS] += basis
        else:
            pnl[:, PERP_PRICE] += perp_price.sum(axis=0)
            pnl[:, PERP_BASIS] += basis.sum(axis=0)
            steps[:, _PRICE] += perp_price.sum(axis=-1)
            steps[:, _BASIS] = basis.sum(axis=-1)


def accrued(units: UnitTable, perps: PerpTable) -> Floats:
    """Return the revaluation P&L accumulated on both tables, per category."""
    totals = np.zeros(len(CATEGORIES))
    interest = units.pnl[: units.n, UNIT_INTEREST]
    borrowed = float(interest @ units.borrow[: units.n])
    totals[_BORROW_INTEREST] = borrowed
    totals[_SUPPLY_INTEREST] = float(interest.sum()) - borrowed
    totals[_STAKING_YIELD] = units.pnl[: units.n, UNIT_STAKING].sum()
    totals[_LST_DISCOUNT] = units.pnl[: units.n, UNIT_DISCOUNT].sum()
    totals[_PRICE] = units.pnl[: units.n, UNIT_PRICE].sum() + perps.pnl[: perps.n, PERP_PRICE].sum()
    totals[_BASIS] = perps.pnl[: perps.n, PERP_BASIS].sum()
    return totals
