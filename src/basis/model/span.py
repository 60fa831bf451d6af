"""What a strategy sees of a span: the book's path over T steps if nothing trades.

The engine previews a span (`Book.preview_span`, `risk_path`) and asks the strategy at
which of its steps it would provably do nothing (`Strategy.quiet`). `SpanView` gives the
strategy the same quantities `State` gives it at one step, as arrays over the span, so a
`quiet` predicate reads like the `decide` it mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from basis.book import Book, Instrument, Kind
from basis.book import factors as f
from basis.book.positions import INDEX
from basis.book.risk_path import MarginPath, RiskPath
from basis.book.span import SpanPath
from basis.book.valuation import perp_values, unit_values
from basis.mechanics.gas import GWEI
from basis.model.funding import FundingHistory
from basis.model.history import MarkHistory
from basis.model.orders import ACCOUNT

__all__ = ["SLACK", "SpanView", "clear_above", "clear_below"]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

SLACK = 1e-9
"""Relative distance from a threshold within which a step is not called quiet: the exact
per-step decision is taken there instead (span arrays may differ from it in the last bits)."""


def clear_below(value: Floats, limit: float | Floats) -> Bools:
    """`value` is below `limit` by more than the slack (so `value >= limit` is surely false)."""
    slack = SLACK * np.maximum(np.abs(limit), 1.0)
    result: Bools = value < limit - slack
    return result


def clear_above(value: Floats, limit: float | Floats) -> Bools:
    """`value` is above `limit` by more than the slack (so `value <= limit` is surely false)."""
    slack = SLACK * np.maximum(np.abs(limit), 1.0)
    result: Bools = value > limit + slack
    return result


@dataclass(frozen=True)
class SpanView:
    """The span's steps as arrays; positions are the book's, fixed through the span."""

    book: Book
    path: SpanPath
    risk: RiskPath
    base_fee_gwei: Floats
    priority_fee_gwei: Floats
    venues: tuple[str, ...]
    in_transit: bool
    funding_history: FundingHistory = field(default_factory=FundingHistory)  # to the last step
    mark_history: MarkHistory = field(default_factory=MarkHistory)  # to the last step

    owed = 0.0  # spans never run while a withdrawal is unpaid

    @property
    def steps(self) -> int:
        return self.path.steps

    @property
    def times(self) -> npt.NDArray[np.int64]:
        """The steps' times, epoch seconds."""
        return self.path.times

    @property
    def equity(self) -> Floats:
        return self.path.equity

    def mark(self, name: str) -> Floats:
        """Factor `name` at every step."""
        return self.path.grid[1:, self.book.column(name)]

    def price(self, asset: str) -> Floats:
        """USD price of `asset` at every step."""
        return self.mark(f.price(asset))

    def held(self, instrument: Instrument) -> Floats:
        """Units of `instrument` held at every step (Aave at the index, a perp's size)."""
        book = self.book
        if instrument.kind is Kind.PERP:
            return np.full(self.steps, book.balance(ACCOUNT, instrument))
        row = book.units.rows.get((ACCOUNT, instrument))
        if row is None:
            return np.zeros(self.steps)
        index = self.path.grid[1:, book.units.columns[INDEX, row]]
        held: Floats = self.path.quantity[1:, row] * index
        return held

    def wallet(self, asset: str) -> Floats:
        return self.held(Instrument.wallet(asset))

    def gas_cost(self, operation: str) -> Floats:
        """The gas of `operation` at every step, in ETH (as `State.gas_cost`)."""
        units = self.book.market.gas.units_for(operation)
        cost: Floats = units * (self.base_fee_gwei + self.priority_fee_gwei) * GWEI
        return cost

    def margin(self, venue: str) -> MarginPath | None:
        """The main account's cross margin on `venue`, None without an open position."""
        return next(
            (
                m
                for m in self.risk.margin
                if m.account == ACCOUNT and m.venue == venue and m.instrument is None
            ),
            None,
        )

    def drift(self, asset: str) -> Floats:
        """|net delta value| / equity of `asset` (as `Strategy.drift`; inf at equity <= 0)."""
        value = self.risk.delta_value.get(asset)
        if value is None:
            return np.zeros(self.steps)
        with np.errstate(divide="ignore", invalid="ignore"):
            drift: Floats = np.where(self.equity > 0.0, np.abs(value) / self.equity, np.inf)
        return drift

    def venue_equity(self, venue: str) -> Floats:
        """Σ value of the main account's positions on `venue` at every step."""
        units = self.book.units
        rows = [
            row
            for row, (account, instrument) in enumerate(units.keys)
            if account == ACCOUNT and instrument.venue == venue
        ]
        perps = self.book.perps
        perp_rows = [
            row
            for row, (account, instrument) in enumerate(perps.keys)
            if account == ACCOUNT and instrument.venue == venue
        ]
        total: Floats = self._unit_values[:, rows].sum(axis=-1)
        total += self._perp_values[:, perp_rows].sum(axis=-1)
        return total

    @cached_property
    def _unit_values(self) -> Floats:
        book, path = self.book, self.path
        return unit_values(book.units, path.grid[1:], book.share_column, path.quantity[1:])

    @cached_property
    def _perp_values(self) -> Floats:
        book, path = self.book, self.path
        return perp_values(book.perps, path.grid[1:], book.share_column, path.margin[1:])
