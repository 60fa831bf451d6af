"""The kill switch against in-memory venues, with no runner alive: cancel, block, flatten."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from basis.errors import OrderRefusedError
from basis.live.controls import kill
from basis.live.journal import KILL_MODE, Journal
from basis.live.journal_records import OrderState
from basis.live.orders import OrderManager
from basis.live.venue import OrderRequest

from .fakes import Clock, FakeVenue

BTC_PERP = "binance:perp:BTCUSDT"
ETH_SPOT = "binance:spot:ETH"
OKX_PERP = "okx:perp:ETHUSDT"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}", clock=Clock()) as opened:
        yield opened


def venues() -> dict[str, FakeVenue]:
    """binance: long 0.5 BTC perp and 2 ETH spot bought; okx: short 4 ETH perp."""
    binance = FakeVenue(
        "binance", prices={BTC_PERP: 60_000.0, ETH_SPOT: 3_000.0}, fill_market_orders=True
    )
    okx = FakeVenue("okx", prices={OKX_PERP: 3_000.0}, fill_market_orders=True)
    asyncio.run(binance.place(OrderRequest("hand-1", BTC_PERP, "buy", 0.5)))
    asyncio.run(binance.place(OrderRequest("hand-2", ETH_SPOT, "buy", 2.0)))
    asyncio.run(okx.place(OrderRequest("hand-3", OKX_PERP, "sell", 4.0)))
    return {"binance": binance, "okx": okx}


def test_kill_without_flatten_cancels_everything_and_blocks_new_orders(journal: Journal) -> None:
    run_id = journal.start_run("btc_basis", paper=False, config={})
    resting = {"binance": FakeVenue("binance", prices={BTC_PERP: 60_000.0})}
    runner = OrderManager(journal, resting, run_id)
    ours = asyncio.run(runner.submit("binance", BTC_PERP, "sell", 0.5, "hedge"))
    asyncio.run(resting["binance"].place(OrderRequest("by-hand", BTC_PERP, "buy", 1.0)))

    report = asyncio.run(kill(journal, resting, flatten=False, reason="desk halt"))

    assert sorted(order.client_order_id for _, order in report.cancelled) == sorted(
        [ours.client_order_id, "by-hand"]
    )
    assert report.flattening == [] and report.failed == {}
    assert asyncio.run(resting["binance"].open_orders()) == []
    assert journal.order(ours.client_order_id).state is OrderState.CANCELLED
    request = journal.kill_request()
    assert request is not None and not request.flatten and request.reason == "desk halt"
    with pytest.raises(OrderRefusedError, match="desk halt"):
        asyncio.run(runner.submit("binance", BTC_PERP, "sell", 0.5, "hedge"))
    assert journal.run(report.run_id).mode == KILL_MODE
    assert journal.run(report.run_id).status == "stopped"


def test_kill_with_flatten_closes_perps_and_sells_spot_into_cash(journal: Journal) -> None:
    fakes = venues()
    report = asyncio.run(kill(journal, fakes, flatten=True))

    by_market = {order.market: order for order in report.flattening}
    assert sorted(by_market) == [BTC_PERP, ETH_SPOT, OKX_PERP]
    btc, eth, okx = by_market[BTC_PERP], by_market[ETH_SPOT], by_market[OKX_PERP]
    assert (btc.side, btc.amount, btc.reduce_only) == ("sell", 0.5, True)
    assert (eth.side, eth.amount, eth.reduce_only) == ("sell", 2.0, False)  # spot: no reduce-only
    assert (okx.side, okx.amount, okx.reduce_only) == ("buy", 4.0, True)
    assert all(order.state is OrderState.FILLED for order in report.flattening)
    assert all(order.run_id == report.run_id for order in report.flattening)
    assert fakes["binance"].positions == {} and fakes["okx"].positions == {}
    assert fakes["binance"].balances["ETH"] == 0.0
    # fees at 5 bp: BTC 0.5 × 60,000 → 15 each way; ETH 2 × 3,000 → 3 each way
    assert fakes["binance"].balances["USDT"] == pytest.approx(1_000_000 - 15 - 15 - 3 - 3)
    assert fakes["okx"].balances["USDT"] == pytest.approx(1_000_000 - 6 - 6)  # 4 × 3,000 × 5 bp
    [done] = journal.events(report.run_id, kind="kill_done")
    assert done.amounts == {"cancelled": 0, "flattening": 3, "failed": 0}


def test_kill_with_a_venue_down_flattens_the_others_and_names_it(journal: Journal) -> None:
    fakes = venues()
    fakes["okx"].down = True
    report = asyncio.run(kill(journal, fakes, flatten=True))
    assert report.failed == {"okx": "okx: connection refused"}
    assert sorted(order.market for order in report.flattening) == [BTC_PERP, ETH_SPOT]
    assert fakes["okx"].positions[OKX_PERP].size == -4.0
    assert [e.kind for e in journal.events(report.run_id)] == [
        "cancel_failed",
        "flatten_failed",
        "cancel_failed",
        "kill_done",
    ]


def test_clear_kill_lets_orders_through_again(journal: Journal) -> None:
    fakes = venues()
    asyncio.run(kill(journal, fakes, flatten=False))
    journal.clear_kill()
    runner = OrderManager(journal, fakes, journal.start_run("btc_basis", False, {}))
    order = asyncio.run(runner.submit("binance", BTC_PERP, "buy", 0.1, "enter"))
    assert order.state is OrderState.FILLED
