"""Self-trade prevention in the order manager: an order that could match another managed
account's open order is refused before it is journalled or sent, as an event and an audit
entry; orders that cannot match pass."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from basis import audit
from basis.errors import JournalError, SelfTradeRefusedError
from basis.live.journal import Journal
from basis.live.orders import OrderManager

from .fakes import Clock, FakeVenue

PERP = "binance:perp:BTCUSDT"
Result = TypeVar("Result")


def run(coroutine: Coroutine[Any, Any, Result]) -> Result:
    return asyncio.run(coroutine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journal(database_url: str, clock: Clock) -> Iterator[Journal]:
    """A journal on SQLite and (marked `postgres`) PostgreSQL: the order lock differs."""
    with Journal.open(database_url, clock=clock) as opened:
        yield opened


@pytest.fixture
def venues(clock: Clock) -> dict[str, FakeVenue]:
    return {name: FakeVenue("binance", prices={PERP: 60_000.0}, clock=clock) for name in "ab"}


@pytest.fixture
def manager(journal: Journal, venues: dict[str, FakeVenue]) -> OrderManager:
    run_id = journal.start_run("btc_basis", paper=False, config={})
    return OrderManager(journal, venues, run_id)


def test_self_trade_market_order_against_other_account_is_refused_unsent(
    manager: OrderManager, journal: Journal, venues: dict[str, FakeVenue]
) -> None:
    run(manager.submit("b", PERP, "sell", 0.1, "hedge", type="limit", price=60_100.0))
    with pytest.raises(SelfTradeRefusedError, match="managed account b"):
        run(manager.submit("a", PERP, "buy", 0.1, "hedge"))
    assert venues["a"].place_calls == []
    assert [o.venue for o in journal.orders()] == ["b"]
    assert [e.kind for e in journal.events(kind="self_trade_refused")] == ["self_trade_refused"]
    actions = [entry.action for entry in audit.verify(journal._engine)]
    assert actions == ["order.submit", "order.self_trade_refused"]


def test_self_trade_crossing_limit_is_refused_non_crossing_passes(
    manager: OrderManager, venues: dict[str, FakeVenue]
) -> None:
    run(manager.submit("b", PERP, "sell", 0.1, "hedge", type="limit", price=60_100.0))
    with pytest.raises(SelfTradeRefusedError):
        run(manager.submit("a", PERP, "buy", 0.1, "x", type="limit", price=60_100.0))
    order = run(manager.submit("a", PERP, "buy", 0.1, "x", type="limit", price=60_000.0))
    assert order.venue == "a" and len(venues["a"].place_calls) == 1


def test_self_trade_same_account_is_left_to_the_venue(
    manager: OrderManager, venues: dict[str, FakeVenue]
) -> None:
    run(manager.submit("a", PERP, "sell", 0.1, "x", type="limit", price=60_100.0))
    run(manager.submit("a", PERP, "buy", 0.1, "x", type="limit", price=60_200.0))
    assert len(venues["a"].place_calls) == 2


def test_self_trade_cancelled_resting_order_no_longer_blocks(
    manager: OrderManager, venues: dict[str, FakeVenue]
) -> None:
    run(manager.submit("b", PERP, "sell", 0.1, "hedge", type="limit", price=60_100.0))
    run(manager.cancel_all("b"))
    order = run(manager.submit("a", PERP, "buy", 0.1, "hedge"))
    assert order.venue == "a"


def test_self_trade_other_run_in_the_same_journal_is_seen(
    journal: Journal, venues: dict[str, FakeVenue], manager: OrderManager
) -> None:
    other = OrderManager(journal, {"b": venues["b"]}, journal.start_run("eth_basis", False, {}))
    run(other.submit("b", PERP, "buy", 0.1, "x", type="limit", price=59_900.0))
    with pytest.raises(SelfTradeRefusedError):
        run(manager.submit("a", PERP, "sell", 0.1, "x"))


def test_lock_orders_second_process_waits_for_the_first(tmp_path: Path) -> None:
    """Two journals on one SQLite file: the order lock of one holds the other back until
    its unit commits, so check-then-journal cannot interleave."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    held, waited = threading.Event(), []

    def first() -> None:
        with Journal.open(url) as journal, journal.unit():
            journal.lock_orders()
            held.set()
            time.sleep(0.5)

    def second() -> None:
        held.wait()
        with Journal.open(url) as journal:
            started = time.monotonic()
            with journal.unit():
                journal.lock_orders()
            waited.append(time.monotonic() - started)

    Journal.open(url).close()  # migrate once, before both
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert waited and waited[0] >= 0.3


def test_lock_orders_outside_a_unit_raises(journal: Journal) -> None:
    with pytest.raises(JournalError):
        journal.lock_orders()


def test_self_trade_paper_runs_orders_are_not_at_a_venue(
    journal: Journal, manager: OrderManager
) -> None:
    paper = journal.start_run("btc_basis", paper=True, config={})
    journal.record_order(paper, "b", PERP, "sell", 0.1, "paper", "limit", 60_000.0)
    order = run(manager.submit("a", PERP, "buy", 0.1, "hedge"))
    assert order.venue == "a"


def test_journal_account_named_otherwise_gets_its_venues_id_rule(journal: Journal) -> None:
    run_id = journal.start_run("funding_arbitrage", paper=False, config={})
    order = journal.record_order(run_id, "hl-fund-a", "hyperliquid:perp:BTCUSDC", "sell", 0.1, "x")
    assert order.venue == "hl-fund-a"
    assert order.client_order_id.startswith("0x") and len(order.client_order_id) == 34
