"""The order manager against the in-memory venue: each venue answer and failure becomes the
right journal state, and reconciliation adopts what happened while basis was down."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from basis.errors import JournalError, OrderRefusedError
from basis.live.journal import Journal
from basis.live.journal_records import OrderState
from basis.live.orders import NEVER_SENT, NOT_AT_VENUE, OrderManager
from basis.live.venue import OrderRequest

from .fakes import Clock, FakeVenue, SimulatedCrash

PERP = "binance:perp:BTCUSDT"
Result = TypeVar("Result")


def run(coroutine: Coroutine[Any, Any, Result]) -> Result:
    return asyncio.run(coroutine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database(database_url: str) -> str:
    """The journal's database: SQLite, and PostgreSQL when the server is given."""
    return database_url


@pytest.fixture
def journal(database: str, clock: Clock) -> Iterator[Journal]:
    with Journal.open(database, clock=clock) as opened:
        yield opened


@pytest.fixture
def venue(clock: Clock) -> FakeVenue:
    return FakeVenue("binance", prices={PERP: 60_000.0}, clock=clock)


@pytest.fixture
def manager(journal: Journal, venue: FakeVenue) -> OrderManager:
    run_id = journal.start_run("btc_basis", paper=False, config={})
    return OrderManager(journal, {"binance": venue}, run_id)


