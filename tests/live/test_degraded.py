"""A venue that stops answering degrades the run: shown on every tick, no order sent, and
trading resumes when it answers again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from basis.config.market import load_market
from basis.engine.backtest import load_mode
from basis.live.feed import VenueFeed
from basis.live.journal import Journal
from basis.live.runner import RunnerOptions
from basis.live.session import open_runner
from basis.strategies import build
from tests.conftest import CONFIGS

from .fakes import FakeVenue

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
