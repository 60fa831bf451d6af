"""`btc_basis` live end to end: the runner, real ccxt and the emulator (DESIGN §6).

The emulator runs in a thread on a wall clock the test moves (one second is one hour), so
every tick sees a known market: positions open, funding is received and booked, the kill
switch flattens, and paper trading reads the same quotes without sending an order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from basis.book import Category, Instrument
from basis.config.market import load_market
from basis.engine.backtest import load_mode
from basis.errors import ConfigError
from basis.live.controls import kill
from basis.live.feed import VenueFeed
from basis.live.journal import Journal
from basis.live.runner import Runner, RunnerOptions
from basis.live.session import open_runner
from basis.model.orders import ACCOUNT
from basis.strategies import build
from basis.trading.launch import LiveRequest, open_venues, start
from basis.venues.emulator.server import RunningEmulator
from tests.conftest import CONFIGS
from tests.venues.conftest import StartEmulator
from tests.venues.stubs import KEY, SECRET, ManualWall

T = TypeVar("T")
PERP = Instrument.parse("binance:perp:BTCUSDT")
SPOT = Instrument.parse("binance:spot:BTC")
OPTIONS = RunnerOptions(tick=0.0, max_age=60.0)


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASIS_BINANCE_API_KEY", KEY)
    monkeypatch.setenv("BASIS_BINANCE_SECRET", SECRET)
    for venue in ("BYBIT", "OKX"):
        monkeypatch.delenv(f"BASIS_{venue}_API_KEY", raising=False)


def _emulator_orders(running: RunningEmulator) -> list[dict[str, object]]:
    orders: list[dict[str, object]] = httpx.get(running.url + "/_emulator/orders").json()
    return orders


async def _runner(
    running: RunningEmulator, journal: Journal, paper: bool = False
) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    market = load_market(CONFIGS)
    config = load_mode(CONFIGS, "btc_basis", (), None)
    venues, _ = open_venues(
        ["binance"], testnet=False, urls={"binance": running.url}, need_keys=not paper
    )
    feed = VenueFeed(venues, market, build(config, market).needs())
    runner, _ = await open_runner(
        config,
        market,
        journal,
        feed,
        paper=paper,
        hedge_venues=["binance"],
        venues=venues,
        options=OPTIONS,
    )

    async def close() -> None:
        for venue in venues.values():
            await venue.close()

    return runner, close


def _run(body: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(body())


def test_btc_basis_live_opens_positions_books_funding_and_kill_flattens(
    start_emulator: StartEmulator, tmp_path: Path, keys: None
) -> None:
    wall = ManualWall()
    running = start_emulator(wall=wall, weight_per_minute=1_000_000)

    async def body() -> None:
        with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}") as journal:
            runner, close = await _runner(running, journal)
            try:
                book = runner.kernel.book
                # the first tick books the venue's cash as opening flows and trades
                assert book.attribution()[Category.FLOWS] == pytest.approx(1_000_000.0)
                spot, short = book.balance(ACCOUNT, SPOT), book.balance(ACCOUNT, PERP)
                assert spot > 0.0 and short == pytest.approx(-spot)
                for _ in range(12):  # past the 08:00 settlement, an hour a tick
                    wall.advance(1.0)
                    await runner.tick()
                funding = journal.funding()
                assert funding and all(paid.amount != 0.0 for _, paid in funding)
                booked = book.attribution()[Category.FUNDING]
                assert booked == pytest.approx(sum(paid.amount for _, paid in funding))
                assert abs(book.attribution()[Category.RECONCILIATION]) < 1e-6 * spot * 40_000
                orders = journal.orders(runner.run_id)
                venue_orders = _emulator_orders(running)
                assert {o.client_order_id for o in orders} == {
                    o["client_order_id"] for o in venue_orders
                }
                assert all(o.state == "filled" for o in orders)

                report = await kill(journal, runner.side.venues, flatten=True)  # type: ignore[union-attr]
                assert not report.failed and report.flattening
                held = await runner.side.venues["binance"].holdings()  # type: ignore[union-attr]
                assert not held.positions and held.balances.get("BTC", 0.0) == 0.0
                wall.advance(1.0)
                after = await runner.tick()  # the runner sees the switch: no decision
                assert after.why_not is not None and "kill switch" in after.why_not
                assert runner.kernel.book.balance(ACCOUNT, PERP) == 0.0  # reconciled
            finally:
                await close()

    _run(body)


def test_btc_basis_paper_reads_emulator_quotes_and_sends_nothing(
    start_emulator: StartEmulator, tmp_path: Path, keys: None
) -> None:
    wall = ManualWall()
    running = start_emulator(wall=wall, weight_per_minute=1_000_000)

    async def body() -> None:
        with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}") as journal:
            runner, close = await _runner(running, journal, paper=True)
            try:
                for _ in range(10):
                    wall.advance(1.0)
                    await runner.tick()
                book = runner.kernel.book
                assert book.balance(ACCOUNT, SPOT) > 0.0
                assert book.attribution()[Category.FUNDING] != 0.0  # 08:00 settled on paper
                assert all(o.state == "filled" for o in journal.orders(runner.run_id))
            finally:
                await close()
        assert _emulator_orders(running) == []

    _run(body)


def test_live_refuses_a_mode_with_chain_legs(tmp_path: Path, keys: None) -> None:
    from basis.data.catalog import Catalog

    request = LiveRequest(mode="usdt_market_neutral", journal=f"sqlite:///{tmp_path / 'j.db'}")
    with pytest.raises(ConfigError, match="on-chain legs"):
        _run(lambda: start(request, CONFIGS, Catalog(tmp_path), asyncio.Event()))