def test_submit_acknowledged_order_rests_with_venue_id(
    manager: OrderManager, venue: FakeVenue
) -> None:
    order = run(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
    assert order.state is OrderState.ACKNOWLEDGED
    assert order.venue_order_id == venue.orders[order.client_order_id].venue_order_id
    assert venue.place_calls == [order.request()]


def test_submit_filled_at_once_adopts_its_fill(journal: Journal, clock: Clock) -> None:
    venue = FakeVenue(prices={PERP: 60_000.0}, fill_market_orders=True, clock=clock)
    manager = OrderManager(journal, {"binance": venue}, journal.start_run("m", False, {}))
    order = run(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
    assert order.state is OrderState.FILLED
    assert (order.filled, order.average) == (0.5, 60_000.0)
    [(name, fill)] = journal.fills(order.client_order_id)
    assert name == "binance" and fill == venue.trades[0]
    assert fill.fee == pytest.approx(0.5 * 60_000 * 0.0005)  # 15 USDT


def test_submit_rejected_is_a_state_not_an_exception(
    manager: OrderManager, venue: FakeVenue
) -> None:
    venue.fail_next("reject")
    order = run(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
    assert order.state is OrderState.REJECTED
    assert order.error == "binance: insufficient margin"


@pytest.mark.parametrize(
    "fault", ["timeout_before", "timeout_after", "drop_answer", "rate_limited"]
)
def test_submit_without_answer_is_unknown(
    manager: OrderManager, venue: FakeVenue, fault: Any
) -> None:
    venue.fail_next(fault)
    order = run(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
    assert order.state is OrderState.UNKNOWN and order.error is not None


def test_reconcile_accepted_then_timed_out_order_is_found_by_client_id(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    venue.fail_next("timeout_after")
    order = run(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
    fill = venue.execute(order.client_order_id, 0.2, 60_100.0)
    adopted = run(manager.reconcile())
    assert adopted == [("binance", fill)]
    now = journal.order(order.client_order_id)
    assert now.state is OrderState.PARTIALLY_FILLED and now.filled == 0.2
    assert run(manager.reconcile()) == []  # adopted once


def test_reconcile_unknown_order_never_at_venue_is_cancelled_after_the_grace(
    manager: OrderManager, venue: FakeVenue, journal: Journal, clock: Clock
) -> None:
    venue.fail_next("timeout_before")
    order = run(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
    run(manager.reconcile())
    assert journal.order(order.client_order_id).state is OrderState.UNKNOWN  # may still arrive
    clock.advance(timedelta(seconds=30))
    run(manager.reconcile())
    cancelled = journal.order(order.client_order_id)
    assert (cancelled.state, cancelled.error) == (OrderState.CANCELLED, NOT_AT_VENUE)
    assert len(venue.place_calls) == 1  # never sent again


def test_reconcile_pending_order_is_cancelled_as_never_sent(
    manager: OrderManager, journal: Journal, venue: FakeVenue
) -> None:
    pending = journal.record_order(manager.run_id, "binance", PERP, "sell", 0.5, "hedge")
    run(manager.reconcile())
    cancelled = journal.order(pending.client_order_id)
    assert (cancelled.state, cancelled.error) == (OrderState.CANCELLED, NEVER_SENT)
    assert venue.place_calls == []


def test_reconcile_after_crash_adopts_fills_made_while_down(
    database: str, clock: Clock, venue: FakeVenue
) -> None:
    with Journal.open(database, clock=clock) as journal:
        run_id = journal.start_run("btc_basis", paper=False, config={})
        manager = OrderManager(journal, {"binance": venue}, run_id)
        venue.fail_next("crash_after")
        with pytest.raises(SimulatedCrash):
            run(manager.submit("binance", PERP, "buy", 1.0, "enter"))
    [client_id] = venue.orders
    first = venue.execute(client_id, 0.4, 60_000.0)
    second = venue.execute(client_id, 0.6, 60_500.0)
    with Journal.open(database, clock=clock) as journal:
        assert journal.order(client_id).state is OrderState.SENT
        manager = OrderManager(journal, {"binance": venue}, run_id)
        assert run(manager.reconcile()) == [("binance", first), ("binance", second)]
        done = journal.order(client_id)
        assert done.state is OrderState.FILLED and done.filled == 1.0
        assert done.average == pytest.approx(0.4 * 60_000 + 0.6 * 60_500)  # 60,300


def test_reconcile_expired_order_with_partial_fill_is_cancelled_with_its_fill(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    order = run(manager.submit("binance", PERP, "sell", 1.0, "hedge"))
    venue.execute(order.client_order_id, 0.25)
    venue.expire(order.client_order_id)
    run(manager.reconcile())
    final = journal.order(order.client_order_id)
    assert (final.state, final.filled) == (OrderState.CANCELLED, 0.25)


def test_reconcile_reports_hand_placed_orders_once(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    run(venue.place(OrderRequest("by-hand-1", PERP, "buy", 2.0)))
    run(manager.reconcile())
    run(manager.reconcile())
    [event] = journal.events(kind="foreign_order")
    assert "'by-hand-1'" in event.detail and event.amounts == {"amount": 2.0, "filled": 0.0}


def test_reconcile_venue_down_is_degraded_and_changes_nothing(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    order = run(manager.submit("binance", PERP, "sell", 1.0, "hedge"))
    venue.down = True
    assert run(manager.reconcile()) == []
    assert manager.degraded == {"binance": "binance: connection refused"}
    assert journal.order(order.client_order_id).state is OrderState.ACKNOWLEDGED
    assert [e.kind for e in journal.events(kind="venue_unavailable")] == ["venue_unavailable"]


def test_cancel_all_cancels_journal_and_hand_placed_orders(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    order = run(manager.submit("binance", PERP, "sell", 1.0, "hedge"))
    run(venue.place(OrderRequest("by-hand-1", PERP, "buy", 2.0)))
    result = run(manager.cancel_all())
    assert sorted(o.client_order_id for _, o in result.cancelled) == sorted(
        [order.client_order_id, "by-hand-1"]
    )
    assert result.failed == {}
    assert journal.order(order.client_order_id).state is OrderState.CANCELLED
    assert run(venue.open_orders()) == []


def test_collect_funding_stores_each_payment_once(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    paid = venue.pay_funding(PERP, 7.5)
    assert run(manager.collect_funding(paid.time)) == [("binance", paid)]
    assert run(manager.collect_funding(paid.time)) == []
    assert journal.funding() == [("binance", paid)]


def test_submit_while_killed_is_refused_with_an_event(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    journal.request_kill(flatten=False, reason="desk halt")
    with pytest.raises(OrderRefusedError, match=r"kill switch on since .*: desk halt"):
        run(manager.submit("binance", PERP, "sell", 1.0, "hedge"))
    assert venue.place_calls == [] and journal.orders() == []
    [event] = journal.events(kind="order_refused")
    assert event.detail.startswith("sell 1.0 binance:perp:BTCUSDT on binance (hedge): kill")


def test_submit_inside_a_unit_raises(manager: OrderManager, journal: Journal) -> None:
    with pytest.raises(JournalError, match="inside a unit of work"), journal.unit():
        run(manager.submit("binance", PERP, "sell", 1.0, "hedge"))


def test_submit_to_unconnected_venue_raises_naming_the_connected(manager: OrderManager) -> None:
    with pytest.raises(JournalError, match=r"venue 'okx' is not connected \(connected: binance\)"):
        run(manager.submit("okx", PERP, "sell", 1.0, "hedge"))


def test_reconcile_reports_a_send_that_arrives_after_it_was_declared_lost(
    manager: OrderManager, venue: FakeVenue, journal: Journal, clock: Clock
) -> None:
    venue.fail_next("timeout_before")
    order = run(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
    clock.advance(timedelta(seconds=30))
    run(manager.reconcile())
    assert journal.order(order.client_order_id).state is OrderState.CANCELLED
    run(venue.place(order.request()))  # the lost request arrives after all
    run(manager.reconcile())
    [event] = journal.events(kind="late_order")
    assert order.client_order_id in event.detail


def test_cancel_all_refused_cancel_is_an_event_and_the_rest_go_on(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    run(manager.submit("binance", PERP, "sell", 1.0, "hedge"))
    venue.refuse_cancels = True
    result = run(manager.cancel_all())
    assert result.cancelled == [] and result.failed == {}
    [event] = journal.events(kind="cancel_refused")
    assert event.detail.endswith("binance: unknown order sent")


def test_reconcile_of_a_live_run_leaves_paper_orders_alone(
    journal: Journal, venue: FakeVenue
) -> None:
    paper_run = journal.start_run("btc_basis", paper=True, config={})
    paper = journal.record_order(paper_run, "binance", PERP, "sell", 0.5, "hedge")
    live = OrderManager(journal, {"binance": venue}, journal.start_run("btc_basis", False, {}))
    run(live.reconcile())
    assert journal.order(paper.client_order_id).state is OrderState.PENDING
    run(OrderManager(journal, {"binance": venue}, paper_run).reconcile())
    assert journal.order(paper.client_order_id).state is OrderState.CANCELLED


def test_reconcile_leaves_a_send_in_flight_to_its_submit(
    manager: OrderManager, venue: FakeVenue, journal: Journal, clock: Clock
) -> None:
    async def slow_send_meets_reconcile() -> None:
        venue.gate = asyncio.Event()
        sending = asyncio.create_task(manager.submit("binance", PERP, "sell", 0.5, "hedge"))
        await asyncio.sleep(0)  # the request is on the wire
        clock.advance(timedelta(minutes=5))  # far past the not-found grace
        await manager.reconcile()
        [order] = journal.orders()
        assert order.state is OrderState.SENT  # not declared lost while its send is awaited
        venue.gate.set()
        assert (await sending).state is OrderState.ACKNOWLEDGED

    run(slow_send_meets_reconcile())


@pytest.mark.parametrize(
    ("status", "traded", "state"),
    [
        ("open", 0.0, OrderState.ACKNOWLEDGED),
        ("open", 0.4, OrderState.PARTIALLY_FILLED),
        ("closed", 1.0, OrderState.FILLED),
        ("expired", 0.4, OrderState.CANCELLED),
        ("canceled", 0.0, OrderState.CANCELLED),
        ("rejected", 0.0, OrderState.REJECTED),
    ],
)
def test_reconcile_maps_each_venue_status_to_its_state(
    manager: OrderManager,
    venue: FakeVenue,
    journal: Journal,
    status: str,
    traded: float,
    state: OrderState,
) -> None:
    venue.fail_next("drop_answer")  # the journal learns everything from reconciliation
    order = run(manager.submit("binance", PERP, "buy", 1.0, "enter"))
    if traded:
        venue.execute(order.client_order_id, traded)
    at_venue = venue.orders[order.client_order_id]
    venue.orders[order.client_order_id] = replace(at_venue, status=status)  # type: ignore[arg-type]
    run(manager.reconcile())
    final = journal.order(order.client_order_id)
    assert (final.state, final.filled) == (state, traded)


def test_reconcile_keeps_an_order_open_while_the_venue_lags_on_fills(
    manager: OrderManager, venue: FakeVenue, journal: Journal
) -> None:
    order = run(manager.submit("binance", PERP, "buy", 1.0, "enter"))
    venue.execute(order.client_order_id, 1.0)
    lagging = venue.trades.pop()  # the order says closed, the trades endpoint has nothing yet
    run(manager.reconcile())
    assert journal.order(order.client_order_id).state is OrderState.ACKNOWLEDGED
    venue.trades.append(lagging)
    assert run(manager.reconcile()) == [("binance", lagging)]
    assert journal.order(order.client_order_id).state is OrderState.FILLED
