"""The loop of DESIGN §1 on a wall clock: snapshot, venue truth, risk, decide, execute, persist.

A `Runner` wraps the same `Kernel` as the backtest. Per tick it takes the feed's snapshots,
lets the venue side bring the book in line (`PaperVenues`: the backtest's simulated venue
events; `LiveVenues`: fills, funding and balances as the venues report them), asks the
strategy for intents unless the kill switch is on, a venue is degraded or the snapshot is
stale, executes them, and commits the book's checkpoint with what it booked in one unit.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from basis.book import Book, Kind, risk
from basis.book.checkpoint import to_document
from basis.config.limits import LimitsConfig
from basis.engine.execution import SimulatedExecution
from basis.engine.kernel import Checked, Kernel
from basis.engine.venue_events import SimulatedVenues
from basis.live import booking
from basis.live.execution import LiveExecution, PaperExecution
from basis.live.feed import Feed, ReplayFeed, Taken
from basis.live.journal import Journal
from basis.live.orders import OrderManager
from basis.live.venue import FundingPaid, Venue, VenueError, VenueFill
from basis.mechanics.perps import settlements_between
from basis.model.market import RewardPayout, Snapshot
from basis.model.orders import ACCOUNT
from basis.model.result import Event, EventKind
from basis.strategies import Intent

__all__ = [
    "LiveVenues",
    "PaperVenues",
    "Runner",
    "RunnerOptions",
    "TickReport",
    "stopped_within",
]

Publish = Callable[[str, Mapping[str, Any]], None]
FOLLOW_UP = 1.0  # seconds to the next tick while an order is open
SETTLEMENT_DELAY = 1.0  # seconds after a funding settlement before the tick that books it
FUNDING_LOOKBACK = timedelta(hours=1)  # funding is asked for from the last booked, less this


@dataclass(frozen=True)
class RunnerOptions:
    tick: float = 60.0  # seconds between ticks
    max_age: float = 30.0  # no order is sent from a snapshot older than this (seconds)


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    time: datetime | None
    equity: float
    intents: int
    events: tuple[Event, ...]
    traded: bool
    why_not: str | None  # why the strategy was not asked: kill switch, stale, degraded


class PaperVenues:
    """Paper: the backtest's simulated venue events and execution on the runner's book."""

    paper = True

    def __init__(
        self,
        kernel: Kernel,
        journal: Journal,
        run_id: str,
        limits: LimitsConfig | None = None,
        rewards: Sequence[RewardPayout] = (),
    ) -> None:
        self.simulated = SimulatedExecution(kernel.book)
        self.events: list[Event] = []
        self.warnings: list[str] = []
        self.venues = SimulatedVenues(kernel, self.simulated, rewards, self.events, self.warnings)
        self.execution = PaperExecution(journal, run_id, self.simulated, limits)

    async def sync(
        self, taken: Taken, book: Book, opening: bool
    ) -> tuple[list[Event], Checked | None]:
        checked: Checked | None = None
        for snap in taken.snapshots:
            if snap.time >= book.now:
                self.venues.accrue(snap)
            _, checked = self.venues.step(snap)
        events, self.events[:] = list(self.events), []
        events += [_warning(book.now, w) for w in self.warnings]
        self.warnings.clear()
        return events, checked

    async def execute(self, intents: list[Intent], snap: Snapshot) -> list[Event]:
        events: list[Event] = []
        for intent in intents:
            events += self.execution.execute(intent, snap)
        self.venues.note_holdings(snap.time)  # reward seasons pay on time-weighted holdings
        return events

    def commit(self, journal: Journal, run_id: str, document: Mapping[str, Any]) -> None:
        journal.save_checkpoint(run_id, document)  # inside the tick's unit (see Runner)

    def document(self) -> dict[str, Any]:
        """What the simulated venues must keep across a restart: the reward holding log."""
        return self.venues.holdings_document()

    def restore(self, document: Mapping[str, Any]) -> None:
        self.venues.restore_holdings(document)


class LiveVenues:
    """Live: orders through the order manager; fills, funding and balances from the venues."""

    paper = False

    def __init__(
        self,
        kernel: Kernel,
        journal: Journal,
        orders: OrderManager,
        venues: Mapping[str, Venue],
        accounts: Mapping[str, str] | None = None,
    ) -> None:
        """`venues` is keyed by account (the journal's `venue` column); `accounts` maps a
        book venue to the account trading it when the two names differ (a session's
        account `fund_a` on `binance`)."""
        self.journal, self.orders, self.venues = journal, orders, dict(venues)
        accounts = dict(accounts or {})
        self.book_venue = {account: venue for venue, account in accounts.items()}
        self.execution = LiveExecution(orders, kernel.book, accounts)
        self.booked_fills: list[tuple[str, VenueFill]] = []
        self.booked_funding: list[tuple[str, FundingPaid]] = []
        self.funding_since: datetime | None = None
        self.degraded: dict[str, str] = {}

    async def sync(
        self, taken: Taken, book: Book, opening: bool
    ) -> tuple[list[Event], Checked | None]:
        """Accrue to the quotes, book the fills and funding the venues report, then bring
        balances to the venues'. Fills or funding that arrive while the balances are read
        would be counted twice (once as a difference, once when booked): the balances are
        then reconciled on the next tick instead."""
        snap = taken.now
        if self.funding_since is None:
            self.funding_since = book.now  # the opening, or the checkpoint a restart resumes
        since = self.funding_since
        if snap.time >= book.now:
            book.accrue(snap.time, snap.marks)
        self.degraded = {}
        events = await self._collect(book, since)
        holdings = {}
        for name, venue in self.venues.items():
            try:
                holdings[name] = await venue.holdings()
            except VenueError as error:
                self.degraded[name] = error.message
        self.degraded.update(self.orders.degraded)
        late = await self._collect(book, since)
        events += late
        if late and not opening:
            events.append(
                _warning(
                    book.now,
                    "fills or funding arrived while balances were read: "
                    "balances are reconciled on the next tick",
                )
            )
            return events, None
        for name, reported in holdings.items():
            book_venue = self.book_venue.get(name, name)
            events += booking.reconcile(book, book_venue, reported, opening=opening)
        return events, None

    async def _collect(self, book: Book, since: datetime) -> list[Event]:
        await self.orders.reconcile()
        await self.orders.collect_funding(since)
        return self._book_unbooked(book)

    async def execute(self, intents: list[Intent], snap: Snapshot) -> list[Event]:
        events: list[Event] = []
        for intent in intents:
            events += await self.execution.execute(intent, snap)
        return events

    async def cancel_open(self, at: datetime) -> list[Event]:
        """Cancel what is still open while the kill switch is on (a kill running at the same
        moment may have missed an order this runner sent just before the flag)."""
        if not self.journal.open_orders():
            return []
        result = await self.orders.cancel_all()
        return [
            _warning(at, f"kill switch: cancelled {order.client_order_id} on {venue}")
            for venue, order in result.cancelled
        ]

    def book_after_execution(self, book: Book) -> list[Event]:
        return self._book_unbooked(book)

    def commit(self, journal: Journal, run_id: str, document: Mapping[str, Any]) -> None:
        with journal.unit():
            journal.save_checkpoint(run_id, document)
            journal.mark_booked(self.booked_fills, self.booked_funding)
        self.booked_fills, self.booked_funding = [], []

    def _book_unbooked(self, book: Book) -> list[Event]:
        events = []
        for venue, fill in self.journal.fills(unbooked=True):
            if venue not in self.venues or (venue, fill) in self.booked_fills:
                continue  # another account's fill is its own run's to book
            events.append(booking.book_fill(book, venue, fill))
            self.booked_fills.append((venue, fill))
        for venue, paid in self.journal.funding(unbooked=True):
            if venue not in self.venues or (venue, paid) in self.booked_funding:
                continue
            events.append(booking.book_funding(book, paid))
            self.booked_funding.append((venue, paid))
            # later ticks ask the venues only for what may still be new (not the whole run)
            since = paid.time - FUNDING_LOOKBACK
            if self.funding_since is not None and since > self.funding_since:
                self.funding_since = since
        return events


@dataclass
class Runner:
    """One live or paper run of a strategy: `tick` once, or `run` until told to stop."""

    kernel: Kernel
    journal: Journal
    run_id: str
    feed: Feed
    side: PaperVenues | LiveVenues
    options: RunnerOptions = field(default_factory=RunnerOptions)
    publish: Publish | None = None
    ticks: int = 0
    initial_equity: float = math.nan
    opening: bool = True
    degraded: dict[str, str] = field(default_factory=dict)
    hold: str | None = None  # why the strategy is not asked (a paused session), else None
    _seen: tuple[float, datetime] | None = field(default=None, init=False)  # (wall, venue)
    _venue_rate: float = field(default=0.0, init=False)  # venue seconds per wall second

    # -- lifecycle -----------------------------------------------------------------------

    async def run(
        self,
        stop: asyncio.Event,
        max_ticks: int | None = None,
        on_tick: Callable[[Runner, TickReport], None] | None = None,
    ) -> None:
        """Tick until `stop` is set (SIGTERM), `max_ticks` or the end of a replay; the tick in
        progress always finishes and is persisted. Waits `next_wait()` between ticks."""
        while not stop.is_set():
            if max_ticks is not None and self.ticks >= max_ticks:
                return
            if isinstance(self.feed, ReplayFeed) and self.feed.done:
                return
            if await stopped_within(stop, self.next_wait()):
                return
            report = await self.tick()
            if on_tick is not None:
                on_tick(self, report)

    def next_wait(self) -> float:
        """Seconds to the next tick: `options.tick`, sooner when an order is still open (its
        fills are booked promptly) or a funding settlement is due (booked as it lands).

        The venue's clock may run faster than the wall (the emulator): its rate is measured
        from the last two snapshots."""
        wait = self.options.tick
        if self.journal.open_orders():
            wait = min(wait, FOLLOW_UP)
        due = None if isinstance(self.feed, ReplayFeed) else self._next_settlement()
        if due is not None and self._venue_rate > 0.0:
            ahead = (due - self.kernel.book.now).total_seconds() / self._venue_rate
            wait = min(wait, max(ahead, 0.0) + SETTLEMENT_DELAY)
        return wait

    def _next_settlement(self) -> datetime | None:
        book = self.kernel.book
        times = []
        for holding in book.holdings():
            if holding.instrument.kind is Kind.PERP:
                schedule = book.market.venue(holding.instrument.venue).funding
                due = settlements_between(book.now, book.now + timedelta(days=1), schedule)
                times += due[:1]
        return min(times, default=None)

    def _clock(self, taken: Taken) -> None:
        """Track how fast the venues' clock runs against the wall (1 for a real venue)."""
        at = taken.now.time
        if self._seen is not None:
            wall, venue = self._seen
            elapsed = taken.taken_at - wall
            if elapsed > 0.0:
                self._venue_rate = max((at - venue).total_seconds(), 0.0) / elapsed
        self._seen = (taken.taken_at, at)

    # -- one tick ------------------------------------------------------------------------

    async def tick(self, taken: Taken | None = None) -> TickReport:
        """One tick on `taken` (default: the feed's next snapshots)."""
        if taken is None:
            try:
                taken = await self.feed.take()
            except VenueError as error:
                taken = Taken((), time.monotonic(), {"feed": str(error)})
        if self.side.paper:
            with self.journal.unit():  # a paper tick commits whole or not at all
                return await self._tick(taken)
        return await self._tick(taken)

    async def _tick(self, taken: Taken) -> TickReport:
        book = self.kernel.book
        self.ticks += 1
        self.degraded = dict(taken.degraded)
        if taken.snapshots:
            self._clock(taken)
        if not taken.snapshots:  # no market: nothing is decided, the state says why
            why = f"degraded venues: {', '.join(sorted(self.degraded))}"
            warning = _warning(book.now, f"{why} ({self.degraded})")
            self._record([warning])
            self.side.commit(self.journal, self.run_id, self._document())
            return TickReport(None, book.equity(), 0, (warning,), False, why)
        snap = taken.now
        if self.opening and self.side.paper:
            self._open_paper(snap)
        events, checked = await self.side.sync(taken, book, self.opening)
        if isinstance(self.side, LiveVenues):
            self.degraded.update(self.side.degraded)
        if self.opening:
            self.initial_equity = self._opening_equity()
            self.opening = False
        state = self.kernel.state(snap, checked)
        why_not = self._why_not(taken)
        if isinstance(self.side, LiveVenues) and self.journal.kill_request() is not None:
            events += await self.side.cancel_open(book.now)  # sent just before the switch
        intents = [] if why_not else self.kernel.decide(state)
        # paper notes its LST holdings every tick (reward seasons), trades or not
        executed = await self.side.execute(intents, snap) if intents or self.side.paper else []
        events += executed
        if isinstance(self.side, LiveVenues):
            events += self.side.book_after_execution(book)
        self._record(events)
        self.side.commit(self.journal, self.run_id, self._document())
        book.compact_ledger()  # its events are in the journal; keep memory flat
        report = TickReport(
            snap.time, book.equity(), len(intents), tuple(events), bool(intents), why_not
        )
        if self.publish is not None:
            self.publish("tick", self.status())
        return report

    def _open_paper(self, snap: Snapshot) -> None:
        """A new paper run starts with the mode's capital, deposited as a backtest does."""
        book = self.kernel.book
        if snap.time >= book.now:
            book.accrue(snap.time, snap.marks)
        self.kernel.deposit(self.kernel.config.initial_capital, snap)

    def _opening_equity(self) -> float:
        return self.kernel.book.equity()

    def _why_not(self, taken: Taken) -> str | None:
        if self.hold is not None:
            return self.hold
        kill = self.journal.kill_request()
        if kill is not None:
            return f"kill switch on since {kill.requested_at:%Y-%m-%d %H:%M:%S} ({kill.reason})"
        if self.degraded:
            return f"degraded venues: {', '.join(sorted(self.degraded))}"
        if taken.end:  # as a backtest: the window's end is valued, not decided at
            return f"the replay ends at {taken.now.time:%Y-%m-%d %H:%M} UTC: the book is valued"
        age = time.monotonic() - taken.taken_at
        if age > self.options.max_age:
            return f"snapshot {age:.1f} s old (max {self.options.max_age:g} s)"
        return None

    def _record(self, events: list[Event]) -> None:
        for event in events:
            amounts = {"size": event.size, "value": event.value, "cost": event.cost}
            self.journal.record_event(
                self.run_id,
                event.kind.value,
                f"{event.subject}: {event.detail}",
                {k: v for k, v in amounts.items() if math.isfinite(v) and v},
            )

    # -- status --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Equity, positions and risk now: what `basis live status` and the API show."""
        book, config = self.kernel.book, self.kernel.config
        marks = book.marks()
        assessed = risk(book, marks, config)
        return {
            "run_id": self.run_id,
            "mode": config.mode,
            "paper": self.side.paper,
            "time": book.now.isoformat(),
            "ticks": self.ticks,
            "share_class": config.share_class,
            "equity": book.equity(),
            "initial_equity": self.initial_equity,
            "positions": [
                {
                    "instrument": str(h.instrument),
                    "quantity": book.balance(h.account, h.instrument),
                    **({"entry": _entry(book, h)} if h.instrument.kind is Kind.PERP else {}),
                }
                for h in book.holdings()
            ],
            "attribution": {c.value: v for c, v in book.attribution().items()},
            "risk": {
                "alerts": [
                    {
                        "breach": a.breach.value,
                        "subject": a.subject,
                        "value": a.value,
                        "limit": a.limit,
                    }
                    for a in assessed.alerts
                ],
                "margin_ratio": {m.venue: m.margin_ratio for m in assessed.margin},
                "net_delta": dict(assessed.delta_drift),
            },
            "degraded": dict(self.degraded),
            "killed": self.journal.kill_request() is not None,
        }

    def _document(self) -> dict[str, Any]:
        document = {
            "book": to_document(self.kernel.book),
            "runner": {"ticks": self.ticks, "initial_equity": self.initial_equity},
            "status": _finite(self.status()),
        }
        if isinstance(self.side, PaperVenues):
            document["venues"] = self.side.document()
        strategy = self.kernel.strategy.document()
        if strategy is not None:  # the directional modes' history and models
            document["strategy"] = strategy
        return document


def _entry(book: Book, holding: Any) -> float:
    row = book.perps.rows[(holding.account, holding.instrument)]
    return float(book.perps.entry[row])


async def stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds` for `stop`; True when it was set (the caller stops ticking)."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


def _warning(at: datetime, detail: str) -> Event:
    return Event(at, EventKind.WARNING, ACCOUNT, "*", detail)


def _finite(value: Any) -> Any:
    """JSON has no inf or NaN: such numbers are written as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
