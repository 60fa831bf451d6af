"""The venue is the truth: its fills, funding and balances booked into the runner's book.

Fills and funding are booked once each (the journal marks them booked in the same unit as
the checkpoint that holds them). Balances and perp positions are then brought to what the
venue reports: at a run's start as opening `flows`, afterwards as `reconciliation` P&L,
each difference worth more than a cent an event with its amounts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from basis.book import Book, Category, Instrument, Kind
from basis.errors import MechanicsError
from basis.live.venue import FundingPaid, Holdings, VenueFill
from basis.model.orders import ACCOUNT
from basis.model.result import Event, EventKind

__all__ = ["CASH", "EVENT_THRESHOLD", "book_fill", "book_funding", "reconcile"]

CASH = frozenset({"USDT", "USDC"})
"""Venue balances held as cash (`venue:token:USDT`); any other asset is a spot holding."""

EVENT_THRESHOLD = 0.01
"""A reconciliation difference worth more than this (share class) is also an event."""


@dataclass(frozen=True)
class Difference:
    """One balance the venue holds otherwise than the book did."""

    instrument: Instrument
    book: float
    venue: float
    value: float


def book_fill(book: Book, venue: str, fill: VenueFill) -> Event:
    """Book one venue fill at its price and fee; returns its trade event.

    A fill the book refuses (its margin check, say) happened all the same: it is left to
    the balance reconciliation and said so in a `rejected` event."""
    instrument = Instrument.parse(fill.market)
    size = fill.amount if fill.side == "buy" else -fill.amount
    in_base = fill.fee_asset == (
        instrument.base if instrument.kind is Kind.PERP else instrument.symbol
    )
    fee_in_quote = fill.fee * fill.price if in_base else fill.fee
    try:
        if instrument.kind is Kind.PERP:
            book.perp_trade(ACCOUNT, instrument, size, fill.price, fee_in_quote)
        else:
            book.spot_trade(
                ACCOUNT, venue, instrument.symbol, "USDT", size, fill.price, fill.fee, in_base
            )
    except MechanicsError as error:
        return Event(
            book.now,
            EventKind.REJECTED,
            ACCOUNT,
            str(instrument),
            f"fill {fill.trade_id} not booked ({error}); the balance reconciliation books it",
            size,
        )
    detail = f"fill {fill.trade_id}: {fill.side} {fill.amount:.8g} @ {fill.price:.8g}"
    value = fill.amount * fill.price
    return Event(
        book.now, EventKind.TRADE, ACCOUNT, str(instrument), detail, size, value, -fee_in_quote
    )


def book_funding(book: Book, paid: FundingPaid) -> Event:
    """Book funding as the venue paid it; returns its funding event."""
    instrument = Instrument.parse(paid.market)
    value = book.receive_funding(ACCOUNT, instrument, paid.amount)
    detail = f"funding {paid.funding_id} at {paid.time:%Y-%m-%d %H:%M}: {paid.amount:+.8g}"
    return Event(book.now, EventKind.FUNDING, ACCOUNT, str(instrument), detail, value=value)


def reconcile(book: Book, venue: str, holdings: Holdings, *, opening: bool) -> list[Event]:
    """Bring `venue`'s balances and perps in the book to `holdings`; returns an event per
    difference worth more than `EVENT_THRESHOLD` (all differences are booked)."""
    category = Category.FLOWS if opening else Category.RECONCILIATION
    differences: list[Difference] = []
    reported = {_instrument(venue, asset): amount for asset, amount in holdings.balances.items()}
    held = {
        h.instrument
        for h in book.holdings()
        if h.account == ACCOUNT
        and h.instrument.venue == venue
        and h.instrument.kind in (Kind.TOKEN, Kind.SPOT)
    }
    for instrument in sorted(held | set(reported), key=str):
        before = book.balance(ACCOUNT, instrument)
        target = reported.get(instrument, 0.0)
        if target != before:
            value = book.reconcile_units(ACCOUNT, instrument, target, category)
            differences.append(Difference(instrument, before, target, value))
    positions = {Instrument.parse(m): p for m, p in holdings.positions.items()}
    open_perps = {
        h.instrument
        for h in book.holdings()
        if h.account == ACCOUNT and h.instrument.venue == venue and h.instrument.kind is Kind.PERP
    }
    for perp in sorted(open_perps | set(positions), key=str):
        before = book.balance(ACCOUNT, perp)
        position = positions.get(perp)
        size, entry = (0.0, 0.0) if position is None else (position.size, position.entry)
        if size != before or (size and not math.isclose(entry, _entry(book, perp), rel_tol=1e-12)):
            value = book.reconcile_perp(ACCOUNT, perp, size, entry, category)
            differences.append(Difference(perp, before, size, value))
    return [_event(book.now, d, opening) for d in differences if abs(d.value) > EVENT_THRESHOLD]


def _instrument(venue: str, asset: str) -> Instrument:
    return Instrument.token(venue, asset) if asset in CASH else Instrument(venue, Kind.SPOT, asset)


def _entry(book: Book, perp: Instrument) -> float:
    row = book.perps.rows[(ACCOUNT, perp)]
    return float(book.perps.entry[row])


def _event(at: datetime, difference: Difference, opening: bool) -> Event:
    verb = "opening balance" if opening else "reconciled"
    detail = (
        f"{verb}: book {difference.book:.10g}, venue {difference.venue:.10g} "
        f"({difference.value:+,.2f})"
    )
    kind = EventKind.FLOW if opening else EventKind.RECONCILIATION
    return Event(
        at,
        kind,
        ACCOUNT,
        str(difference.instrument),
        detail,
        difference.venue - difference.book,
        difference.value,
    )
