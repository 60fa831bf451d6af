"""Faults injected by the emulator (`POST /_emulator/faults`) during a live run of `btc_basis`:
the runner, the order manager, the journal and the real ccxt adapter against the emulator
served on 127.0.0.1. The run survives each fault; an order is retried under its own client
id or journalled `unknown` and settled by reconciliation; afterwards the journal and the
venue agree, with no order sent twice.

The emulator's clock moves only when a test moves it (one wall second is one market hour),
so each tick sees the prices the test chose; the journal's clock can be moved on too, for
reconciliation's `not_found_after`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.engine.backtest import load_mode
from basis.live.feed import VenueFeed
from basis.live.journal import Journal
from basis.live.runner import Runner, TickReport
from basis.live.session import open_runner
from basis.strategies import build
from basis.trading.inspect import order_records, status
from basis.venues.binance import BINANCE
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import Credentials
from basis.venues.emulator.server import EmulatorConfig, build_emulator, running_emulator
from tests.conftest import CONFIGS
from tests.venues.stubs import KEY, SECRET, ManualWall

from .agreement import order_disagreements, position_disagreements

SPOT, PERP = "binance:spot:BTC", "binance:perp:BTCUSDT"
CREATE_PERP = {"method": "POST", "path": "/fapi/v1/order"}
BUSY = ("rebalance_threshold=0.00001", "delta_tolerance=0.00001")
TIMEOUT_MS = 1_000  # the adapter's request timeout here: an answer held 3 s is lost


@dataclass
class Later:
    """The journal's clock: now, plus whatever time the test lets pass."""

    skipped: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.skipped


@dataclass
class Venue:
    """The emulator served from a thread, its wall clock, and the test's journal."""

    url: str
    wall: ManualWall
    journal: Journal
    clock: Later

    def fault(self, kind: str, **spec: Any) -> None:
        answer = httpx.post(self.url + "/_emulator/faults", json={"kind": kind, **spec})
        answer.raise_for_status()

    def pending_faults(self) -> list[dict[str, Any]]:
        return list(httpx.get(self.url + "/_emulator/faults").json()["pending"])

    def orders(self) -> list[dict[str, Any]]:
        return list(httpx.get(self.url + "/_emulator/orders").json())

    def next_hour(self) -> None:
        self.wall.advance(1.0)

    def disagreements(self) -> list[str]:
        [account] = httpx.get(self.url + "/_emulator/accounts").json()
        journal = order_records(self.journal)
        state = status(self.journal)["state"]
        return order_disagreements(journal, self.orders()) + position_disagreements(
            journal, account, state, SPOT, PERP
        )


@pytest.fixture
def venue(live_catalog: Catalog, tmp_path: Path) -> Iterator[Venue]:
    wall = ManualWall()
    # the emulator counts a wallet transfer's 900 (Binance: UID weight) against the request
    # weight budget, 2,400 a minute; these tests inject their own 429s, so it is raised here
    config = EmulatorConfig(speed=3600.0, weight_per_minute=1_000_000)
    emulator = build_emulator(config, live_catalog, CONFIGS, wall=wall)
    emulator.keys.register(KEY, SECRET)
    clock = Later()
    with (
        running_emulator(emulator) as running,
        Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}", clock=clock) as journal,
    ):
        yield Venue(running.url, wall, journal, clock)


@asynccontextmanager
async def live_run(venue: Venue) -> AsyncIterator[tuple[Runner, TickReport]]:
    """A live `btc_basis` run on the emulator, re-hedging on every price move, after its
    first tick (which buys the spot and shorts the perp)."""
    market = load_market(CONFIGS)
    config = load_mode(CONFIGS, "btc_basis", BUSY, None)
    settings = CcxtVenueConfig(
        venue="binance", url=venue.url, throttle=False, timeout_ms=TIMEOUT_MS, backoff_seconds=0.05
    )
    adapter = CcxtVenue(settings, BINANCE, Credentials(KEY, SECRET))
    venues = {"binance": adapter}
    try:
        feed = VenueFeed(venues, market, build(config, market).needs())
        yield await open_runner(
            config,
            market,
            venue.journal,
            feed,
            paper=False,
            hedge_venues=["binance"],
            venues=venues,
        )
    finally:
        await adapter.close()


