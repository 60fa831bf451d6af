"""Benchmark: a busy `basis live run` against the emulator: orders per hour, the runner's CPU
and its memory over time.

    .venv/bin/python bench/live_load.py --tick 6 --seconds 600     # ~1,000 orders an hour
    .venv/bin/python bench/live_load.py --tick 0.1 --ticks 1440    # a day of 60 s ticks

Both programs are the real CLIs in child processes: `basis venue serve` (the `default`
scenario, `--speed` emulator seconds per wall second, no rate limit in the way) and
`basis live run --mode btc_basis --no-throttle`, set to re-hedge on every price move (so
about two orders a tick). The runner's CPU (user + system) and resident memory are read
from /proc/<pid>/stat and /proc/<pid>/status every `--sample` seconds; the figures start at
its first tick, so the interpreter's start-up is left out. Orders are the emulator's count.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.venues.stubs import emulator_process  # noqa: E402

from basis.config.market import load_market  # noqa: E402
from basis.data.catalog import Catalog  # noqa: E402
from basis.data.scenario import load_scenario, write_scenario  # noqa: E402

KEY, SECRET = "bench-key", "bench-secret"
BASIS = str(Path(sys.executable).with_name("basis"))
BUSY = ("--set", "rebalance_threshold=0.00001", "--set", "delta_tolerance=0.00001")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds since the first tick
    cpu: float  # the runner's user + system seconds since the first tick
    rss_mb: float
    ticks: int
    orders: int


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def ticks_printed(log: Path) -> int:
    return log.read_bytes().count(b"\n") if log.exists() else 0


def run(url: str, folder: Path, args: argparse.Namespace) -> list[Sample]:
    env = {**os.environ, "BASIS_HOME": str(folder / "home")}
    env |= {"BASIS_BINANCE_API_KEY": KEY, "BASIS_BINANCE_SECRET": SECRET}
    command = [BASIS, "live", "run", "--mode", "btc_basis", "--venue-url", f"binance={url}"]
    command += ["--tick", str(args.tick), "--no-throttle", "--log-json", *BUSY]
    if args.ticks:
        command += ["--ticks", str(args.ticks)]
    log = folder / "ticks.jsonl"
    with log.open("wb") as stdout:
        child = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    samples: list[Sample] = []
    try:
        deadline = time.monotonic() + 120
        while ticks_printed(log) < 1:
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the runner printed no tick")
            time.sleep(0.05)
        start, cpu0 = time.monotonic(), cpu_seconds(child.pid)
        while child.poll() is None:
            orders = len(httpx.get(url + "/_emulator/orders", timeout=60).json())
            now = time.monotonic() - start
            samples.append(
                Sample(
                    now,
                    cpu_seconds(child.pid) - cpu0,
                    rss_mb(child.pid),
                    ticks_printed(log),
                    orders,
                )
            )
            if args.seconds and now >= args.seconds:
                break
            time.sleep(args.sample)
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return samples


def report(samples: list[Sample]) -> None:
    first, last = samples[0], samples[-1]
    hours = (last.wall - first.wall) / 3600
    orders = last.orders - first.orders
    cpu = last.cpu - first.cpu
    ticks = last.ticks - first.ticks
    print(f"measured: {last.wall - first.wall:.0f} s, {ticks} ticks, {orders} orders")
    print(f"orders per hour: {orders / hours:,.0f}")
    print(f"runner CPU: {cpu:.1f} s = {cpu / (hours * 3600):.1%} of a core")
    if orders:
        print(f"runner CPU per order: {cpu / orders * 1000:.0f} ms (reads of each tick included)")
    print("over the run: RSS, and the runner's CPU per tick since the previous line")
    step = max(1, len(samples) // 12)
    shown = [*samples[::step], last] if samples[::step][-1] is not last else samples[::step]
    previous = first
    for sample in shown:
        ticked = sample.ticks - previous.ticks
        per_tick = (sample.cpu - previous.cpu) / ticked * 1000 if ticked else 0.0
        print(
            f"  {sample.wall:7.0f} s  tick {sample.ticks:6d}  {sample.rss_mb:7.1f} MB  "
            f"{per_tick:6.1f} ms CPU/tick"
        )
        previous = sample


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tick", type=float, default=6.0)
    parser.add_argument("--seconds", type=float, default=0.0, help="stop after (0: --ticks)")
    parser.add_argument("--ticks", type=int, default=0, help="the run's ticks (0: --seconds)")
    parser.add_argument("--speed", type=float, default=3600.0)
    parser.add_argument("--sample", type=float, default=10.0)
    args = parser.parse_args()
    if not args.seconds and not args.ticks:
        parser.error("give --seconds or --ticks")
    configs = REPO / "configs"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        catalog = Catalog(folder / "catalog")
        write_scenario(catalog, load_scenario("default", configs), load_market(configs), years=0.5)
        env = {"BASIS_BINANCE_API_KEY": KEY, "BASIS_BINANCE_SECRET": SECRET}
        options = ("--speed", f"{args.speed:g}", "--weight-per-minute", "10000000")
        with emulator_process(catalog.root, *options, env=env) as url:
            samples = run(url, folder, args)
    report(samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
