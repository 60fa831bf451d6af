"""Benchmark: decision-to-request-sent overhead of a live run, the network excluded.

    .venv/bin/python bench/live_latency.py [--ticks N]

Starts `basis venue serve` in a child process (the `default` scenario at 7,200x, so prices
move on every tick) and runs `btc_basis` live in this process through the runtime the CLI
uses (`open_runner`, `Runner.tick`, the order manager, the journal on SQLite in a temporary
folder, the real ccxt client), set to re-hedge on every move.

For each create request (`POST /api/v3/order` or `/fapi/v1/order`) it measures the time from
`kernel.decide` returning to ccxt's `fetch` of that request starting, minus the time spent
inside every `fetch` that ran in between (the client-id lookup before each create, a spot
buy's wallet transfer, the first order's own round trip): what is left is basis's own work
on the way out — intents to orders, exposure and limits, the journal's `pending` and `sent`
commits, precision — and asyncio's scheduling. Prints p50, p99 and max for the first order
of each decision and for every order.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.venues.stubs import emulator_process  # noqa: E402

from basis.config.market import load_market  # noqa: E402
from basis.data.catalog import Catalog  # noqa: E402
from basis.data.scenario import load_scenario, write_scenario  # noqa: E402
from basis.engine.backtest import load_mode  # noqa: E402
from basis.live.feed import VenueFeed  # noqa: E402
from basis.live.journal import Journal  # noqa: E402
from basis.live.session import open_runner  # noqa: E402
from basis.strategies import build  # noqa: E402
from basis.venues.binance import BINANCE  # noqa: E402
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig  # noqa: E402
from basis.venues.credentials import Credentials  # noqa: E402

KEY, SECRET = "bench-key", "bench-secret"
BUSY = ("rebalance_threshold=0.00001", "delta_tolerance=0.00001")
CREATES = ("/api/v3/order", "/fapi/v1/order")


@dataclass
class Clock:
    """When the last decision returned, and every request's start and end since."""

    decided: float | None = None
    requests: list[tuple[float, float, bool]] = field(default_factory=list)  # start, end, create
    first: list[float] = field(default_factory=list)
    every: list[float] = field(default_factory=list)

    def decide(self, decide: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def timed(state: Any) -> Any:
            intents = decide(state)
            self.decided, self.requests = time.perf_counter(), []
            return intents

        return timed

    def fetch(self, fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(url: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            create = method == "POST" and url.split("?")[0].endswith(CREATES)
            if create and self.decided is not None:
                network = sum(end - begin for begin, end, _ in self.requests)
                overhead = start - self.decided - network
                if not any(is_create for *_, is_create in self.requests):
                    self.first.append(overhead)
                self.every.append(overhead)
            try:
                return await fetch(url, method, *args, **kwargs)
            finally:
                self.requests.append((start, time.perf_counter(), create))

        return timed


async def measure(url: str, journal_url: str, ticks: int) -> Clock:
    configs = REPO / "configs"
    market = load_market(configs)
    config = load_mode(configs, "btc_basis", BUSY, None)
    settings = CcxtVenueConfig(venue="binance", url=url, throttle=False)
    venue = CcxtVenue(settings, BINANCE, Credentials(KEY, SECRET))
    clock = Clock()
    venue.exchange.fetch = clock.fetch(venue.exchange.fetch)
    try:
        with Journal.open(journal_url) as journal:
            feed = VenueFeed({"binance": venue}, market, build(config, market).needs())
            runner, _ = await open_runner(
                config,
                market,
                journal,
                feed,
                paper=False,
                hedge_venues=["binance"],
                venues={"binance": venue},
            )
            runner.kernel.decide = clock.decide(runner.kernel.decide)  # type: ignore[method-assign]
            for _ in range(ticks):
                await runner.tick()
                await asyncio.sleep(0.1)  # the CLI's --tick 0.1
    finally:
        await venue.close()
    return clock


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (
        f"n {len(ordered)}, p50 {statistics.median(ordered) * 1000:.2f} ms, "
        f"p99 {p99 * 1000:.2f} ms, max {ordered[-1] * 1000:.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ticks", type=int, default=200)
    args = parser.parse_args()
    configs = REPO / "configs"
    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog(Path(folder) / "catalog")
        write_scenario(catalog, load_scenario("default", configs), load_market(configs), years=0.1)
        env = {"BASIS_BINANCE_API_KEY": KEY, "BASIS_BINANCE_SECRET": SECRET}
        options = ("--speed", "7200", "--weight-per-minute", "10000000")
        with emulator_process(catalog.root, *options, env=env) as url:
            journal = f"sqlite:///{Path(folder) / 'journal.sqlite'}"
            clock = asyncio.run(measure(url, journal, args.ticks))
    print(f"ticks: {args.ticks}, decisions with orders: {len(clock.first)}")
    print(f"first order of a decision: {percentiles(clock.first)}")
    print(f"every order:               {percentiles(clock.every)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