def perp_orders(venue: Venue) -> list[Any]:
    return [o for o in venue.journal.orders() if o.market == PERP]


def test_fault_rate_limited_create_is_retried_under_its_client_id(venue: Venue) -> None:
    venue.fault("rate_limit", retry_after=1, **CREATE_PERP)

    async def scenario() -> None:
        async with live_run(venue) as (_, first):
            assert first.traded

    asyncio.run(scenario())
    [perp] = perp_orders(venue)
    assert perp.state == "filled"
    assert venue.pending_faults() == []  # the 429 was answered, and the retry went through
    assert venue.disagreements() == []


@pytest.mark.parametrize(
    ("kind", "spec"),
    [
        ("error", {"status": 503, "count": 2}),  # 5xx twice: nothing done, retried
        ("drop", {"count": 1}),  # connection reset without an answer: nothing done, retried
    ],
)
def test_fault_failed_create_is_looked_up_and_retried_once(
    venue: Venue, kind: str, spec: dict[str, Any]
) -> None:
    venue.fault(kind, **spec, **CREATE_PERP)

    async def scenario() -> None:
        async with live_run(venue):
            pass

    asyncio.run(scenario())
    [perp] = perp_orders(venue)
    assert perp.state == "filled"
    assert [o["client_order_id"] for o in venue.orders() if o["instrument"] == PERP] == [
        perp.client_order_id
    ]
    assert venue.disagreements() == []


def test_fault_accept_then_timeout_is_unknown_then_adopted_not_resent(venue: Venue) -> None:
    venue.fault("accept_then_timeout", seconds=3.0, **CREATE_PERP)

    async def scenario() -> None:
        async with live_run(venue) as (runner, _):
            [perp] = perp_orders(venue)
            assert perp.state == "unknown"  # the venue filled it; the answer never came
            assert any(o["client_order_id"] == perp.client_order_id for o in venue.orders())
            await asyncio.sleep(3.0)  # the held answer is released before the next tick
            venue.next_hour()
            second = await runner.tick()
            assert second.why_not is None
            assert venue.journal.order(perp.client_order_id).state == "filled"

    asyncio.run(scenario())
    sent = [o["client_order_id"] for o in venue.orders()]
    assert len(sent) == len(set(sent))
    problems = venue.disagreements()
    assert not problems, "\n".join(problems)


def test_fault_create_failing_past_retries_is_unknown_then_cancelled_and_rehedged(
    venue: Venue,
) -> None:
    venue.fault("error", status=502, count=4, **CREATE_PERP)  # the first try and 3 retries

    async def scenario() -> None:
        async with live_run(venue) as (runner, _):
            [lost] = perp_orders(venue)
            assert lost.state == "unknown"
            venue.clock.skipped += timedelta(minutes=1)  # past reconciliation's 30 s
            venue.next_hour()
            await runner.tick()
            assert venue.journal.order(lost.client_order_id).state == "cancelled"
            hedges = [o for o in perp_orders(venue) if o.client_order_id != lost.client_order_id]
            assert [o.state for o in hedges] == ["filled"]  # decided again, under a new id

    asyncio.run(scenario())
    assert venue.disagreements() == []


def test_fault_venue_not_answering_reads_is_degraded_then_recovers(venue: Venue) -> None:
    async def scenario() -> None:
        async with live_run(venue) as (runner, _):
            # the first try and 3 retries: the balances cannot be read for one tick
            venue.fault("error", status=503, count=4, method="GET", path="/api/v3/account")
            venue.next_hour()
            held = await runner.tick()
            assert held.why_not == "degraded venues: binance"
            assert not held.traded
            venue.fault("drop", count=1, method="GET", path="/fapi/v1/userTrades")
            venue.next_hour()
            recovered = await runner.tick()
            assert recovered.why_not is None

    asyncio.run(scenario())
    assert venue.disagreements() == []
