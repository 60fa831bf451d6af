"""Benchmark: one session over many accounts against the emulator: orders per hour,
decision-to-request-sent overhead per order, CPU, and memory per account.

    .venv/bin/python bench/session_load.py --accounts 20 --seconds 120
    .venv/bin/python bench/session_load.py --accounts 1 --seconds 60    # memory baseline

`basis venue serve` runs in a child process (the `default` scenario at 3,600x, its rate
limit out of the way); this process stores N accounts (sealed keys, each its own emulator
account with 100,000 USDT) and runs one `btc_basis` session over them through
`run_session`, the code `basis session start` runs, with the journal on SQLite in a
temporary folder and the real ccxt client. Each account re-hedges on every price move
(about two orders an account a tick).

The overhead of an order is measured as bench/live_latency.py does, per account: from its
`kernel.decide` returning to ccxt's `fetch` of the create request starting, minus the time
inside that account's requests in between. The accounts of a session tick one after
another, so the other accounts' work is not counted in an account's overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.live_latency import Clock, percentiles  # noqa: E402
from tests.venues.stubs import emulator_process  # noqa: E402

from basis.accounts.records import AccountSecret  # noqa: E402
from basis.accounts.sessions import SessionStore  # noqa: E402
from basis.accounts.store import AccountStore  # noqa: E402
from basis.config.market import load_market  # noqa: E402
from basis.data.catalog import Catalog  # noqa: E402
from basis.data.scenario import load_scenario, write_scenario  # noqa: E402
from basis.engine.backtest import load_mode  # noqa: E402
from basis.trading.sessions import SessionRequest, SessionRunner, run_session  # noqa: E402

BUSY = ("rebalance_threshold=0.00001", "delta_tolerance=0.00001")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def store_accounts(url: str, db: str, count: int) -> list[str]:
    names = [f"acct_{i:02d}" for i in range(count)]
    configs = REPO / "configs"
    with AccountStore.open(db) as accounts:
        for name in names:
            key, secret = f"key-{secrets.token_hex(8)}", secrets.token_hex(16)
            body = {"api_key": key, "secret": secret, "balances": ["USDT=100000"]}
            httpx.post(url + "/_emulator/accounts", json=body).raise_for_status()
            accounts.add(name, "binance", AccountSecret(key, secret), actor="bench")
        config = load_mode(configs, "btc_basis", BUSY, None)
        weights = {name: 1.0 / count for name in names}
        SessionStore(accounts).create(
            "bench", config, names, weights, overrides=BUSY, actor="bench"
        )
    return names


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--tick", type=float, default=0.1)
    args = parser.parse_args()
    os.environ["BASIS_MASTER_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
    configs = REPO / "configs"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        catalog = Catalog(folder / "catalog")
        write_scenario(catalog, load_scenario("default", configs), load_market(configs), years=0.5)
        options = ("--speed", "3600", "--weight-per-minute", "100000000")
        with emulator_process(catalog.root, *options) as url:
            db = f"sqlite:///{folder / 'basis.sqlite'}"
            store_accounts(url, db, args.accounts)
            clocks: list[Clock] = []
            marks: dict[str, Any] = {}
            stop = asyncio.Event()

            def on_tick(session: SessionRunner, _: object) -> None:
                if not clocks:  # instrument once: every account's client and strategy
                    for run in session.runs:
                        clock = Clock()
                        exchange = run.adapter.exchange  # type: ignore[attr-defined]
                        exchange.fetch = clock.fetch(exchange.fetch)
                        kernel = run.runner.kernel
                        kernel.decide = clock.decide(kernel.decide)  # type: ignore[method-assign]
                        clocks.append(clock)
                    marks.update(
                        start=time.monotonic(),
                        cpu=time.process_time(),
                        rss=rss_mb(),
                        orders=len(httpx.get(url + "/_emulator/orders", timeout=60).json()),
                        ticks=session.ticks,
                    )
                elif time.monotonic() - marks["start"] >= args.seconds:
                    marks.update(ticks_end=session.ticks)
                    stop.set()

            request = SessionRequest(
                "bench", database=db, venue_urls={"binance": url}, tick=args.tick,
                throttle=False, max_age=60.0,
            )  # fmt: skip
            asyncio.run(run_session(request, configs, stop, on_tick))
            wall = time.monotonic() - marks["start"]
            cpu = time.process_time() - marks["cpu"]
            orders = len(httpx.get(url + "/_emulator/orders", timeout=60).json()) - marks["orders"]
    first = [x for c in clocks for x in c.first]
    every = [x for c in clocks for x in c.every]
    ticks = marks.get("ticks_end", 0) - marks["ticks"]
    print(f"accounts: {args.accounts}, measured {wall:.0f} s, {ticks} session ticks")
    print(f"orders: {orders}, {orders / wall * 3600:,.0f} per hour")
    print(f"CPU of this process: {cpu:.1f} s = {cpu / wall:.1%} of a core")
    print(f"RSS after the first tick: {marks['rss']:.1f} MB, at the end: {rss_mb():.1f} MB")
    if first:
        print(f"first order of a decision: {percentiles(first)}")
        print(f"every order:               {percentiles(every)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
