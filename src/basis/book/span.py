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
from datetime import UTC, datetime

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
    UNIT_DISCOUNT,
    UNIT_INTEREST,
    UNIT_PRICE,
    UNIT_STAKING,
)
from basis.book.valuation import perp_changes, perp_values, unit_changes, unit_values
from basis.errors import InvalidOperationError

__all__ = ["Settlements", "SpanOperations", "SpanPath"]

Floats = npt.NDArray[np.float64]

_FUNDING = COLUMN[Category.FUNDING]
_SUPPLY_INTEREST = COLUMN[Category.SUPPLY_INTEREST]
_BORROW_INTEREST = COLUMN[Category.BORROW_INTEREST]
_STAKING_YIELD = COLUMN[Category.STAKING_YIELD]
_PRICE = COLUMN[Category.PRICE]
_LST_DISCOUNT = COLUMN[Category.LST_DISCOUNT]
_BASIS = COLUMN[Category.BASIS]


@dataclass(frozen=True, slots=True)
class Settlements:
    """Funding settlements of one perp inside a span: at span rows `rows`, rates `rates`.

    A span's settlements are given feed by feed in the order the engine settles feeds
    within a step; at one step, earlier feeds settle first.
    """

    instrument: Instrument
    rows: npt.NDArray[np.intp]
    rates: Floats


@dataclass(frozen=True)
class _Payments:
    """Every funding payment of a span, in booking order (row, feed, position)."""

    rows: npt.NDArray[np.intp]
    perps: npt.NDArray[np.intp]
    values: Floats  # share class
    keys: tuple[tuple[str, Instrument], ...]  # (account, perp) per payment


@dataclass(frozen=True)
class SpanPath:
    """The book over T steps if nothing trades. Row t of every `(T, …)` array is step t.

    `grid`, `quantity` and `margin` have T+1 rows: row 0 is the book before the span and
    row t+1 what is held after step t's settlements. `times` are epoch seconds.
    """

    times: npt.NDArray[np.int64]
    grid: Floats  # (T+1, f)
    quantity: Floats  # (T+1, n) unit quantities (scaled for Aave)
    margin: Floats  # (T+1, m) perp isolated margin
    equity: Floats  # (T,)
    funding: Floats  # (T, m) funding value per perp row, share class
    payments: _Payments
    sizes: Floats  # (m,) perp sizes at the preview, to refuse a book that traded since

    @property
    def steps(self) -> int:
        return len(self.times)

    def time(self, row: int) -> datetime:
        return datetime.fromtimestamp(int(self.times[row]), UTC)


