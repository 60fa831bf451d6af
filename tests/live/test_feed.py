"""Venue quotes as snapshots: the settlements a feed emits are the funding history every
later snapshot carries, so a signal on trailing funding works on a wall clock too."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from basis.book import Instrument
from basis.config.market import load_market
from basis.engine.backtest import load_mode
from basis.live.feed import VenueFeed
from basis.live.journal import Journal
from basis.live.runner import RunnerOptions
from basis.live.session import open_runner
from basis.live.venue import Quote
from basis.model.orders import ACCOUNT
from basis.strategies import build
from basis.strategies.arbitrage import FundingArbitrage
from tests.conftest import CONFIGS

from .fakes import T0

BINANCE = Instrument.parse("binance:perp:ETHUSDT")
HYPERLIQUID = Instrument.parse("hyperliquid:perp:ETHUSDC")
PRICE = 2_000.0


class QuotingVenue:
    """A venue that only quotes: ETH at `PRICE`, its perp's next funding `rate`, at the
    test's time `at[0]`."""

    def __init__(self, rate: float, at: list[datetime]) -> None:
        self.rate, self.at = rate, at

    async def quotes(self, markets: Sequence[str]) -> dict[str, Quote]:
        return {
            m: Quote(m, PRICE, self.at[0], PRICE, self.rate if ":perp:" in m else None)
            for m in markets
        }


def venues(at: list[datetime]) -> dict[str, QuotingVenue]:
    # hyperliquid pays 5e-5 an hour (43.8 % APR), binance 1e-5 per 8 h (1.1 % APR)
    return {"binance": QuotingVenue(1e-5, at), "hyperliquid": QuotingVenue(5e-5, at)}


def feed_for(at: list[datetime]) -> VenueFeed:
    market = load_market(CONFIGS)
    config = load_mode(CONFIGS, "funding_arbitrage", (), None)
    return VenueFeed(venues(at), market, build(config, market).needs())  # type: ignore[arg-type]


def test_every_snapshot_carries_the_settlements_the_feed_has_emitted() -> None:
    async def body() -> None:
        at = [T0]  # 12:00
        feed = feed_for(at)
        first = await feed.take()
        assert math.isnan(first.now.funding_history.trailing_mean(HYPERLIQUID, 24)[0])
        at[0] = T0 + timedelta(hours=4, seconds=5)  # 16:00:05, past 13, 14, 15 and 16:00
        taken = await feed.take()
        settled = [s for s in taken.snapshots if s.funding]
        assert [s.time.hour for s in settled] == [13, 14, 15, 16]
        assert settled[-1].funding == {BINANCE: 1e-5, HYPERLIQUID: 5e-5}
        history = taken.now.funding_history
        assert history.now == at[0].timestamp()
        assert history.trailing_mean(HYPERLIQUID, 24).tolist() == [pytest.approx(5e-5)]
        assert history.trailing_mean(BINANCE, 24).tolist() == [pytest.approx(1e-5)]
        # the 13:00 settlement snapshot knew only itself
        assert settled[0].funding_history.trailing_mean(HYPERLIQUID, 1).tolist() == [5e-5]
        assert math.isnan(settled[0].funding_history.trailing_mean(BINANCE, 24)[0])

    asyncio.run(body())


def test_paper_funding_arbitrage_on_venue_quotes_enters_once_both_venues_have_settled(
    tmp_path: Path,
) -> None:
    """The strategy is asked on the tick's last snapshot, which has no funding due: it sees
    the settlements of the tick's earlier snapshots through the history."""

    async def body() -> None:
        at = [T0]
        market = load_market(CONFIGS)
        config = load_mode(CONFIGS, "funding_arbitrage", (), None)
        with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}") as journal:
            runner, first = await open_runner(
                config,
                market,
                journal,
                feed_for(at),
                paper=True,
                hedge_venues=["binance", "hyperliquid"],
                options=RunnerOptions(tick=0.0, max_age=1e9),
            )
            assert first.why_not is None and first.intents == 0  # nothing settled yet
            at[0] = T0 + timedelta(hours=1, seconds=5)
            hourly = await runner.tick()
            assert hourly.intents == 0  # hyperliquid settled at 13:00, binance not yet
            at[0] = T0 + timedelta(hours=4, seconds=5)
            both = await runner.tick()
            assert both.intents == 1
            assert isinstance(runner.kernel.strategy, FundingArbitrage)
            entered = [e.detail for e in both.events if e.detail.startswith("enter")]
            assert entered and "net spread" in entered[0]
            book = runner.kernel.book
            assert book.balance(ACCOUNT, HYPERLIQUID) < 0.0 < book.balance(ACCOUNT, BINANCE)

    asyncio.run(body())
