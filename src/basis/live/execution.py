"""Execution on a wall clock: a strategy's intents as journalled orders, live or on paper.

`LiveExecution` sends CEX and perp-DEX orders through the order manager (journal first,
then the venue) and refuses what needs the chain (Aave, staking, DEX swaps, flash loans,
on-chain transfers) until on-chain execution exists. `PaperExecution` fills every order
with the backtest's models (`SimulatedExecution`) at the live marks and journals the CEX
and perp orders with their fills, so a paper run shows in `basis live orders` as a live
one does. Both check the pre-trade limits before an order exists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from basis.book import Book, Instrument, Kind, Marks
from basis.book import factors as f
from basis.config.limits import LimitsConfig
from basis.engine.execution import SimulatedExecution
from basis.errors import OrderRefusedError
from basis.live.journal import Journal
from basis.live.journal_records import OrderState
from basis.live.limits import OrderExposure, check_order
from basis.live.orders import OrderManager
from basis.live.venue import Side, VenueError, VenueFill
from basis.model.market import Snapshot
from basis.model.orders import ACCOUNT, Order, Perp, Spot
from basis.model.result import Event, EventKind
from basis.strategies import Intent

__all__ = ["CHAIN_REFUSAL", "LiveExecution", "PaperExecution", "VenueOrderSpec", "venue_order"]

CHAIN_REFUSAL = (
    "needs the chain (Aave, staking, DEX swaps, flash loans and on-chain transfers are not "
    "executed live yet; run it with --paper)"
)


@dataclass(frozen=True, slots=True)
class VenueOrderSpec:
    """A strategy order as a venue order: where, which market, which side, how much."""

    venue: str
    market: str
    instrument: Instrument
    side: Side
    amount: float


def venue_order(order: Order) -> VenueOrderSpec | None:
    """The venue order of a CEX spot or perp order; None for an order that needs the chain."""
    match order:
        case Perp(instrument, size):
            side: Side = "buy" if size > 0 else "sell"
            return VenueOrderSpec(instrument.venue, str(instrument), instrument, side, abs(size))
        case Spot(venue, base, quote, size) if quote == "USDT":
            spot = Instrument(venue, Kind.SPOT, base)
            return VenueOrderSpec(venue, str(spot), spot, "buy" if size > 0 else "sell", abs(size))
    return None


class DailyLoss:
    """Equity at the start of the UTC day, for the daily-loss limit."""

    def __init__(self) -> None:
        self.day: str | None = None
        self.start = math.nan

    def pnl(self, at: datetime, equity: float) -> float:
        day = at.strftime("%Y-%m-%d")
        if day != self.day:
            self.day, self.start = day, equity
        return equity - self.start


def order_exposure(book: Book, spec: VenueOrderSpec, daily: DailyLoss) -> OrderExposure:
    """What `spec` does to gross position values (USD, at the book's marks), on its venue
    and over every venue, with the P&L since the start of the UTC day."""
    marks = book.marks()
    gross = {
        h.instrument: abs(h.quantity) * _price(marks, h.instrument)
        for h in book.holdings()
        if h.account == ACCOUNT and h.instrument.kind in (Kind.PERP, Kind.SPOT)
    }
    signed = spec.amount if spec.side == "buy" else -spec.amount
    price = _price(marks, spec.instrument)
    change = abs(book.balance(ACCOUNT, spec.instrument) + signed) * price - gross.get(
        spec.instrument, 0.0
    )
    account_before = math.fsum(v for i, v in gross.items() if i.venue == spec.venue)
    total_before = math.fsum(gross.values())
    pnl = daily.pnl(book.now, book.equity())
    return OrderExposure(
        order_notional=spec.amount * price,
        account_before=account_before,
        account_after=account_before + change,
        total_before=total_before,
        total_after=total_before + change,
        account_pnl=pnl,
        total_pnl=pnl,
    )


def _price(marks: Marks, instrument: Instrument) -> float:
    """USD per unit: a perp at its mark, a spot holding at its asset's price."""
    if instrument.kind is Kind.PERP:
        return marks[f.mark(instrument)]
    return marks[f.price(instrument.symbol)]


def _header(intent: Intent, snap: Snapshot) -> Event:
    return Event(snap.time, intent.kind, ACCOUNT, "*", intent.reason)


def _rejected(snap: Snapshot, subject: str, detail: str) -> Event:
    return Event(snap.time, EventKind.REJECTED, ACCOUNT, subject, detail)


class LiveExecution:
    """Intents to venue orders through the order manager; fills come back through the
    journal (the runner books them once)."""

    def __init__(
        self, orders: OrderManager, book: Book, accounts: Mapping[str, str] | None = None
    ) -> None:
        self.orders, self.book = orders, book
        self.accounts = dict(accounts or {})  # book venue -> the account trading it
        self.daily = DailyLoss()

    async def execute(self, intent: Intent, snap: Snapshot) -> list[Event]:
        events = [_header(intent, snap)]
        for order in intent.orders:
            spec = venue_order(order)
            if spec is None:
                events.append(_rejected(snap, "*", f"{type(order).__name__}: {CHAIN_REFUSAL}"))
                continue
            exposure = order_exposure(self.book, spec, self.daily)
            try:
                placed = await self.orders.submit(
                    self.accounts.get(spec.venue, spec.venue),
                    spec.market,
                    spec.side,
                    spec.amount,
                    intent.reason,
                    exposure=exposure,
                )
            except OrderRefusedError as refused:
                events.append(_rejected(snap, spec.market, f"refused: {refused.reason}"))
                continue
            except VenueError as error:  # not journalled, so surely not sent
                events.append(_rejected(snap, spec.market, f"not sent: {error.message}"))
                continue
            if placed.state in (OrderState.REJECTED, OrderState.CANCELLED, OrderState.UNKNOWN):
                events.append(
                    _rejected(
                        snap,
                        spec.market,
                        f"{placed.client_order_id} {placed.state}: {placed.error or ''}".strip(),
                    )
                )
        return events


class PaperExecution:
    """The backtest's execution at live marks, journalled like live orders.

    Call it inside the runner's journal unit: the orders, their fills and the checkpoint
    of the book that booked them commit together, so a crash loses a whole tick or none.
    """

    def __init__(
        self,
        journal: Journal,
        run_id: str,
        simulated: SimulatedExecution,
        limits: LimitsConfig | None = None,
    ) -> None:
        self.journal, self.run_id, self.simulated = journal, run_id, simulated
        self.limits = limits
        self.daily = DailyLoss()

    def execute(self, intent: Intent, snap: Snapshot) -> list[Event]:
        events = [_header(intent, snap)]
        for order in intent.orders:
            spec = venue_order(order)
            if spec is None:  # simulated on the paper book, as in a backtest
                events += self.simulated.execute([order], snap)
                continue
            refusal = self._refusal(spec, snap)
            if refusal is not None:
                self.journal.record_event(
                    self.run_id, "order_refused", f"{spec.market}: {refusal}", {}
                )
                events.append(_rejected(snap, spec.market, f"refused: {refusal}"))
                continue
            events += self._fill(order, spec, intent.reason, snap)
        return events

    def _refusal(self, spec: VenueOrderSpec, snap: Snapshot) -> str | None:
        if self.journal.kill_request() is not None:
            return "kill switch is on"
        if self.limits is None:
            return None
        minute = snap.time.replace(second=0, microsecond=0)
        refusal = check_order(
            self.limits,
            spec.venue,
            order_exposure(self.simulated.book, spec, self.daily),
            account_orders=self.journal.order_times(minute, spec.venue),
            all_orders=self.journal.order_times(minute),
            now=snap.time,
        )
        return None if refusal is None else str(refusal)

    def _fill(self, order: Order, spec: VenueOrderSpec, why: str, snap: Snapshot) -> list[Event]:
        journal = self.journal
        placed = journal.record_order(
            self.run_id, spec.venue, spec.market, spec.side, spec.amount, why
        )
        client_id = placed.client_order_id
        journal.transition(client_id, OrderState.SENT)
        self.simulated.last_fill = None
        result = self.simulated.execute([order], snap)
        fill = self.simulated.last_fill
        if fill is None or result[0].kind is EventKind.REJECTED:
            journal.transition(client_id, OrderState.REJECTED, error=result[0].detail)
            return result
        journal.transition(client_id, OrderState.ACKNOWLEDGED, venue_order_id=client_id)
        venue_fill = VenueFill(
            trade_id=f"paper-{client_id}",
            venue_order_id=client_id,
            client_order_id=client_id,
            market=spec.market,
            side=spec.side,
            amount=spec.amount,
            price=fill.price,
            fee=fill.fee,
            fee_asset="USDT",
            time=snap.time,
        )
        journal.add_fill(spec.venue, venue_fill)
        journal.mark_booked(fills=[(spec.venue, venue_fill)])
        return result
