"""Time the journal's share of sending an order: `python -m bench.journal_submit [--orders N]`.

From `OrderManager.submit` being called to the venue's `place` being entered (the order
journalled `pending` and `sent`, each committed), and the whole submit with the answer
journalled, against an in-memory venue that answers at once (so no network is counted).
SQLite on a file in a temporary folder, with its default durable commits. Not a test:
timings depend on the machine and its disk, so nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from basis.live.orders import OrderManager
from basis.live.venue import OrderRequest, VenueOrder
from basis.live.journal import Journal

from tests.live.fakes import FakeVenue

PERP = "binance:perp:BTCUSDT"


class TimedVenue(FakeVenue):
    """The fake venue, noting when each request reached it."""

    def __init__(self) -> None:
        super().__init__("binance", prices={PERP: 60_000.0}, fill_market_orders=True)
        self.reached: list[float] = []

    async def place(self, request: OrderRequest) -> VenueOrder:
        self.reached.append(time.perf_counter())
        return await super().place(request)


async def submit_all(manager: OrderManager, venue: TimedVenue, orders: int) -> list[float]:
    """Seconds from each submit call to its request reaching the venue, and the totals."""
    to_venue, totals = [], []
    for index in range(orders):
        began = time.perf_counter()
        await manager.submit("binance", PERP, "buy" if index % 2 else "sell", 0.01, "bench")
        totals.append(time.perf_counter() - began)
        to_venue.append(venue.reached[-1] - began)
    return [*to_venue, *totals]


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    orders = parser.parse_args().orders
    with (
        tempfile.TemporaryDirectory() as folder,
        Journal.open(f"sqlite:///{Path(folder) / 'journal.sqlite'}") as journal,
    ):
        venue = TimedVenue()
        manager = OrderManager(journal, {"binance": venue}, journal.start_run("b", False, {}))
        began = time.perf_counter()
        timings = asyncio.run(submit_all(manager, venue, orders))
        elapsed = time.perf_counter() - began
    to_venue, totals = timings[:orders], timings[orders:]
    for name, values in (("decision → request sent", to_venue), ("whole submit", totals)):
        p50, p99 = percentile(values, 0.50) * 1e3, percentile(values, 0.99) * 1e3
        print(f"{name:<24} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   max {max(values) * 1e3:7.2f} ms")
    print(f"{orders} market orders filled at once: {orders / elapsed:,.0f} orders/s")


if __name__ == "__main__":
    main()
