"""`basis accounts`, `basis keys rotate` and `basis audit`: and a planted secret appears in
no output, log line, journal row or database byte."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from basis import audit
from basis.accounts.store import AccountStore
from basis.live.journal import Journal
from basis.store.schema import audit_log
from basis.trading.launch import open_venues
from tests.cli.runner import Result, run

PLANTED_KEY = "PLANTEDKEY0123456789abcdef"
PLANTED_SECRET = "PLANTEDSECRETzyxwvu98765"
MASTER = base64.b64encode(b"m" * 32).decode()
NEW_PASSPHRASE = "a new and long passphrase"


def _basis(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> Result:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return run(monkeypatch, *args)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BASIS_MASTER_KEY", MASTER)
    return f"sqlite:///{tmp_path / 'basis.sqlite'}"


def test_accounts_add_reads_the_secret_from_stdin_and_lists_a_fingerprint(
    monkeypatch: pytest.MonkeyPatch, db: str
) -> None:
    stdin = f"{PLANTED_KEY}\n{PLANTED_SECRET}\n"
    added = _basis(
        monkeypatch,
        "accounts",
        "add",
        "alpha",
        "--venue",
        "binance",
        "--owner",
        "fund-a",
        "--tag",
        "core",
        "--db",
        db,
        stdin=stdin,
    )
    assert added.exit_code == 0, added.stderr
    listed = _basis(monkeypatch, "accounts", "list", "--json", "--db", db)
    [account] = json.loads(listed.stdout)
    assert account["name"] == "alpha" and account["owner"] == "fund-a"
    assert account["tags"] == ["core"] and len(account["key_fingerprint"]) == 16


def test_accounts_add_with_empty_stdin_exits_2(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    result = _basis(monkeypatch, "accounts", "add", "a", "--venue", "binance", "--db", db)
    assert result.exit_code == 2 and "ACCOUNT_INVALID" in result.stderr


def test_accounts_add_unknown_venue_exits_2(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    result = _basis(
        monkeypatch, "accounts", "add", "a", "--venue", "nowhere", "--db", db, stdin="k\ns\n"
    )
    assert result.exit_code == 2 and "unknown venue" in result.stderr


def test_accounts_show_unknown_exits_2(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    result = _basis(monkeypatch, "accounts", "show", "ghost", "--db", db)
    assert result.exit_code == 2 and "ACCOUNT_NOT_FOUND" in result.stderr


def test_accounts_malformed_master_key_exits_2(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    monkeypatch.setenv("BASIS_MASTER_KEY", "too-short")
    result = _basis(
        monkeypatch, "accounts", "add", "a", "--venue", "binance", "--db", db, stdin="k\ns\n"
    )
    assert result.exit_code == 2 and "MASTER_KEY_INVALID" in result.stderr


def test_audit_verify_after_an_edited_row_exits_1(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    _basis(monkeypatch, "accounts", "add", "a", "--venue", "binance", "--db", db, stdin="k\ns\n")
    _basis(monkeypatch, "accounts", "disable", "a", "--db", db)
    assert _basis(monkeypatch, "audit", "verify", "--db", db).exit_code == 0
    engine = sa.create_engine(db)
    with engine.begin() as connection:
        connection.execute(
            sa.update(audit_log).where(audit_log.c.seq == 2).values(actor="someone else")
        )
    engine.dispose()
    result = _basis(monkeypatch, "audit", "verify", "--db", db)
    assert result.exit_code == 1
    assert "AUDIT_CHAIN_BROKEN" in result.stderr and "entry 2" in result.stderr


def test_planted_secret_appears_nowhere(
    monkeypatch: pytest.MonkeyPatch,
    db: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[Result] = []

    def basis(*args: str, stdin: str = "") -> None:
        result = _basis(monkeypatch, *args, "--db", db, stdin=stdin)
        assert result.exit_code == 0, result.stderr
        outputs.append(result)

    basis(
        "accounts",
        "add",
        "binance",
        "--venue",
        "binance",
        stdin=f"{PLANTED_KEY}\n{PLANTED_SECRET}\n",
    )
    basis(
        "accounts",
        "add",
        "okx-a",
        "--venue",
        "okx",
        "--testnet",
        stdin=f"{PLANTED_KEY}2\n{PLANTED_SECRET}2\n{PLANTED_SECRET}3\n",
    )
    for args in (
        ("list",),
        ("list", "--json"),
        ("show", "binance"),
        ("show", "okx-a", "--json"),
        ("disable", "okx-a"),
        ("enable", "okx-a"),
    ):
        basis("accounts", *args)
    # a run opens the stored account's keys in memory (and journals as usual)
    with AccountStore.open(db) as store:
        venues, warnings = open_venues(
            ["binance"],
            testnet=False,
            urls={},
            need_keys=True,
            environ={},
            accounts=store,
            actor="test",
        )
    assert warnings == [] and "binance" in venues
    shown = repr(venues["binance"])
    with Journal.open(db) as journal:
        run_id = journal.start_run("btc_basis", False, {"venues": ["binance"]})
        journal.record_event(run_id, "started", repr(venues), {})
        journal_text = repr(journal.events()) + repr(journal.run(run_id))
    monkeypatch.setenv("BASIS_NEW_MASTER_PASSPHRASE", NEW_PASSPHRASE)
    basis("keys", "rotate")
    monkeypatch.delenv("BASIS_MASTER_KEY")
    monkeypatch.setenv("BASIS_MASTER_PASSPHRASE", NEW_PASSPHRASE)
    basis("accounts", "show", "binance")
    basis("session", "create", "desk", "--mode", "btc_basis", "--accounts", "binance")
    basis("session", "status", "desk", "--json")
    basis("session", "list")
    basis("dashboard", "--once")
    basis("audit", "list")
    basis("audit", "list", "--json")
    actions = [entry["action"] for entry in json.loads(outputs[-1].stdout)]
    assert actions[:3] == ["keys.init", "account.add", "account.add"]
    assert "keys.rotate" in actions and "account.key_use" in actions
    basis("audit", "verify")
    basis("accounts", "remove", "okx-a")
    files = b"".join(path.read_bytes() for path in tmp_path.glob("basis.sqlite*"))
    texts = [r.stdout + r.stderr for r in outputs] + [caplog.text, shown, journal_text]
    for planted in (PLANTED_KEY, PLANTED_SECRET):
        assert all(planted not in text for text in texts)
        assert planted.encode() not in files
        assert base64.b64encode(planted.encode()) not in files


def test_backtest_equal_volume_mode_exits_2_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run(monkeypatch, "backtest", "--mode", "equal_volume")
    assert result.exit_code == 2
    assert "WASH_TRADING_REFUSED" in result.stderr and "wash trades" in result.stderr


def test_kill_all_without_master_key_names_accounts_and_still_kills(
    monkeypatch: pytest.MonkeyPatch, db: str
) -> None:
    from basis.trading.control import kill_all

    _basis(
        monkeypatch, "accounts", "add", "binance", "--venue", "binance", "--db", db, stdin="k\ns\n"
    )
    monkeypatch.delenv("BASIS_MASTER_KEY")
    for venue in ("BINANCE", "BYBIT", "OKX", "HYPERLIQUID"):
        monkeypatch.delenv(f"BASIS_{venue}_API_KEY", raising=False)
    report = asyncio.run(kill_all(db, False, False, {}, "cli:test"))
    assert "MASTER_KEY" in report.failed["accounts"] or "master key" in report.failed["accounts"]
    with Journal.open(db) as journal:
        assert journal.kill_request() is not None
    with AccountStore.open(db) as store:
        actions = [e.action for e in audit.verify(store.engine)]
    assert actions[-1] == "kill_switch.on"
