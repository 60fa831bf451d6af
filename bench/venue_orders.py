"""Benchmark: orders through the ccxt adapter against the emulator in its own process.

    .venv/bin/python bench/venue_orders.py [--orders N]

Generates a one-week `default` scenario into a temporary catalog, starts
`basis venue serve` as a child process on 127.0.0.1, and places N perp market orders one
after another through `CcxtVenue` (each is two requests: the client-id lookup, then the
create). Prints the round trip per order (p50, p99), this process's CPU per order (the
adapter and ccxt, not the emulator), the CPU share of a core at 1,000 orders per hour,
and the emulator's orders per second.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.venues.stubs import emulator_process  # noqa: E402

from basis.config.market import load_market  # noqa: E402
from basis.data.catalog import Catalog  # noqa: E402
from basis.data.scenario import load_scenario, write_scenario  # noqa: E402
from basis.live.venue import OrderRequest  # noqa: E402
from basis.venues.binance import BINANCE  # noqa: E402
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig  # noqa: E402
from basis.venues.credentials import Credentials  # noqa: E402

KEY, SECRET = "bench-key", "bench-secret"


async def place_orders(url: str, count: int) -> tuple[list[float], float]:
    config = CcxtVenueConfig(venue="binance", url=url, throttle=False)
    venue = CcxtVenue(config, BINANCE, Credentials(KEY, SECRET))
    await venue.quotes(["binance:perp:BTCUSDT"])  # markets loaded before timing
    rounds: list[float] = []
    cpu = time.process_time()
    try:
        for number in range(count):
            side = "sell" if number % 2 == 0 else "buy"
            request = OrderRequest(f"bench-{number}", "binance:perp:BTCUSDT", side, 0.01)
            start = time.perf_counter()
            await venue.place(request)
            rounds.append(time.perf_counter() - start)
    finally:
        await venue.close()
    return rounds, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    configs = REPO / "configs"
    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog(Path(folder))
        write_scenario(catalog, load_scenario("default", configs), load_market(configs), years=0.02)
        env = {"BASIS_BINANCE_API_KEY": KEY, "BASIS_BINANCE_SECRET": SECRET}
        options = ("--speed", "60", "--weight-per-minute", "1000000")
        with emulator_process(catalog.root, *options, env=env) as url:
            wall = time.perf_counter()
            rounds, cpu = asyncio.run(place_orders(url, args.orders))
            wall = time.perf_counter() - wall
    rounds.sort()
    p99 = rounds[min(len(rounds) - 1, int(0.99 * len(rounds)))]
    per_order = cpu / args.orders
    print(f"orders: {args.orders} in {wall:.2f} s → {args.orders / wall:.0f} orders/s")
    print(f"round trip: p50 {statistics.median(rounds) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")
    print(f"adapter CPU per order: {per_order * 1000:.2f} ms")
    print(f"CPU share of a core at 1,000 orders/hour: {per_order * 1000 / 3600:.4%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
