"""Chaos: `basis live run` killed with SIGKILL at random moments of a busy run, restarted each
time, then stopped gracefully; the journal must then agree with the venue's order log.

Both sides are the real programs: `basis venue serve` and `basis live run` in child
processes, ccxt between them. The kill moments are drawn from a seeded generator: some
during start-up (journal open, reconciliation, the first tick), most after the first tick,
when orders go out on nearly every tick, so kills land between `pending` and `sent`, while a
request is on the wire, between an answer and its journal write, and inside a tick's unit.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from basis.data.catalog import Catalog
from tests.venues.stubs import emulator_process

from .agreement import order_disagreements, position_disagreements
from .processes import BUSY, EMULATOR, LiveRun, basis_json, live_env, live_run

SPOT, PERP = "binance:spot:BTC", "binance:perp:BTCUSDT"
SPEED = "7200"  # two emulator hours per wall second: the hourly prices move on every tick
TICK = "0.1"
START_UP, AFTER_ORDER = 0.2, 0.4  # shares of the kills; the rest at a random mid-run instant
POLL = 0.01  # seconds between looks at the emulator's order log
RECONCILIATION_NOISE = 1.0  # USDT: float rounding of the balance checks, not lost fills


@dataclass(frozen=True)
class Chaos:
    kills: int
    seed: int
    mid_run_seconds: float  # a mid-run kill lands this long after the first tick, at most


def run_chaos(catalog: Catalog, folder: Path, chaos: Chaos) -> None:
    env = live_env(folder / "home")
    journal = f"sqlite:///{folder / 'journal.db'}"
    rng = random.Random(chaos.seed)
    options = ("--tick", TICK, *BUSY)
    with emulator_process(catalog.root, *EMULATOR, "--speed", SPEED, env=env) as url:
        for kill in range(chaos.kills):
            with live_run(url, journal, folder / f"run{kill}", *options, env=env) as run:
                _wait_for_a_moment(run, url, rng, chaos)
                run.kill()
        with live_run(url, journal, folder / "final", *options, env=env) as run:
            assert run.wait_for_ticks(3, timeout=90), f"the final run: {run.stderr()}"
            assert run.stop() == 0, run.stderr()
        venue_orders = httpx.get(url + "/_emulator/orders", timeout=30).json()
        [account] = httpx.get(url + "/_emulator/accounts", timeout=30).json()
    orders = basis_json("live", "orders", "--journal", journal, "--json", env=env)
    status = basis_json("live", "status", "--journal", journal, "--json", env=env)

    assert len(venue_orders) >= chaos.kills, "the run was not busy: too few orders to judge"
    problems = order_disagreements(orders, venue_orders)
    problems += position_disagreements(orders, account, status["state"], SPOT, PERP)
    reconciled = status["state"]["attribution"]["reconciliation"]
    if abs(reconciled) > RECONCILIATION_NOISE:
        problems.append(f"{reconciled:+.2f} USDT booked as reconciliation: a fill lost or doubled")
    assert not problems, "\n".join(problems)
    assert status["status"] == "stopped"


def _wait_for_a_moment(run: LiveRun, url: str, rng: random.Random, chaos: Chaos) -> None:
    """Return at a kill moment drawn from `rng` (see the module's docstring)."""
    draw = rng.random()
    if draw < START_UP:
        time.sleep(rng.uniform(0.3, 3.0))
    elif draw < START_UP + AFTER_ORDER:
        assert _new_order(url, timeout=90), f"no order came: {run.stderr()}"
        time.sleep(rng.uniform(0.0, 0.02))
    else:
        assert run.wait_for_ticks(1, timeout=90), f"no tick came: {run.stderr()}"
        time.sleep(rng.uniform(0.0, chaos.mid_run_seconds))


def _new_order(url: str, timeout: float) -> bool:
    """Wait until the emulator takes one more order; False when none comes in `timeout`."""
    deadline = time.monotonic() + timeout
    before = len(httpx.get(url + "/_emulator/orders", timeout=30).json())
    while time.monotonic() < deadline:
        if len(httpx.get(url + "/_emulator/orders", timeout=30).json()) > before:
            return True
        time.sleep(POLL)
    return False


def test_live_run_killed_20_times_agrees_with_the_venue(
    live_catalog: Catalog, tmp_path: Path
) -> None:
    run_chaos(live_catalog, tmp_path, Chaos(kills=20, seed=20261203, mid_run_seconds=1.0))


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("BASIS_SOAK"),
    reason="the 60-kill soak variant (about 3 minutes) runs with BASIS_SOAK=1; "
    "the 20-kill variant always runs",
)
def test_live_run_killed_60_times_agrees_with_the_venue(
    live_catalog: Catalog, tmp_path: Path
) -> None:
    run_chaos(live_catalog, tmp_path, Chaos(kills=60, seed=7, mid_run_seconds=3.0))
