"""The journal's promise under hypothesis: random interleavings of submits, venue answers and
failures, partial and full fills, expiries, crashes (at any point of a submit or of a
reconciliation) and restarts lose nothing and duplicate nothing."""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from basis.live.controls import kill
from basis.live.journal import Journal
from basis.live.journal_records import OrderState
from basis.live.orders import NEVER_SENT, OrderManager
from basis.live.venue import VenueOrder
from tests.live.stubs import SCRATCH, fresh_journal_url

from .fakes import Clock, FakeVenue, Fault, SimulatedCrash

PERP = "binance:perp:BTCUSDT"
SPOT = "binance:spot:BTC"
GRACE = timedelta(seconds=30)

ANSWERS: list[Fault | None] = [
    None,
    None,
    None,
    "reject",
    "timeout_before",
    "timeout_after",
    "drop_answer",
    "rate_limited",
    "crash_before",
    "crash_after",
]


def expected_state(order: VenueOrder) -> OrderState:
    """The journal state a settled reconciliation must give an order the venue reports."""
    if order.status == "closed":
        return OrderState.FILLED
    if order.status in ("canceled", "expired"):
        return OrderState.CANCELLED
    return OrderState.PARTIALLY_FILLED if order.filled > 0 else OrderState.ACKNOWLEDGED


