"""Spans: many hourly steps in which nothing trades, valued and booked in one numpy pass.

Between trades the positions are fixed, so the book's path over T steps is a function of
the marks path alone, plus the funding settlements inside the span, which move venue cash
(or isolated margin) by `−size × mark × rate`. `preview_span` computes that path without
touching the book: quantities, equity and attribution at every step, and the per-position
moves `commit_span` needs to apply any prefix of it. The engine previews a span, finds the
first step at which anything could happen (the strategy might act, a position might be
liquidated), and commits the steps before it: the book then is exactly as if `accrue` and
`settle_funding` had been called step by step (positions, cash, marks, time, funding
entries; the P&L accumulators equal up to float summation order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from basis.book.core import BookCore
from basis.book.instruments import Instrument
from basis.book.ledger import CATEGORIES, COLUMN, Category, Entry
from basis.book.positions import (
    MARK,
    MARKET_RATE,
    PERP_BASIS,
    PERP_PRICE,
    PRICE,
    UNIT_INTEREST,
    UNIT_PRICE,
    UNIT_STAKING,
)
from basis.book.valuation import perp_changes, perp_values, unit_changes, unit_values
from basis.errors import InvalidOperationError

__all__ = ["Settlement", "SpanOperations", "SpanPath"]

Floats = npt.NDArray[np.float64]

_FUNDING = COLUMN[Category.FUNDING]
_SUPPLY_INTEREST = COLUMN[Category.SUPPLY_INTEREST]
_BORROW_INTEREST = COLUMN[Category.BORROW_INTEREST]
_STAKING_YIELD = COLUMN[Category.STAKING_YIELD]
_PRICE = COLUMN[Category.PRICE]
_BASIS = COLUMN[Category.BASIS]


@dataclass(frozen=True, slots=True)
class Settlement:
    """A funding settlement of `instrument` at span row `row` (0 = the span's first step)."""

    row: int
    instrument: Instrument
    rate: float


@dataclass(frozen=True, slots=True)
class _Payment:
    row: int  # span row
    perp: int  # perp table row
    instrument: Instrument
    account: str
    cash: int  # unit row receiving it, −1 for isolated margin
    amount: float  # quote units
    value: float  # share class at the settlement's marks


@dataclass(frozen=True)
class SpanPath:
    """The book over T steps if nothing trades. Row t of every `(T, …)` array is step t.

    `grid` has T+1 rows (row 0: the marks before the span); `quantity` and `margin` too,
    row t+1 holding what is held after step t's settlements.
    """

    times: tuple[datetime, ...]
    grid: Floats  # (T+1, f)
    quantity: Floats  # (T+1, n) unit quantities (scaled for Aave)
    margin: Floats  # (T+1, m) perp isolated margin
    unit_moves: Floats  # (T, n, 3) interest, staking, price
    perp_moves: Floats  # (T, m, 2) price, basis
    equity: Floats  # (T,)
    attribution: Floats  # (T, len(CATEGORIES))
    funding: Floats  # (T, m) funding value per perp row, share class
    payments: tuple[_Payment, ...]

    @property
    def steps(self) -> int:
        return len(self.times)


class SpanOperations(BookCore):
    """`preview_span` and `commit_span` (see the module docstring)."""

    def preview_span(
        self,
        times: Sequence[datetime],
        columns: npt.NDArray[np.intp],
        values: Floats,
        settlements: Sequence[Settlement] = (),
    ) -> SpanPath:
        """The path over `times` at which mark columns `columns` take `values[t]`.

        `settlements` must be in the order the engine settles them (by row, then feed).
        Raises InvalidOperationError for a shape mismatch, a time not after the book's, or
        a settlement whose venue cash row does not exist yet (settle that step singly).
        """
        steps = len(times)
        if values.shape != (steps, len(columns)) or not steps or times[0] <= self._now:
            raise InvalidOperationError(
                f"span of {steps} times from {times[0] if steps else None} after "
                f"{self._now}: values of shape {values.shape} for {len(columns)} columns"
            )
        units, perps, sc = self._units, self._perps, self._share_column
        n, m = units.n, perps.n
        grid = np.empty((steps + 1, len(self._marks)))
        grid[:] = self._marks.values
        grid[1:, columns] = values
        payments = self._payments(settlements, grid)
        quantity = np.empty((steps + 1, n))
        quantity[:] = units.quantity[:n]
        margin = np.empty((steps + 1, m))
        margin[:] = perps.margin[:m]
        funding = np.zeros((steps, m))
        running_q, running_m = units.quantity[:n].copy(), perps.margin[:m].copy()
        for payment in payments:  # in settlement order: the same float additions as settling
            if payment.cash >= 0:
                running_q[payment.cash] += payment.amount
                quantity[payment.row + 1 :, payment.cash] = running_q[payment.cash]
            else:
                running_m[payment.perp] += payment.amount
                margin[payment.row + 1 :, payment.perp] = running_m[payment.perp]
            funding[payment.row, payment.perp] += payment.value
        held, held_margin = quantity[:-1], margin[:-1]  # held during the move into step t
        interest, staking, price = unit_changes(units, grid[:-1], grid[1:], sc, held)
        perp_price, basis = perp_changes(perps, grid[:-1], grid[1:], sc, held_margin)
        attribution = np.zeros((steps, len(CATEGORIES)))
        borrowed = interest @ units.borrow[:n]
        attribution[:, _BORROW_INTEREST] = borrowed
        attribution[:, _SUPPLY_INTEREST] = interest.sum(axis=-1) - borrowed
        attribution[:, _STAKING_YIELD] = staking.sum(axis=-1)
        attribution[:, _PRICE] = price.sum(axis=-1) + perp_price.sum(axis=-1)
        attribution[:, _BASIS] = basis.sum(axis=-1)
        attribution[:, _FUNDING] = funding.sum(axis=-1)
        after = grid[1:]
        equity = unit_values(units, after, sc, quantity[1:]).sum(axis=-1)
        equity += perp_values(perps, after, sc, margin[1:]).sum(axis=-1)
        return SpanPath(
            times=tuple(times),
            grid=grid,
            quantity=quantity,
            margin=margin,
            unit_moves=np.stack((interest, staking, price), axis=-1),
            perp_moves=np.stack((perp_price, basis), axis=-1),
            equity=equity,
            attribution=attribution,
            funding=funding,
            payments=payments,
        )

    def commit_span(self, path: SpanPath, stop: int) -> None:
        """Apply the first `stop` steps of `path` (previewed on this book as it is now)."""
        if not 0 < stop <= path.steps or path.times[0] <= self._now:
            raise InvalidOperationError(f"cannot commit {stop} of {path.steps} span steps")
        units, perps = self._units, self._perps
        n, m = units.n, perps.n
        if path.quantity.shape[1] != n or path.margin.shape[1] != m:
            raise InvalidOperationError("the book changed since the span was previewed")
        moves = path.unit_moves[:stop].sum(axis=0)
        units.pnl[:n, UNIT_INTEREST] += moves[:, 0]
        units.pnl[:n, UNIT_STAKING] += moves[:, 1]
        units.pnl[:n, UNIT_PRICE] += moves[:, 2]
        perp_moves = path.perp_moves[:stop].sum(axis=0)
        perps.pnl[:m, PERP_PRICE] += perp_moves[:, 0]
        perps.pnl[:m, PERP_BASIS] += perp_moves[:, 1]
        units.quantity[:n] = path.quantity[stop]
        perps.margin[:m] = path.margin[stop]
        for payment in path.payments:
            if payment.row >= stop:
                break
            at = path.times[payment.row]
            self._settled[payment.instrument] = at
            if payment.value != 0.0:
                self._ledger.record(
                    Entry(at, payment.account, payment.instrument, Category.FUNDING, payment.value)
                )
        self._marks.values[:] = path.grid[stop]
        self._now = path.times[stop - 1]

    def _payments(self, settlements: Sequence[Settlement], grid: Floats) -> tuple[_Payment, ...]:
        """Every position's funding at each settlement, as `settle_funding` would book it."""
        perps, units, sc = self._perps, self._units, self._share_column
        result: list[_Payment] = []
        for settlement in settlements:
            instrument = settlement.instrument
            marks = grid[settlement.row + 1]
            cash_instrument = Instrument.token(instrument.venue, instrument.quote)
            columns = self._unit_columns(cash_instrument)
            unit_price = float(marks[columns[MARKET_RATE]] * marks[columns[PRICE]] / marks[sc])
            for perp, (account, held) in enumerate(perps.keys):
                if held != instrument or perps.opened[perp] is None:
                    continue
                amount = -float(perps.size[perp]) * float(marks[perps.columns[MARK, perp]])
                amount *= settlement.rate
                cash = -1
                if not perps.isolated[perp]:
                    found = units.rows.get((account, cash_instrument))
                    if found is None:
                        raise InvalidOperationError(
                            f"account {account!r} has no {cash_instrument} row for funding"
                        )
                    cash = found
                result.append(
                    _Payment(
                        settlement.row,
                        perp,
                        instrument,
                        account,
                        cash,
                        amount,
                        amount * unit_price,
                    )
                )
        return tuple(result)