class SpanOperations(BookCore):
    """`preview_span` and `commit_span` (see the module docstring)."""

    def preview_span(
        self,
        times: npt.NDArray[np.int64],
        columns: npt.NDArray[np.intp],
        values: Floats,
        settlements: Sequence[Settlements] = (),
    ) -> SpanPath:
        """The path over `times` (epoch seconds) at which mark columns `columns` take
        `values[t]`, with the funding `settlements` of open positions.

        Raises InvalidOperationError for a shape mismatch, a time not after the book's, or
        a settlement whose venue cash row does not exist yet (settle that step singly).
        """
        steps = len(times)
        if values.shape != (steps, len(columns)) or not steps or times[0] <= self._seconds():
            raise InvalidOperationError(
                f"span of {steps} steps after {self._now.isoformat()}: values of shape "
                f"{values.shape} for {len(columns)} columns"
            )
        bad = np.argwhere(~(np.isfinite(values) & (values > 0.0)))
        if bad.size:  # as `accrue` refuses such a mark at its step
            row, column = bad[0]
            name = self._marks.name(int(columns[column]))
            raise InvalidOperationError(
                f"mark {name} must be finite and > 0, got {float(values[row, column])!r}"
            )
        units, perps, sc = self._units, self._perps, self._share_column
        n, m = units.n, perps.n
        grid = np.empty((steps + 1, len(self._marks)))
        grid[:] = self._marks.values
        grid[1:, columns] = values
        quantity = np.empty((steps + 1, n))
        quantity[:] = units.quantity[:n]
        margin = np.empty((steps + 1, m))
        margin[:] = perps.margin[:m]
        funding = np.zeros((steps, m))
        payments = self._fund(settlements, grid, quantity, margin, funding)
        after = grid[1:]
        equity = unit_values(units, after, sc, quantity[1:]).sum(axis=-1)
        equity += perp_values(perps, after, sc, margin[1:]).sum(axis=-1)
        sizes = perps.size[:m].copy()
        return SpanPath(times, grid, quantity, margin, equity, funding, payments, sizes)

    def commit_span(self, path: SpanPath, stop: int) -> Floats:
        """Apply the first `stop` steps of `path` (previewed on this book as it is now);
        return their attribution, shape `(stop, len(CATEGORIES))`."""
        if not 0 < stop <= path.steps or path.times[0] <= self._seconds():
            raise InvalidOperationError(f"cannot commit {stop} of {path.steps} span steps")
        units, perps, sc = self._units, self._perps, self._share_column
        n, m = units.n, perps.n
        if (
            path.quantity.shape[1] != n
            or path.margin.shape[1] != m
            or not np.array_equal(path.quantity[0], units.quantity[:n])
            or not np.array_equal(path.margin[0], perps.margin[:m])
            or not np.array_equal(path.sizes, perps.size[:m])
            or not np.array_equal(path.grid[0], self._marks.values)
        ):
            raise InvalidOperationError("the book changed since the span was previewed")
        before, after = path.grid[:stop], path.grid[1 : stop + 1]
        held, held_margin = path.quantity[:stop], path.margin[:stop]  # during each move
        interest, staking, discount, price = unit_changes(units, before, after, sc, held)
        perp_price, basis = perp_changes(perps, before, after, sc, held_margin)
        units.pnl[:n, UNIT_INTEREST] += interest.sum(axis=0)
        units.pnl[:n, UNIT_STAKING] += staking.sum(axis=0)
        units.pnl[:n, UNIT_PRICE] += price.sum(axis=0)
        units.pnl[:n, UNIT_DISCOUNT] += discount.sum(axis=0)
        perps.pnl[:m, PERP_PRICE] += perp_price.sum(axis=0)
        perps.pnl[:m, PERP_BASIS] += basis.sum(axis=0)
        attribution = np.zeros((stop, len(CATEGORIES)))
        borrowed = interest @ units.borrow[:n]
        attribution[:, _BORROW_INTEREST] = borrowed
        attribution[:, _SUPPLY_INTEREST] = interest.sum(axis=-1) - borrowed
        attribution[:, _STAKING_YIELD] = staking.sum(axis=-1)
        attribution[:, _LST_DISCOUNT] = discount.sum(axis=-1)
        attribution[:, _PRICE] = price.sum(axis=-1) + perp_price.sum(axis=-1)
        attribution[:, _BASIS] = basis.sum(axis=-1)
        attribution[:, _FUNDING] = path.funding[:stop].sum(axis=-1)
        units.quantity[:n] = path.quantity[stop]
        perps.margin[:m] = path.margin[stop]
        payments = path.payments
        for j in range(int(np.searchsorted(payments.rows, stop))):
            at = path.time(int(payments.rows[j]))
            account, instrument = payments.keys[j]
            self._settled[instrument] = at
            value = float(payments.values[j])
            if value != 0.0:
                self._ledger.record(Entry(at, account, instrument, Category.FUNDING, value))
        self._marks.values[:] = path.grid[stop]
        self._now = path.time(stop - 1)
        return attribution

    def _seconds(self) -> int:
        return int(self._now.timestamp())

    def _fund(
        self,
        settlements: Sequence[Settlements],
        grid: Floats,
        quantity: Floats,
        margin: Floats,
        funding: Floats,
    ) -> _Payments:
        """Book every position's funding into the span's cash / margin paths and `funding`
        as `settle_funding` would, step by step: the same float additions in the same order.
        """
        perps, units, sc = self._perps, self._units, self._share_column
        rows, feeds, perp_rows, amounts, values, targets = [], [], [], [], [], []
        keys: list[tuple[str, Instrument]] = []
        for feed, settlement in enumerate(settlements):
            instrument, at = settlement.instrument, settlement.rows + 1
            cash_instrument = Instrument.token(instrument.venue, instrument.quote)
            columns = self._unit_columns(cash_instrument)
            unit_price = grid[at, columns[MARKET_RATE]] * grid[at, columns[PRICE]] / grid[at, sc]
            for perp, (account, held) in enumerate(perps.keys):
                if held != instrument or perps.opened[perp] is None:
                    continue
                amount = -float(perps.size[perp]) * grid[at, perps.columns[MARK, perp]]
                amount *= settlement.rates
                into = -1 - perp  # the isolated margin of the position
                if not perps.isolated[perp]:
                    found = units.rows.get((account, cash_instrument))
                    if found is None:
                        raise InvalidOperationError(
                            f"account {account!r} has no {cash_instrument} row for funding"
                        )
                    into = found
                count = len(at)
                rows.append(settlement.rows)
                feeds.append(np.full(count, feed))
                perp_rows.append(np.full(count, perp))
                amounts.append(amount)
                values.append(amount * unit_price)
                targets.append(np.full(count, into))
                keys += [(account, instrument)] * count
        if not rows:
            empty = np.zeros(0, dtype=np.intp)
            return _Payments(empty, empty, np.zeros(0), ())
        at_row = np.concatenate(rows)
        by_perp = np.concatenate(perp_rows)
        order = np.lexsort((by_perp, np.concatenate(feeds), at_row))
        at_row, by_perp = at_row[order], by_perp[order]
        amount = np.concatenate(amounts)[order]
        value = np.concatenate(values)[order]
        target = np.concatenate(targets)[order]
        np.add.at(funding, (at_row, by_perp), value)
        steps = np.arange(funding.shape[0])
        for destination in np.unique(target):
            mine = target == destination
            path = margin[:, -1 - destination] if destination < 0 else quantity[:, destination]
            # sequential sums from the held amount: what adding each payment in turn gives
            running = np.cumsum(np.concatenate(([path[0]], amount[mine])))
            path[1:] = running[np.searchsorted(at_row[mine], steps, side="right")]
        return _Payments(at_row, by_perp, value, tuple(keys[i] for i in order))
