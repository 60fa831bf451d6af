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
    and stops it with SIGTERM afterwards. `options` are extra command-line options. A port
    taken by another process between the probe and the start is retried on another."""
    for _ in range(3):
        port = free_port()
        child = _serve(catalog, port, options, env)
        url = f"http://127.0.0.1:{port}"
        try:
            if _answers(url, child):
                yield url
                return
        finally:
            _stop(child)
    raise RuntimeError("the emulator did not start on three free ports")


def _serve(
    catalog: Path, port: int, options: tuple[str, ...], env: dict[str, str] | None
) -> subprocess.Popen[bytes]:
    basis = str(Path(sys.executable).with_name("basis"))  # the console script beside python
    command = [basis, "venue", "serve", "--port", str(port), "--catalog", str(catalog)]
    return subprocess.Popen(
        [*command, *options],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _answers(url: str, child: subprocess.Popen[bytes]) -> bool:
    """Wait until the emulator answers (True) or its process ends (False)."""
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline:
        try:
            httpx.get(url + "/_emulator/clock", timeout=1.0).raise_for_status()
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
