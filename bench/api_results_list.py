"""p50/p99 of `GET /api/v1/results` over 10,000 runs on SQLite: `python -m bench.api_results_list`.

Real uvicorn on 127.0.0.1, a real httpx client, one request at a time (latency, not
throughput). Pages of 50: the first page, a mode filter, and a deep offset. Not a test:
timings depend on the machine; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from tests.api.stubs import add_users, login, make_settings, serving
from tests.store.test_results import make_result

from basis.api.app import create_app
from basis.api.config import ServiceConfig
from basis.api.services import database_url
from basis.store import ResultStore, rows
from basis.store.schema import runs, series

MODES = ("eth_basis", "btc_basis", "usdt_market_neutral", "pure_lending_usdt")


def fill(url: str, count: int) -> None:
    """`count` small runs (6 hours each), inserted in bulk; created_at one second apart."""
    template = make_result()
    with ResultStore(url) as store:
        store.close()
    engine = sa.create_engine(url)
    start = template.start
    with engine.begin() as connection:
        for first in range(0, count, 1000):
            run_rows, series_rows = [], []
            for k in range(first, min(count, first + 1000)):
                result = replace(template, run_id=f"run-{k:06d}", mode=MODES[k % len(MODES)])
                run_rows.append(rows.run_row(result, start + timedelta(seconds=k)))
                series_rows += rows.series_rows(result)
            connection.execute(sa.insert(runs), run_rows)
            connection.execute(sa.insert(series), series_rows)
    engine.dispose()


def percentiles(client: httpx.Client, path: str, headers: dict[str, str], n: int) -> str:
    timings = []
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    timings.sort()
    p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)))]
    return f"p50 {statistics.median(timings):6.2f} ms  p99 {p99:6.2f} ms  ({n} requests)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(Path(folder) / "home", Path(folder) / "catalog")
        began = time.perf_counter()
        fill(database_url(settings), args.runs)
        print(f"stored {args.runs:,} runs in {time.perf_counter() - began:.1f} s")
        add_users(settings)
        unlimited = ServiceConfig(requests_per_minute=1_000_000)
        with serving(create_app(settings, unlimited)) as url, httpx.Client(base_url=url) as client:
            headers = login(client, "vera")
            for label, path in [
                ("first page", "/api/v1/results?limit=50"),
                ("mode filter", "/api/v1/results?limit=50&mode=btc_basis"),
                ("offset 9,000", "/api/v1/results?limit=50&offset=9000"),
            ]:
                print(f"{label:<13} {percentiles(client, path, headers, args.requests)}")


if __name__ == "__main__":
    main()
