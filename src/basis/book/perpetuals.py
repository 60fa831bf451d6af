"""Perp operations on the book: fills with entry-price handling, margin, funding, liquidation.

A perp `venue:perp:BASEQUOTE` is held as size (short < 0), entry price and, on isolated
venues, its isolated margin; realised P&L, fees and cross-margin funding settle into the
venue cash `venue:token:QUOTE`. Venue cash may go negative through settled losses, fees
and funding, as the venue's wallet balance does; margin risk reports it. Fills that add
exposure are refused below the venue's initial margin.
"""

from __future__ import annotations

import math
from datetime import timedelta

from basis.book import factors
from basis.book.core import BookCore, transaction
from basis.book.instruments import Instrument, Kind
from basis.book.ledger import Category
from basis.book.risk import margins, perp_liquidations
from basis.errors import InsufficientBalanceError, InvalidOperationError
from basis.mechanics import perps
from basis.mechanics.perps import PerpLiquidation

__all__ = ["PerpetualOperations", "resize"]


def resize(size: float, entry: float, change: float, price: float) -> tuple[float, float, float]:
    """Return (new size, new entry price, realised P&L) after a fill of `change` at `price`.

    Adding to a position (or opening one) averages the entry price by size; reducing it
    realises `closed × (price − entry)` and keeps the entry; crossing zero closes the old
    position and opens the rest at `price`. A flat position has entry 0.
    """
    new = size + change
    if size == 0.0 or size * change > 0.0:
        return new, (size * entry + change * price) / new, 0.0
    closed = -change if abs(change) <= abs(size) else size
    realised = perps.unrealised_pnl(closed, entry, price)
    if new == 0.0:
        return 0.0, 0.0, realised
    return new, (entry if size * new > 0.0 else price), realised


