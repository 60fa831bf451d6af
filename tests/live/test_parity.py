"""The same strategy code decides live and in a backtest: a paper runner fed a replayed
window makes exactly the backtest's orders, and a paper book survives a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from basis.book import Instrument
from basis.data.catalog import Catalog
from basis.engine.backtest import load_mode
from basis.engine.inputs import Inputs
from basis.engine.loop import run
from basis.live.feed import ReplayFeed
from basis.live.journal import Journal
from basis.live.runner import Runner, RunnerOptions
from basis.live.session import open_runner
from basis.model.orders import ACCOUNT
from basis.model.result import Event, EventKind
from basis.strategies import build
from tests.conftest import CONFIGS
from tests.engine.stubs import inputs_for, market, scenario_catalog, utc

DECISIONS = frozenset(
    {
        EventKind.TRADE,
        EventKind.REBALANCE,
        EventKind.MARGIN_TOP_UP,
        EventKind.DELEVERAGE,
        EventKind.REJECTED,
        EventKind.LIQUIDATION,
    }
)
MODES = ("btc_basis", "eth_basis", "pure_lending_usdt", "usdt_market_neutral", "eth_leveraged")
NO_LIMIT = RunnerOptions(tick=0.0, max_age=1e9)
ARBITRAGE = ("funding_arbitrage.entry_spread_apr=0.0", "funding_arbitrage.exit_spread_apr=-0.01")
"""Thresholds at which `funding_arbitrage` enters and exits often in a two-week window."""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return scenario_catalog(tmp_path_factory.mktemp("parity_catalog"))


def _decisions(events: list[Event] | tuple[Event, ...]) -> list[tuple[object, ...]]:
    return [(e.time, e.kind, e.subject, e.detail) for e in events if e.kind in DECISIONS]


async def _paper(
    mode: str,
    inputs: Inputs,
    journal: Journal,
    start: int = 0,
    ticks: int | None = None,
    overrides: Sequence[str] = (),
) -> tuple[Runner, list[Event]]:
    """Tick a paper runner over the replayed window (from step `start`, `ticks` of them)."""
    feed = ReplayFeed(inputs.data, start)
    config = load_mode(CONFIGS, mode, overrides, None)
    runner, first = await open_runner(
        config,
        market(),
        journal,
        feed,
        paper=True,
        hedge_venues=inputs.venues,
        options=NO_LIMIT,
        rewards=inputs.data.rewards,
    )
    events = list(first.events)
    while not feed.done and (ticks is None or feed.step < start + ticks):
        events += (await runner.tick()).events
    return runner, events


@pytest.mark.parametrize("mode", MODES)
def test_paper_runner_on_a_replay_makes_the_backtest_decisions(
    catalog: Catalog, tmp_path: Path, mode: str
) -> None:
    inputs = inputs_for(catalog, mode, start=utc(2024, 2, 1), end=utc(2024, 2, 15))
    strategy = build(load_mode(CONFIGS, mode, (), None), market())
    backtest = run(strategy, inputs, market(), reference=True)
    with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}") as journal:
        runner, events = asyncio.run(_paper(mode, inputs, journal))
        assert _decisions(events) == _decisions(backtest.events)
        assert _decisions(events), "the window must make the strategy act"
        assert runner.kernel.book.equity() == pytest.approx(backtest.equity[-1], rel=1e-12)
        orders = journal.orders(runner.run_id)
        trades = [e for e in backtest.events if e.kind is EventKind.TRADE]
        cex = [e for e in trades if ":perp:" in e.subject or ":spot:" in e.subject]
        assert len(orders) == len(cex)
        assert all(o.state == "filled" for o in orders)


def test_paper_replay_values_its_end_hour_without_deciding(
    catalog: Catalog, tmp_path: Path
) -> None:
    """The replay's last step is its window's end: booked and valued, never decided at,
    as the backtest loop does (docs/mechanics.md, "The window")."""
    inputs = inputs_for(catalog, "btc_basis", start=utc(2024, 2, 1), end=utc(2024, 2, 2))
    with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}") as journal:
        runner, _ = asyncio.run(_paper("btc_basis", inputs, journal, ticks=24))
        last = asyncio.run(runner.tick())
    assert last.time == utc(2024, 2, 2)
    assert last.why_not == "the replay ends at 2024-02-02 00:00 UTC: the book is valued"
    assert last.intents == 0
    backtest = run(build(load_mode(CONFIGS, "btc_basis", (), None), market()), inputs, market())
    assert runner.kernel.book.equity() == pytest.approx(backtest.equity[-1], rel=1e-12)


@pytest.mark.parametrize("mode", ["btc_basis", "eth_staking_only", "eth_leveraged"])
def test_paper_book_survives_a_restart(catalog: Catalog, tmp_path: Path, mode: str) -> None:
    """Stop after 100 hours, reopen the journal, resume: the end equals one unbroken run.

    eth_staking_only's 2024-02-12 payout covers a week begun before the restart: the
    checkpoint keeps the holding log it is paid on, time-weighted. eth_leveraged's loop
    moves Aave's rates: the checkpoint keeps its indices' multipliers (`OwnRates`)."""
    inputs = inputs_for(catalog, mode, start=utc(2024, 2, 1), end=utc(2024, 2, 15))
    with Journal.open(f"sqlite:///{tmp_path / 'unbroken.sqlite'}") as journal:
        unbroken, _ = asyncio.run(_paper(mode, inputs, journal))
    url = f"sqlite:///{tmp_path / 'restarted.sqlite'}"
    with Journal.open(url) as journal:
        first, _ = asyncio.run(_paper(mode, inputs, journal, ticks=100))
        run_id = first.run_id
    with Journal.open(url) as journal:
        resumed, _ = asyncio.run(_paper(mode, inputs, journal, start=100))
        assert resumed.run_id == run_id
        assert resumed.kernel.book.equity() == pytest.approx(
            unbroken.kernel.book.equity(), rel=1e-12
        )
        assert resumed.kernel.book.attribution() == pytest.approx(
            unbroken.kernel.book.attribution(), rel=1e-9, abs=1e-6
        )


def test_paper_funding_arbitrage_makes_the_backtest_decisions_across_a_restart(
    catalog: Catalog, tmp_path: Path
) -> None:
    """The spread is read from the funding settled up to each step, not kept by the
    strategy: a run stopped after 120 hours (5 h before it enters) and resumed decides as
    one unbroken backtest, in the 24 h after the restart too."""
    mode = "funding_arbitrage"
    inputs = inputs_for(catalog, mode, start=utc(2024, 2, 1), end=utc(2024, 2, 15))
    strategy = build(load_mode(CONFIGS, mode, ARBITRAGE, None), market())
    backtest = run(strategy, inputs, market(), reference=True)
    url = f"sqlite:///{tmp_path / 'restarted.sqlite'}"
    with Journal.open(url) as journal:
        _, before = asyncio.run(_paper(mode, inputs, journal, ticks=120, overrides=ARBITRAGE))
    with Journal.open(url) as journal:
        runner, after = asyncio.run(_paper(mode, inputs, journal, start=120, overrides=ARBITRAGE))
    assert _decisions(before + after) == _decisions(backtest.events)
    restart = inputs.data.time(120)
    assert any(
        restart <= e.time < restart + timedelta(hours=24) for e in after if e.kind in DECISIONS
    )
    assert runner.kernel.book.equity() == pytest.approx(backtest.equity[-1], rel=1e-12)


def test_paper_ml_directional_makes_the_backtest_decisions_across_a_restart(
    catalog: Catalog, tmp_path: Path
) -> None:
    """The mode carries its history, models and the entry of its position between hours:
    the checkpoint keeps them. Stopped at hour 300 (2024-01-13 12:00, long since the first
    refit at 03:00), the resumed run takes profit on that entry on 01-14, refits on 01-20
    and goes short on 01-24 as one unbroken backtest, and ends at its equity."""
    mode = "ml_directional_btc"
    inputs = inputs_for(catalog, mode, start=utc(2024, 1, 1), end=utc(2024, 1, 25))
    strategy = build(load_mode(CONFIGS, mode, (), None), market())
    backtest = run(strategy, inputs, market(), reference=True)
    url = f"sqlite:///{tmp_path / 'restarted.sqlite'}"
    with Journal.open(url) as journal:
        first, before = asyncio.run(_paper(mode, inputs, journal, ticks=300))
        held = first.kernel.book.balance(ACCOUNT, Instrument.parse("binance:perp:BTCUSDT"))
    with Journal.open(url) as journal:
        runner, after = asyncio.run(_paper(mode, inputs, journal, start=300))
        saved = journal.load_checkpoint(runner.run_id)
    assert held > 0.0  # the restart falls inside a long position
    kinds = DECISIONS | {EventKind.MODEL}
    made = [(e.time, e.kind, e.detail) for e in before + after if e.kind in kinds]
    assert made == [(e.time, e.kind, e.detail) for e in backtest.events if e.kind in kinds]
    assert {(e.time, e.detail.split(":")[0]) for e in after if e.kind is EventKind.REBALANCE} >= {
        (utc(2024, 1, 14, 16), "take profit"),
    }
    assert any(e.kind is EventKind.MODEL for e in after)
    assert runner.kernel.book.equity() == pytest.approx(backtest.equity[-1], rel=1e-12)
    assert saved is not None and saved["strategy"]["version"] == 1
    end = runner.kernel.state(inputs.data.snapshot(inputs.data.steps - 1))
    assert runner.kernel.strategy.diagnostics(end) == strategy.diagnostics(end)
