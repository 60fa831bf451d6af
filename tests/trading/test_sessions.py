"""Sessions end to end: three stored accounts on the emulator run one `btc_basis` session
through the real CLI and ccxt (issue 12's acceptance), and a paper session obeys `pause`,
`resume` and `stop` given through the store while it runs."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import secrets
import sqlite3
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from basis.accounts.records import AccountSecret
from basis.accounts.sessions import SessionStore
from basis.accounts.store import AccountStore
from basis.book.utilisation import Regime, SessionRisk
from basis.engine.backtest import load_mode
from basis.trading.sessions import SessionRequest, SessionRunner, run_session
from basis.venues.emulator.accounts import account_name
from basis.venues.emulator.server import RunningEmulator
from tests.cli.runner import Result, run
from tests.conftest import CONFIGS
from tests.venues.conftest import StartEmulator

MASTER = base64.b64encode(b"s" * 32).decode()
ACCOUNTS = ("fund_a", "fund_b", "fund_c")
CASH = {"fund_a": 200_000.0, "fund_b": 100_000.0, "fund_c": 50_000.0}


def _basis(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> Result:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return run(monkeypatch, *args)


def _emulator_account(running: RunningEmulator, cash: float) -> tuple[str, str]:
    key, secret = f"key-{secrets.token_hex(8)}", secrets.token_hex(16)
    body = {"api_key": key, "secret": secret, "balances": [f"USDT={cash:g}"]}
    httpx.post(running.url + "/_emulator/accounts", json=body).raise_for_status()
    return key, secret


def test_three_accounts_run_one_session_with_aggregated_status_and_a_verified_audit(
    start_emulator: StartEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_MASTER_KEY", MASTER)
    running = start_emulator(weight_per_minute=10_000_000)
    db_file = tmp_path / "basis.sqlite"
    db = f"sqlite:///{db_file}"
    managed = set()
    for name in ACCOUNTS:
        key, secret = _emulator_account(running, CASH[name])
        managed.add(account_name(key))
        added = _basis(
            monkeypatch, "accounts", "add", name, "--venue", "binance", "--db", db,
            stdin=f"{key}\n{secret}\n",
        )  # fmt: skip
        assert added.exit_code == 0, added.stderr

    created = _basis(
        monkeypatch, "session", "create", "desk", "--mode", "btc_basis",
        "--accounts", ",".join(ACCOUNTS), "--db", db,
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    started = _basis(
        monkeypatch, "session", "start", "desk", "--venue-url", f"binance={running.url}",
        "--no-throttle", "--tick", "0.05", "--ticks", "3", "--db", db,
    )  # fmt: skip
    assert started.exit_code == 0, started.stderr
    assert "stopped session desk after 3 ticks" in started.stderr

    shown = _basis(monkeypatch, "session", "status", "desk", "--json", "--db", db)
    assert shown.exit_code == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["state"] == "stopped" and document["alive"] is False
    status = document["status"]
    rows = {row["account"]: row for row in status["accounts"]}
    assert set(rows) == set(ACCOUNTS)
    for name, row in rows.items():
        # each account opened its own basis trade with its own cash: long spot, short perp
        assert row["equity"] == pytest.approx(CASH[name], rel=0.01)
        assert abs(row["exposure"].get("BTC", 0.0)) < 0.01 * CASH[name] / 40_000
        assert row["regime"] == "build" and 0.0 < row["margin_use"] < 0.6
        assert row["liquidation_distance"] is not None and row["liquidation_distance"] > 0.1
    aggregate = status["aggregate"]
    assert aggregate["equity"] == pytest.approx(sum(r["equity"] for r in rows.values()))
    btc = sum(r["exposure"].get("BTC", 0.0) for r in rows.values())
    assert aggregate["exposure"].get("BTC", 0.0) == pytest.approx(btc, abs=1e-9)
    assert aggregate["margin_use"] == max(r["margin_use"] for r in rows.values())
    assert aggregate["liquidation_distance"] == min(
        r["liquidation_distance"] for r in rows.values()
    )

    table = _basis(monkeypatch, "session", "status", "desk", "--db", db)
    assert table.exit_code == 0 and "fund_b" in table.stdout and "all" in table.stdout
    frame = _basis(monkeypatch, "dashboard", "--once", "--db", db)
    assert frame.exit_code == 0 and "session desk" in frame.stdout, frame.stderr

    # no fill between two managed accounts, judged by the venue
    fills: list[dict[str, Any]] = httpx.get(running.url + "/_emulator/fills").json()
    assert fills  # the session traded
    assert not [f for f in fills if f["maker_account"] in managed and f["taker_account"] in managed]

    audit = json.loads(_basis(monkeypatch, "audit", "list", "--json", "--db", db).stdout)
    actions = [entry["action"] for entry in audit]
    assert actions.count("session.create") == 1 and actions.count("session.start") == 1
    assert "session.stop" in actions and actions.count("account.key_use") == 3
    assert _basis(monkeypatch, "audit", "verify", "--db", db).exit_code == 0
    with sqlite3.connect(db_file) as connection:  # an edit by hand, as an intruder would
        connection.execute(
            "UPDATE basis_audit_log SET subject = 'other' WHERE action = 'session.create'"
        )
    broken = _basis(monkeypatch, "audit", "verify", "--db", db)
    assert broken.exit_code == 1 and "the entry was edited" in broken.stderr


def test_a_paper_session_obeys_pause_resume_and_stop_from_the_store(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    environ = {"BASIS_MASTER_KEY": MASTER}
    running = start_emulator(weight_per_minute=10_000_000)
    db = f"sqlite:///{tmp_path / 'basis.sqlite'}"
    with AccountStore.open(db, environ=environ) as accounts:
        for name in ("p1", "p2"):
            accounts.add(name, "binance", AccountSecret("k" + name, "s" + name), actor="test")
        config = load_mode(CONFIGS, "btc_basis", (), 300_000.0)
        SessionStore(accounts).create(
            "paper", config, ["p1", "p2"], {"p1": 2 / 3, "p2": 1 / 3}, actor="test"
        )
    seen: list[tuple[int, str | None, float]] = []

    def on_tick(session: SessionRunner, assessed: SessionRisk) -> None:
        hold = session.runs[0].runner.hold
        seen.append((session.ticks, hold, assessed.equity))
        actions = {1: "pause", 3: "resume", 4: "stop"}
        if session.ticks in actions:
            session.store.change("paper", actions[session.ticks], actor="operator")

    request = SessionRequest(
        "paper", paper=True, venue_urls={"binance": running.url}, database=db, tick=0.01,
        throttle=False, max_ticks=20,
    )  # fmt: skip
    result = asyncio.run(run_session(request, CONFIGS, asyncio.Event(), on_tick))
    assert [tick for tick, _, _ in seen] == [1, 2, 3, 4]  # the stop ends it after tick 4
    assert seen[1][1] is not None and "paused" in seen[1][1]
    assert seen[2][1] is not None and seen[3][1] is None
    assert seen[0][2] == pytest.approx(300_000.0, rel=5e-3)  # paper capital less costs
    assert all(run.runner.kernel.shared is Regime.BUILD for run in result.runs)
    equities = [run.runner.kernel.book.equity() for run in result.runs]
    assert equities[0] == pytest.approx(2 * equities[1], rel=1e-3)
    with AccountStore.open(db, environ=environ) as accounts:
        session = SessionStore(accounts).get("paper")
        assert session.state == "stopped" and set(session.runs) == {"p1", "p2"}
        # started again, each account resumes its own run and book
        restarted = asyncio.run(
            run_session(
                SessionRequest(
                    "paper",
                    paper=True,
                    venue_urls={"binance": running.url},
                    database=db,
                    tick=0.01,
                    throttle=False,
                    max_ticks=1,
                ),
                CONFIGS,
                asyncio.Event(),
            )
        )
        assert {r.account: r.runner.run_id for r in restarted.runs} == session.runs
        assert restarted.runs[0].runner.kernel.book.equity() == pytest.approx(equities[0], rel=1e-3)


def test_session_refusals_are_one_line_with_exit_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_MASTER_KEY", MASTER)
    db = f"sqlite:///{tmp_path / 'basis.sqlite'}"
    cases = [
        (("session", "create", "d", "--mode", "btc_basis", "--accounts", "ghost"), "no account"),
        (("session", "create", "d", "--mode", "volume", "--accounts", "a"), "wash"),
        (("session", "pause", "ghost"), "no session 'ghost'"),
        (("session", "start", "ghost", "--venue-url", "a=ftp://x"), "--venue-url"),
    ]
    for args, message in cases:
        result = _basis(monkeypatch, *args, "--db", db)
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr.lower() or message in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_shared_capacity_sizes_every_account_like_the_smallest(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    """Capital split 2:1, shared capacity: both accounts hold the same BTC; the larger
    keeps the rest as cash. Without it, the books are 2:1."""
    from basis.book import Instrument, Kind
    from basis.model.orders import ACCOUNT

    environ = {"BASIS_MASTER_KEY": MASTER}
    running = start_emulator(weight_per_minute=10_000_000)
    spot = Instrument("binance", Kind.SPOT, "BTC")
    held: dict[bool, list[float]] = {}
    for shared in (True, False):
        db = f"sqlite:///{tmp_path / f'shared-{shared}.sqlite'}"
        with AccountStore.open(db, environ=environ) as accounts:
            for name in ("big", "small"):
                accounts.add(name, "binance", AccountSecret("k" + name, "s" + name), actor="t")
            config = load_mode(CONFIGS, "btc_basis", (), 300_000.0)
            SessionStore(accounts).create(
                "desk", config, ["big", "small"], {"big": 2 / 3, "small": 1 / 3},
                shared_capacity=shared, actor="t",
            )  # fmt: skip
        request = SessionRequest(
            "desk", paper=True, venue_urls={"binance": running.url}, database=db, tick=0.01,
            throttle=False, max_ticks=3,
        )  # fmt: skip
        result = asyncio.run(run_session(request, CONFIGS, asyncio.Event()))
        held[shared] = [r.runner.kernel.book.balance(ACCOUNT, spot) for r in result.runs]
        if shared:
            small = min(r.runner.kernel.book.equity() for r in result.runs)
            assert all(r.runner.kernel.capacity == pytest.approx(small) for r in result.runs)
    big, small = held[True]
    assert big > 0.0 and big == pytest.approx(small, rel=0.02)
    big, small = held[False]
    assert big == pytest.approx(2 * small, rel=0.02)
