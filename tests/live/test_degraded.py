"""A venue that stops answering degrades the run: shown on every tick, no order sent, and
trading resumes when it answers again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from basis.config.market import load_market
from basis.engine.backtest import load_mode
from basis.live.feed import Taken, VenueFeed
from basis.live.journal import Journal
from basis.live.runner import SETTLEMENT_DELAY, RunnerOptions
from basis.live.session import open_runner
from basis.strategies import build
from tests.conftest import CONFIGS

from .fakes import Clock, FakeVenue

PRICES = {"binance:perp:BTCUSDT": 40_010.0, "binance:spot:BTC": 40_000.0}


def test_degraded_venue_is_shown_and_sends_nothing_until_it_answers(tmp_path: Path) -> None:
    async def body() -> None:
        venue = FakeVenue(prices=PRICES)
        market = load_market(CONFIGS)
        config = load_mode(CONFIGS, "btc_basis", (), None)
        feed = VenueFeed({"binance": venue}, market, build(config, market).needs())
        with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}") as journal:
            runner, first = await open_runner(
                config,
                market,
                journal,
                feed,
                paper=True,
                hedge_venues=["binance"],
                options=RunnerOptions(tick=0.0, max_age=60.0),
            )
            assert first.intents == 1 and first.why_not is None
            orders = len(journal.orders(runner.run_id))
            venue.down = True
            venue.prices["binance:spot:BTC"] = 30_000.0  # would rebalance, if it could see it
            down = await runner.tick()
            assert down.why_not is not None and "binance" in down.why_not
            assert runner.degraded == {"binance": "[VENUE_UNAVAILABLE] binance: connection refused"}
            assert len(journal.orders(runner.run_id)) == orders
            state = journal.load_checkpoint(runner.run_id)
            assert state is not None and state["status"]["degraded"] == runner.degraded
            venue.down = False
            back = await runner.tick()
            assert back.why_not is None and runner.degraded == {}
            assert back.intents == 1  # the 25 % move is acted on once the venue answers

    asyncio.run(body())


def test_next_tick_comes_early_for_a_funding_settlement(tmp_path: Path) -> None:
    """The venue's clock runs at 3,600× the wall (an emulator): at 07:00 venue time the
    08:00 settlement is one wall second away, so the runner wakes then (and a second more
    for the venue to book it), not after its 60 s tick."""

    async def body() -> None:
        clock = Clock(step=timedelta(0))
        clock.now = datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
        venue = FakeVenue(prices=PRICES, clock=clock)
        market = load_market(CONFIGS)
        config = load_mode(CONFIGS, "btc_basis", (), None)
        feed = VenueFeed({"binance": venue}, market, build(config, market).needs())
        with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}") as journal:
            runner, _ = await open_runner(
                config,
                market,
                journal,
                feed,
                paper=True,
                hedge_venues=["binance"],
                options=RunnerOptions(tick=60.0, max_age=1e9),
            )
            assert runner.next_wait() == 60.0  # the venue's clock rate is not measured yet
            for wall in (1000.0, 1001.0):  # one wall second, one venue hour
                clock.advance(timedelta(hours=1))
                taken = await feed.take()
                await runner.tick(Taken(taken.snapshots, wall, {}))
            assert runner.kernel.book.now.hour == 7
            assert runner.next_wait() == pytest.approx(1.0 + SETTLEMENT_DELAY)

    asyncio.run(body())
