"""Builders for the venue tests: a hand-made replay, a wall clock the test moves, emulators."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from basis.config.market import load_market
from basis.config.venues import VenueConfig
from basis.venues.emulator.accounts import OpeningBalances
from basis.venues.emulator.exchange import Exchange
from basis.venues.emulator.replay import EmulatorClock, MarketReplay
from tests.conftest import CONFIGS

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
HOURS = 48
KEY, SECRET = "test-key-1", "test-secret-1"  # throwaway credentials of the emulator's account


@dataclass
class ManualWall:
    """A wall clock that moves only when the test says so."""

    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def binance() -> VenueConfig:
    return load_market(CONFIGS).venue("binance")


def replay(hours: int = HOURS) -> MarketReplay:
    """BTC spot 40,000 + 100 per hour, the perp 10 above it; funding 0.0001 at 00:00 UTC and
    0.0002 at 08:00 and 16:00 (and the same every day)."""
    times = np.arange(hours, dtype=np.int64) * 3600 + int(START.timestamp())
    spot = 40_000.0 + 100.0 * np.arange(hours)
    rate = np.full(hours, np.nan)
    rate[0::8] = 0.0002
    rate[0::24] = 0.0001
    return MarketReplay(
        venue="binance",
        times=times,
        spot={"BTCUSDT": spot},
        perp={"BTCUSDT": spot + 10.0},
        funding_rate={"BTCUSDT": rate},
    )


def exchange(
    wall: ManualWall, spot_usdt: float = 500_000.0, futures_usdt: float = 500_000.0
) -> Exchange:
    """An exchange on `replay()` starting at 00:30 UTC, where one wall second is one hour."""
    clock = EmulatorClock(START + dt.timedelta(minutes=30), speed=3600.0, wall=wall)
    opening = OpeningBalances({"USDT": spot_usdt}, futures_usdt)
    return Exchange(replay(), clock, binance(), opening)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def emulator_process(
    catalog: Path, *options: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """`basis venue serve` in a child process on a free port; yields its URL once it answers
    and stops it with SIGTERM afterwards. `options` are extra command-line options."""
    port = free_port()
    basis = str(Path(sys.executable).with_name("basis"))  # the console script beside python
    command = [basis, "venue", "serve", "--port", str(port)]
    command += ["--catalog", str(catalog), *options]
    child = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/_emulator/clock", timeout=1.0).raise_for_status()
                break
            except httpx.TransportError:
                if child.poll() is not None or time.monotonic() > deadline:
                    errors = child.stderr.read().decode() if child.stderr else ""
                    raise RuntimeError(f"the emulator did not start: {errors}") from None
                time.sleep(0.1)
        yield url
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
