"""`basis live`: a paper run on a replay, status and orders read back, the kill switch, the
stale-data guard, SIGTERM, and the refusals a user meets first."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.runner import run

REPLAY = ("--paper", "--replay", "scenario:default", "--tick", "0.01")


@pytest.fixture
def journal(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journal.sqlite'}"


def _generate(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(monkeypatch, "data", "generate", "default", "--years", "0.05").exit_code == 0


def test_live_paper_replay_runs_then_status_and_orders_read_the_journal(
    monkeypatch: pytest.MonkeyPatch, journal: str
) -> None:
    _generate(monkeypatch)
    ran = run(monkeypatch, "live", "run", "--mode", "btc_basis", *REPLAY, "--ticks", "5",
              "--journal", journal, "--log-json")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert [line["tick"] for line in lines] == [1, 2, 3, 4, 5]
    assert lines[0]["intents"] == 3  # one per hedge venue: spot and the short
    status = run(monkeypatch, "live", "status", "--journal", journal, "--json")
    found = json.loads(status.stdout)
    assert found["paper"] is True and found["status"] == "stopped"
    assert found["state"]["ticks"] == 5
    assert {p["instrument"] for p in found["state"]["positions"]} >= {"binance:perp:BTCUSDT"}
    orders = json.loads(run(monkeypatch, "live", "orders", "--journal", journal, "--json").stdout)
    assert len(orders) == 6 and {o["state"] for o in orders} == {"filled"}
    assert {"client_order_id", "venue", "symbol", "side", "amount", "state", "fills"} <= set(
        orders[0]
    )
    assert all(len(o["fills"]) == 1 for o in orders)


def test_live_run_resumes_its_paper_book_after_a_stop(
    monkeypatch: pytest.MonkeyPatch, journal: str
) -> None:
    _generate(monkeypatch)
    args = ("live", "run", "--mode", "btc_basis", *REPLAY, "--journal", journal, "--log-json")
    first = run(monkeypatch, *args, "--ticks", "3")
    again = run(monkeypatch, *args, "--ticks", "6")
    lines = first.stdout.splitlines() + again.stdout.splitlines()
    ids = {json.loads(line)["run_id"] for line in lines}
    assert len(ids) == 1  # the same run, continued from its checkpoint
    ticks = [json.loads(line)["tick"] for line in again.stdout.splitlines()]
    assert ticks == [4, 5, 6]


def test_live_kill_blocks_a_paper_run_and_shows_in_status(
    monkeypatch: pytest.MonkeyPatch, journal: str
) -> None:
    _generate(monkeypatch)
    for venue in ("BINANCE", "BYBIT", "OKX", "HYPERLIQUID"):
        monkeypatch.delenv(f"BASIS_{venue}_API_KEY", raising=False)
    killed = run(monkeypatch, "live", "kill", "--journal", journal)
    assert killed.exit_code == 0, killed.stderr
    ran = run(monkeypatch, "live", "run", "--mode", "btc_basis", *REPLAY, "--ticks", "2",
              "--journal", journal, "--log-json", "--new-run")  # fmt: skip
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert all(line["intents"] == 0 and "kill switch" in line["held_back"] for line in lines)
    status = json.loads(run(monkeypatch, "live", "status", "--journal", journal, "--json").stdout)
    assert status["kill_switch"]["reason"] == "basis live kill"


def test_live_stale_snapshot_sends_nothing(monkeypatch: pytest.MonkeyPatch, journal: str) -> None:
    _generate(monkeypatch)
    ran = run(monkeypatch, "live", "run", "--mode", "btc_basis", *REPLAY, "--ticks", "2",
              "--max-age", "1e-9", "--journal", journal, "--log-json")  # fmt: skip
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert all(line["intents"] == 0 and "old" in line["held_back"] for line in lines)


def test_live_refusals_are_one_line_and_exit_two(
    monkeypatch: pytest.MonkeyPatch, journal: str
) -> None:
    chain = run(monkeypatch, "live", "run", "--mode", "eth_leveraged", "--journal", journal)
    assert chain.exit_code == 2 and "on-chain legs" in chain.stderr
    replay = run(monkeypatch, "live", "run", "--mode", "btc_basis", "--replay", "real",
                 "--journal", journal)  # fmt: skip
    assert replay.exit_code == 2 and "only with --paper" in replay.stderr
    url = run(monkeypatch, "live", "run", "--mode", "btc_basis", "--venue-url", "binance=nope")
    assert url.exit_code == 2 and "--venue-url" in url.stderr
    status = run(monkeypatch, "live", "status", "--journal", journal)
    assert status.exit_code != 0 and "no live or paper run" in status.stderr
    assert "Traceback" not in chain.stderr + replay.stderr + url.stderr + status.stderr


def test_live_run_exits_zero_on_sigterm_with_the_tick_persisted(tmp_path: Path) -> None:
    env = {**os.environ, "BASIS_HOME": str(tmp_path)}
    basis = str(Path(sys.executable).with_name("basis"))
    subprocess.run([basis, "data", "generate", "default", "--years", "0.05"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    journal = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    child = subprocess.Popen(
        [
            basis,
            "live",
            "run",
            "--mode",
            "btc_basis",
            "--paper",
            "--replay",
            "scenario:default",
            "--tick",
            "0.2",
            "--journal",
            journal,
            "--log-json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()  # the first tick is done and persisted
        assert json.loads(first)["tick"] == 1
        time.sleep(0.5)
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert code == 0, child.stderr.read() if child.stderr else ""
    status = subprocess.run([basis, "live", "status", "--journal", journal, "--json"], env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(status.stdout)["status"] == "stopped"