class JournalCrashMachine(RuleBasedStateMachine):
    """basis (journal + order manager) crashes and restarts; the venue lives on."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="journal_crash_", dir=SCRATCH))
        self.url = fresh_journal_url(self.folder)
        self.clock = Clock()
        self.venue = FakeVenue("binance", prices={PERP: 60_000.0, SPOT: 60_000.0}, clock=self.clock)
        self.journal = Journal.open(self.url, clock=self.clock)
        self.run_id = self.journal.start_run("btc_basis", paper=False, config={})
        self.manager = OrderManager(self.journal, {"binance": self.venue}, self.run_id)
        self.crashes = 0
        self.submits = 0  # submit calls: each journals exactly one order, retries none

    def teardown(self) -> None:
        self.journal.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> None:
        """kill -9 and start again: nothing in memory survives, the database does."""
        self.crashes += 1
        self.journal.close()
        self.journal = Journal.open(self.url, clock=self.clock)
        resumed = self.journal.resume_run("btc_basis")
        assert resumed is not None and resumed.run_id == self.run_id
        self.manager = OrderManager(self.journal, {"binance": self.venue}, self.run_id)

    # -- basis acts ----------------------------------------------------------------------

    @rule(
        market=st.sampled_from([PERP, SPOT]),
        side=st.sampled_from(["buy", "sell"]),
        amount=st.sampled_from([0.1, 0.25, 1.0, 3.0]),
        answer=st.sampled_from(ANSWERS),
    )
    def submit(self, market: str, side: Any, amount: float, answer: Fault | None) -> None:
        if answer is not None:
            self.venue.fail_next(answer)
        self.submits += 1
        try:
            order = asyncio.run(self.manager.submit("binance", market, side, amount, "test"))
        except SimulatedCrash:
            self.restart()
            return
        expected = {
            None: OrderState.ACKNOWLEDGED,
            "reject": OrderState.REJECTED,
        }.get(answer, OrderState.UNKNOWN)
        assert order.state is expected

    @rule(market=st.sampled_from([PERP, SPOT]), amount=st.sampled_from([0.1, 1.0]))
    def crash_between_pending_and_sent(self, market: str, amount: float) -> None:
        sent = self.journal.transition

        def dies_before_sent(client_order_id: str, state: OrderState, **kwargs: Any) -> Any:
            if state is OrderState.SENT:
                raise SimulatedCrash("killed between pending and sent")
            return sent(client_order_id, state, **kwargs)

        self.journal.transition = dies_before_sent  # type: ignore[method-assign]
        self.submits += 1
        try:
            asyncio.run(self.manager.submit("binance", market, "buy", amount, "test"))
        except SimulatedCrash:
            self.restart()
            return
        raise AssertionError("the submit should have died before sending")

    @rule(calls=st.integers(min_value=1, max_value=4))
    def crash_during_reconcile(self, calls: int) -> None:
        """Dies at the `calls`-th journal write of a reconciliation (fill or state)."""
        left = [calls]
        add_fill, transition = self.journal.add_fill, self.journal.transition

        def countdown() -> None:
            left[0] -= 1
            if left[0] == 0:
                raise SimulatedCrash("killed mid-reconciliation")

        def crashing_fill(*args: Any, **kwargs: Any) -> Any:
            countdown()
            return add_fill(*args, **kwargs)

        def crashing_transition(*args: Any, **kwargs: Any) -> Any:
            countdown()
            return transition(*args, **kwargs)

        self.journal.add_fill = crashing_fill  # type: ignore[method-assign]
        self.journal.transition = crashing_transition  # type: ignore[method-assign]
        with contextlib.suppress(SimulatedCrash):
            asyncio.run(self.manager.reconcile())
        self.restart()

    @rule()
    def crash(self) -> None:
        self.restart()

    @rule()
    def reconcile(self) -> None:
        asyncio.run(self.manager.reconcile())

    @rule()
    def reconcile_with_venue_down(self) -> None:
        self.venue.down = True
        try:
            assert asyncio.run(self.manager.reconcile()) == []
            assert "binance" in self.manager.degraded
        finally:
            self.venue.down = False

    @rule(flatten=st.booleans())
    def kill_switch(self, flatten: bool) -> None:
        report = asyncio.run(kill(self.journal, {"binance": self.venue}, flatten))
        self.submits += len(report.flattening)
        assert self.open_at_venue() == [] and report.failed == {}
        self.journal.clear_kill()

    @rule()
    def cancel_all(self) -> None:
        asyncio.run(self.manager.cancel_all())
        assert self.open_at_venue() == []

    @rule(seconds=st.integers(min_value=0, max_value=45))
    def wait(self, seconds: int) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    # -- the market acts -----------------------------------------------------------------

    def open_at_venue(self) -> list[str]:
        return sorted(cid for cid, o in self.venue.orders.items() if o.status == "open")

    @precondition(lambda self: bool(self.open_at_venue()))
    @rule(data=st.data(), part=st.sampled_from([0.5, 1.0]))
    def trade(self, data: st.DataObject, part: float) -> None:
        client_id = data.draw(st.sampled_from(self.open_at_venue()))
        order = self.venue.orders[client_id]
        left = order.amount - order.filled
        self.venue.execute(client_id, left if part == 1.0 else left * part)

    @precondition(lambda self: bool(self.open_at_venue()))
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        self.venue.expire(data.draw(st.sampled_from(self.open_at_venue())))

    @rule()
    def settle(self) -> None:
        """After the grace, one reconciliation makes the journal agree with the venue."""
        self.clock.advance(GRACE)
        asyncio.run(self.manager.reconcile())
        journal = {order.client_order_id: order for order in self.journal.orders()}
        for client_id, at_venue in self.venue.orders.items():
            ours = journal[client_id]
            assert ours.state is expected_state(at_venue), (ours, at_venue)
            assert math.isclose(ours.filled, at_venue.filled, rel_tol=1e-12, abs_tol=1e-15)
            assert ours.venue_order_id == at_venue.venue_order_id
        for client_id, ours in journal.items():
            if client_id not in self.venue.orders:
                assert ours.state in (OrderState.CANCELLED, OrderState.REJECTED), ours
        assert self.journal.open_orders() == [
            o for o in journal.values() if o.client_order_id in self.open_at_venue()
        ]

    # -- what must always hold -----------------------------------------------------------

    @invariant()
    def every_send_is_a_journalled_sent_order_sent_once(self) -> None:
        sends = Counter(request.client_order_id for request in self.venue.place_calls)
        assert all(count == 1 for count in sends.values()), sends  # never re-sent
        for request in self.venue.place_calls:
            order = self.journal.find_order(request.client_order_id)
            assert order is not None, request
            assert order.request() == request
            assert order.state is not OrderState.PENDING and order.error != NEVER_SENT

    @invariant()
    def one_journal_order_per_submit(self) -> None:
        """Reconciliation and restarts never create orders: nothing is re-sent anew."""
        assert len(self.journal.orders()) == self.submits

    @invariant()
    def every_venue_order_is_journalled(self) -> None:
        for client_id in self.venue.orders:
            assert self.journal.find_order(client_id) is not None

    @invariant()
    def fills_stored_once_and_summed(self) -> None:
        stored = self.journal.fills()
        keys = [(venue, fill.trade_id) for venue, fill in stored]
        assert len(keys) == len(set(keys))
        assert {fill for _, fill in stored} <= set(self.venue.trades)
        totals: Counter[str] = Counter()
        for _, fill in stored:
            assert fill.client_order_id is not None
            totals[fill.client_order_id] += fill.amount  # type: ignore[assignment]
        for order in self.journal.orders():
            assert math.isclose(order.filled, totals[order.client_order_id], abs_tol=1e-12)


JournalCrashMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_journal_survives_crashes = JournalCrashMachine.TestCase
