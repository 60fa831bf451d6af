"""Builders for the engine and strategy tests: short scenario catalogs, runs, hand-made sums."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from basis.book import Instrument
from basis.book.ledger import COLUMN, PNL_CATEGORIES
from basis.config.flows import Flow
from basis.config.market import MarketConfig, load_market
from basis.data.catalog import Catalog, SeriesFrame, scenario_dataset
from basis.data.scenario import load_scenario, write_scenario
from basis.engine.backtest import Backtest, load_mode, run_backtest
from basis.engine.inputs import Inputs, load_inputs
from basis.engine.loop import run
from basis.model.market import MarketData
from basis.model.result import EventKind, RunResult
from basis.strategies import build
from tests.conftest import CONFIGS

DEFAULT = scenario_dataset("default")
CRASH = scenario_dataset("eth_crash")
SQUEEZE = scenario_dataset("btc_squeeze")
NO_OKX = "scenario:default_without_okx"  # the default scenario less okx's ETH perp and funding
OKX_ETH = ("okx:perp:ETHUSDT", "okx:funding:ETHUSDT")
SCENARIO_YEARS = 0.25  # 2024-01-01 → 2024-04-01: long enough for eth_crash's 2024-03-12 shock


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def market() -> MarketConfig:
    return load_market(CONFIGS)


def scenario_catalog(root: Path) -> Catalog:
    """A catalog with `default`, `eth_crash` and `btc_squeeze` over `SCENARIO_YEARS`, and
    `NO_OKX`."""
    catalog = Catalog(root)
    config = market()
    for name in ("default", "eth_crash", "btc_squeeze"):
        write_scenario(catalog, load_scenario(name, CONFIGS), config, years=SCENARIO_YEARS)
    copy_dataset(catalog, DEFAULT, NO_OKX, drop=OKX_ETH)
    return catalog


def copy_dataset(catalog: Catalog, source: str, target: str, drop: Sequence[str] = ()) -> None:
    """Write `target` as `source` without the series named in `drop`."""
    frames = [
        SeriesFrame(
            info.series,
            info.kind,
            info.source,
            info.interval,
            catalog.read(source, info.series),
            info.quote,
        )
        for info in catalog.series(source)
        if info.series not in drop
    ]
    catalog.write(target, frames, replace_dataset=True)


def backtest(
    catalog: Catalog,
    mode: str,
    dataset: str = DEFAULT,
    start: datetime | None = None,
    end: datetime | None = None,
    overrides: Sequence[str] = (),
    flows: Path | None = None,
    fallback: str | None = None,
) -> RunResult:
    """`run_backtest` of one request on the repository's configs."""
    request = Backtest(
        mode, dataset, start, end, overrides=tuple(overrides), flows=flows, fallback=fallback
    )
    return run_backtest(request, catalog, CONFIGS)


def inputs_for(
    catalog: Catalog,
    mode: str,
    dataset: str = DEFAULT,
    start: datetime | None = None,
    end: datetime | None = None,
    overrides: Sequence[str] = (),
) -> Inputs:
    """The aligned inputs `mode` would run on."""
    config = load_mode(CONFIGS, mode, overrides, None)
    needs = build(config, market()).needs()
    return load_inputs(catalog, dataset, needs, market(), start, end)


def run_on(
    mode: str, inputs: Inputs, overrides: Sequence[str] = (), flows: Sequence[Flow] = ()
) -> RunResult:
    """Run a freshly built strategy of `mode` on `inputs` (the loop, without the catalog)."""
    config = load_mode(CONFIGS, mode, overrides, None)
    return run(build(config, market()), inputs, market(), flows)


def with_data(inputs: Inputs, data: MarketData) -> Inputs:
    return replace(inputs, data=data)


def pnl(result: RunResult) -> float:
    """Σ of the P&L columns of the attribution (every category but `flows`)."""
    return math.fsum(
        math.fsum(result.attribution[:, COLUMN[category]]) for category in PNL_CATEGORIES
    )


def column(result: RunResult, category: str) -> np.ndarray:
    return result.attribution[:, COLUMN[category]]


def step_of(result: RunResult, at: datetime) -> int:
    matches = np.flatnonzero(result.times == int(at.timestamp()))
    if matches.size != 1:
        raise LookupError(f"{at} is not a step of the run")
    return int(matches[0])


def perp_fills(result: RunResult) -> dict[Instrument, list[tuple[datetime, float]]]:
    """Every change of perp size per instrument, in order, from the event log: fills, and
    liquidations (whose event carries the size closed)."""
    fills: dict[Instrument, list[tuple[datetime, float]]] = {}
    for event in result.events:
        if ":perp:" not in event.subject:
            continue
        if event.kind is EventKind.TRADE:
            change = event.size
        elif event.kind is EventKind.LIQUIDATION:
            change = -event.size
        else:
            continue
        fills.setdefault(Instrument.parse(event.subject), []).append((event.time, change))
    return fills


def independent_funding(result: RunResult, data: MarketData) -> dict[str, float]:
    """Σ over the settlements of each venue of −size × mark × rate, in USD.

    The size at a settlement is the sum of the fills recorded strictly before it (a
    position opened at a settlement hour trades after that hour's settlement); the mark
    and the rate come from `data`. Settlements the data lacks (NaN) pay nothing.
    """
    fills = perp_fills(result)
    names = {name: j for j, name in enumerate(data.names)}
    paid: dict[str, float] = {}
    for feed in data.funding:
        trades = fills.get(feed.instrument, [])
        mark = data.values[:, names[f"mark:{feed.instrument}"]]
        terms = []
        for k in np.flatnonzero(feed.settles):
            rate = float(feed.rate[k])
            if not math.isfinite(rate):
                continue
            at = data.time(int(k))
            size = math.fsum(change for when, change in trades if when < at)
            terms.append(-size * float(mark[k]) * rate)
        paid[feed.instrument.venue] = math.fsum(terms)
    return paid


def years(result: RunResult) -> float:
    """The run's length as the metrics annualise it: (end − start) / 365 days, the window's
    hours over 8760 (its steps less one: both ends are steps)."""
    return (len(result.times) - 1) / 8760.0


def perp_notional(result: RunResult, data: MarketData) -> np.ndarray:
    """Σ |size| × mark over the perps held at each step's funding settlement (USD)."""
    names = {name: j for j, name in enumerate(data.names)}
    index = {int(t): k for k, t in enumerate(result.times)}
    total = np.zeros(len(result.times))
    for instrument, fills in perp_fills(result).items():
        size = np.zeros(len(result.times))
        for at, change in fills:
            size[index[int(at.timestamp())] + 1 :] += change
        total += np.abs(size) * data.values[:, names[f"mark:{instrument}"]]
    return total
