"""100 WebSocket clients watching one backtest's progress: `python -m bench.api_websocket`.

Real uvicorn on 127.0.0.1 and the `websockets` asyncio client. Each client counts the job
messages it gets and the delay from the message's `at` stamp to its arrival. Not a test:
timings depend on the machine; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tests.api.stubs import BACKTEST, add_users, make_catalog, make_settings, serving
from websockets.asyncio.client import connect

from basis.api.app import create_app
from basis.api.config import ServiceConfig


async def watch(url: str, headers: dict[str, str], ready: asyncio.Event) -> list[float]:
    """Delays (ms) of every job message until the job finishes."""
    delays: list[float] = []
    async with connect(url, additional_headers=headers, max_size=None) as socket:
        await socket.recv()  # hello
        ready.set()
        while True:
            message = json.loads(await socket.recv())
            sent = datetime.fromisoformat(message["at"])
            delays.append((datetime.now(UTC) - sent).total_seconds() * 1000)
            if message["data"]["state"] in ("done", "failed", "cancelled"):
                return delays


async def run(base: str, clients: int) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post(
            "/api/v1/auth/login",
            json={"username": "tom", "password": "tom-trader-password"},
        )
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        url = base.replace("http", "ws") + "/api/v1/ws?topics=job"
        readies = [asyncio.Event() for _ in range(clients)]
        tasks = [asyncio.create_task(watch(url, headers, ready)) for ready in readies]
        await asyncio.gather(*(ready.wait() for ready in readies))
        began = time.perf_counter()
        await http.post("/api/v1/backtests", json=dict(BACKTEST), headers=headers)
        results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    counts = sorted({len(delays) for delays in results})
    every = sorted(delay for delays in results for delay in delays)
    p99 = every[min(len(every) - 1, round(0.99 * len(every)))]
    print(f"{clients} clients, {counts} job messages each, {len(every):,} delivered", end="")
    print(f" in {elapsed:.2f} s")
    print(f"delay from publish: p50 {statistics.median(every):.1f} ms, p99 {p99:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = make_settings(root / "home", make_catalog(root / "catalog", years=2.0))
        add_users(settings)
        unlimited = ServiceConfig(requests_per_minute=1_000_000)
        with serving(create_app(settings, unlimited)) as base:
            asyncio.run(run(base, args.clients))


if __name__ == "__main__":
    main()