class PerpetualOperations(BookCore):
    """Linear perp operations (mixed into `Book`)."""

    @transaction
    def perp_trade(
        self,
        account: str,
        instrument: Instrument,
        size: float,
        price: float,
        fee: float,
        margin: float = 0.0,
    ) -> float:
        """Apply a perp fill of `size` (sell < 0) at `price`, paying `fee` (quote units).

        On isolated venues `margin` quote units move from venue cash to the position first.
        Books on the perp `slippage` = size × (mark − price) and `trading_fees` = −fee, in
        the share class; returns the slippage. Raises InvalidOperationError for a bad
        size, price or fee, margin on a cross venue, or when a fill that adds exposure
        leaves the margin ratio below the venue's initial margin;
        InsufficientBalanceError when the venue cash cannot post `margin`.
        """
        self._require_kind(account, instrument, frozenset({Kind.PERP}), "trade")
        if not (math.isfinite(size) and size != 0.0 and 0.0 < price < math.inf):
            raise InvalidOperationError(
                f"account {account!r}: {instrument} fill needs size != 0 and price > 0, "
                f"got size {size!r} at {price!r}"
            )
        if not (0.0 <= fee < math.inf and 0.0 <= margin < math.inf):
            raise InvalidOperationError(
                f"account {account!r}: {instrument} fee and margin must be finite and >= 0, "
                f"got fee {fee!r}, margin {margin!r}"
            )
        row = self._perp_row(account, instrument)
        table, cash = self.perps, Instrument.token(instrument.venue, instrument.quote)
        if margin:
            self._post_margin(account, instrument, row, margin)
        old = float(table.size[row])
        new, entry, realised = resize(old, float(table.entry[row]), size, price)
        table.size[row], table.entry[row] = new, entry
        released = float(table.margin[row]) if new == 0.0 else 0.0
        table.margin[row] -= released
        self._settle_cash(account, cash, realised - fee + released)
        if old == 0.0:
            table.opened[row] = self._now
        elif new == 0.0:
            table.opened[row] = None
        if abs(new) > abs(old) or old * new < 0.0:
            self._require_initial_margin(account, instrument, row)
        quote_value = self._unit_price(cash)
        slippage = size * (self._marks[factors.mark(instrument)] - price) * quote_value
        self._book(account, instrument, Category.SLIPPAGE, slippage)
        self._book(account, instrument, Category.TRADING_FEES, -fee * quote_value)
        return slippage

    @transaction
    def perp_margin(self, account: str, instrument: Instrument, amount: float) -> None:
        """Move `amount` quote units into an isolated position's margin (< 0: back to cash).

        Raises InvalidOperationError on a cross venue, for a zero or non-finite amount, or
        when removing margin leaves the ratio below initial margin;
        InsufficientBalanceError beyond the cash or the margin posted.
        """
        row = self._perp_row(account, instrument)
        if not math.isfinite(amount) or amount == 0.0:
            raise InvalidOperationError(
                f"account {account!r}: {instrument} margin change must be finite and != 0, "
                f"got {amount!r}"
            )
        if amount > 0.0:
            self._post_margin(account, instrument, row, amount)
            return
        posted = float(self.perps.margin[row])
        if -amount > posted:
            raise InsufficientBalanceError(
                f"account {account!r}: cannot release {-amount!r} margin of {instrument}; "
                f"it holds {posted!r}"
            )
        self.perps.margin[row] = posted + amount
        self._settle_cash(account, Instrument.token(instrument.venue, instrument.quote), -amount)
        if self.perps.size[row] != 0.0:
            self._require_initial_margin(account, instrument, row)

    @transaction
    def settle_funding(self, instrument: Instrument, rate: float) -> float:
        """Settle funding at the book's time, a settlement of the venue's schedule.

        Every position on `instrument` open at the settlement (opened before it) receives
        `−size × mark × rate` (`mechanics.perps.funding_payment`): into venue cash, or the
        isolated margin. Books `funding` per position; returns the total in the share
        class. Raises InvalidOperationError when now is not a settlement time or the
        settlement was already booked.
        """
        if instrument.kind is not Kind.PERP:
            raise InvalidOperationError(f"{instrument} is not a perp: it has no funding")
        schedule = self.market.venue(instrument.venue).funding
        now = self._now
        if perps.settlements_between(now - timedelta(microseconds=1), now, schedule) != [now]:
            raise InvalidOperationError(
                f"{now.isoformat()} is not a funding settlement of {instrument.venue} "
                f"(every {schedule.interval_hours} h)"
            )
        if self._settled.get(instrument) == now:
            raise InvalidOperationError(
                f"funding of {instrument} at {now.isoformat()} already settled"
            )
        self._settled[instrument] = now
        table = self.perps
        mark = self._marks[factors.mark(instrument)]
        total = 0.0
        for row, (account, held) in enumerate(table.keys):
            opened = table.opened[row]
            if held != instrument or opened is None or opened >= now:
                continue
            payment = perps.funding_payment(float(table.size[row]), mark, rate)
            cash = Instrument.token(instrument.venue, instrument.quote)
            if table.isolated[row]:
                table.margin[row] += payment
            else:
                self._settle_cash(account, cash, payment)
            value = payment * self._unit_price(cash)
            self._book(account, instrument, Category.FUNDING, value)
            total += value
        return total

    @transaction
    def perp_liquidate(self, account: str, instrument: Instrument) -> PerpLiquidation:
        """Close a position the venue liquidates, at its liquidation price, with the fee.

        Books on the perp `liquidation` = −fee and `price` = size × (liquidation price −
        mark), the fill's difference from the mark the book held. Returns the
        liquidation. Raises InvalidOperationError when the mark has not reached the
        liquidation price or there is no position.
        """
        row = self.perps.rows.get((account, instrument))
        size = 0.0 if row is None else float(self.perps.size[row])
        if row is None or size == 0.0:
            raise InvalidOperationError(
                f"account {account!r}: no {instrument} position to liquidate"
            )
        found = [
            r
            for r in perp_liquidations(self, self._marks)
            if (r.account, r.instrument) == (account, instrument)
        ]
        level = found[0].liquidation_price
        mark = self._marks[factors.mark(instrument)]
        if level is None or not found[0].reached:
            raise InvalidOperationError(
                f"account {account!r}: {instrument} mark {mark!r} has not reached the "
                f"liquidation price {level!r}"
            )
        table = self.perps
        config = self.market.venue(instrument.venue).margin
        result = perps.liquidate_position(size, float(table.entry[row]), level, config)
        cash = Instrument.token(instrument.venue, instrument.quote)
        released = float(table.margin[row])
        table.size[row], table.entry[row], table.margin[row] = 0.0, 0.0, 0.0
        table.opened[row] = None
        self._settle_cash(account, cash, result.realised_pnl - result.fee + released)
        quote_value = self._unit_price(cash)
        self._book(account, instrument, Category.LIQUIDATION, -result.fee * quote_value)
        self._book(account, instrument, Category.PRICE, size * (level - mark) * quote_value)
        return result

    def _perp_row(self, account: str, instrument: Instrument) -> int:
        self._require_kind(account, instrument, frozenset({Kind.PERP}), "hold")
        key = (account, instrument)
        row = self.perps.rows.get(key)
        if row is None:
            venue = self.market.venue(instrument.venue)
            marks = self._marks
            columns = (
                marks.column(factors.mark(instrument)),
                marks.column(factors.price(instrument.base)),
                marks.column(factors.price(instrument.quote)),
            )
            self._unit_row(account, Instrument.token(instrument.venue, instrument.quote))
            row = self.perps.add(key, columns, venue.margin.mode == "isolated")
        return row

    def _post_margin(self, account: str, instrument: Instrument, row: int, amount: float) -> None:
        if not self.perps.isolated[row]:
            raise InvalidOperationError(
                f"account {account!r}: {instrument.venue} is a cross-margin venue; "
                f"{instrument} takes no isolated margin"
            )
        cash = Instrument.token(instrument.venue, instrument.quote)
        self._decrease(account, cash, amount, "post margin from")
        self.perps.margin[row] += amount

    def _settle_cash(self, account: str, cash: Instrument, amount: float) -> None:
        """Venue-settled cash movement (P&L, fees, funding): may take the balance below 0."""
        self.units.quantity[self._unit_row(account, cash)] += amount

    def _require_initial_margin(self, account: str, instrument: Instrument, row: int) -> None:
        isolated = self.perps.isolated[row]
        initial = self.market.venue(instrument.venue).margin.initial
        for risk in margins(self, self._marks):
            if (risk.account, risk.venue) != (account, instrument.venue):
                continue
            ours = risk.instrument == instrument if isolated else risk.instrument is None
            if ours and risk.margin_ratio < initial:
                raise InvalidOperationError(
                    f"account {account!r}: {instrument} margin ratio "
                    f"{risk.margin_ratio:.4f} is below the initial margin {initial}"
                )
