"""The session store: what `session create` refuses, the state machine, and the audit trail."""

from __future__ import annotations

import pytest

from basis import audit
from basis.accounts.records import AccountSecret
from basis.accounts.sessions import SessionStore, parse_allocation
from basis.accounts.store import AccountStore
from basis.engine.backtest import load_mode
from basis.errors import SessionError, SessionNotFoundError, SessionStateError
from tests.conftest import CONFIGS

BTC_BASIS = load_mode(CONFIGS, "btc_basis", (), 90_000.0)


@pytest.fixture
def sessions(store: AccountStore) -> SessionStore:
    for name, venue in (("a", "binance"), ("b", "bybit"), ("c", "binance"), ("h", "hyperliquid")):
        store.add(name, venue, AccountSecret(f"key-{name}", f"secret-{name}"), actor="test")
    return SessionStore(store)


def test_parse_allocation_defaults_to_equal_weights_and_checks_the_split() -> None:
    assert parse_allocation(None, ["a", "b"]) == {"a": 0.5, "b": 0.5}
    assert parse_allocation("a=0.25,b=0.75", ["a", "b"]) == {"a": 0.25, "b": 0.75}
    for text, message in (
        ("a=0.5", "exactly the accounts"),
        ("a=0.5,b=0.6", "sum to 1.1"),
        ("a=0.5,a=0.5", "twice"),
        ("a=x,b=1", "ACCOUNT=WEIGHT"),
        ("a=0,b=1", "ACCOUNT=WEIGHT"),
        ("a=nan,b=1", "ACCOUNT=WEIGHT"),
    ):
        with pytest.raises(SessionError, match=message):
            parse_allocation(text, ["a", "b"])


def test_create_stores_the_session_and_audits_it(sessions: SessionStore) -> None:
    created = sessions.create(
        "desk", BTC_BASIS, ["a", "b"], {"a": 0.6, "b": 0.4}, overrides=["x=1"], actor="cli:me"
    )
    assert created.state == "created" and created.accounts == ("a", "b")
    assert created.capital == 90_000.0 and created.runs == {}
    assert [s.name for s in sessions.list()] == ["desk"]
    entry = audit.entries(sessions.accounts.engine)[-1]
    assert (entry.action, entry.subject, entry.actor) == ("session.create", "desk", "cli:me")
    assert entry.details_dict()["allocation"] == {"a": 0.6, "b": 0.4}


@pytest.mark.parametrize(
    ("name", "accounts", "message"),
    [
        ("Desk!", ["a"], "session name"),
        ("desk", [], "at least one account"),
        ("desk", ["a", "a"], "twice"),
        ("desk", ["ghost"], "no account 'ghost'"),
        ("desk", ["h"], "is on hyperliquid; mode btc_basis hedges on"),
    ],
)
def test_create_refuses_with_a_precise_reason(
    sessions: SessionStore, name: str, accounts: list[str], message: str
) -> None:
    with pytest.raises(SessionError, match=message):
        sessions.create(
            name, BTC_BASIS, accounts, parse_allocation(None, accounts or ["x"]), actor="t"
        )
    assert sessions.list() == []


def test_an_account_belongs_to_one_session_and_a_disabled_one_to_none(
    sessions: SessionStore,
) -> None:
    sessions.create("one", BTC_BASIS, ["a"], {"a": 1.0}, actor="t")
    with pytest.raises(SessionError, match="account 'a' is in session 'one'"):
        sessions.create("two", BTC_BASIS, ["c", "a"], {"c": 0.5, "a": 0.5}, actor="t")
    with pytest.raises(SessionError, match="exists"):
        sessions.create("one", BTC_BASIS, ["c"], {"c": 1.0}, actor="t")
    sessions.accounts.set_active("c", False, actor="t")
    with pytest.raises(SessionError, match="disabled"):
        sessions.create("three", BTC_BASIS, ["c"], {"c": 1.0}, actor="t")


def test_state_changes_follow_the_state_machine_and_are_audited(sessions: SessionStore) -> None:
    sessions.create("desk", BTC_BASIS, ["a"], {"a": 1.0}, actor="t")
    with pytest.raises(SessionStateError, match="is created: it cannot pause"):
        sessions.change("desk", "pause", actor="t")
    states = [sessions.change("desk", a, actor="t").state for a in ("start", "pause", "resume")]
    assert states == ["running", "paused", "running"]
    with pytest.raises(SessionStateError, match="stop it first"):
        sessions.remove("desk", actor="t")
    assert sessions.change("desk", "stop", actor="t").state == "stopped"
    with pytest.raises(SessionStateError, match="it can start"):
        sessions.change("desk", "resume", actor="t")
    sessions.remove("desk", actor="t")
    with pytest.raises(SessionNotFoundError, match="no session 'desk'"):
        sessions.get("desk")
    actions = [e.action for e in audit.entries(sessions.accounts.engine) if e.subject == "desk"]
    assert actions == [
        "session.create",
        "session.start",
        "session.pause",
        "session.resume",
        "session.stop",
        "session.remove",
    ]
    assert len(audit.verify(sessions.accounts.engine)) > 0


def test_a_session_refuses_funding_arbitrage_and_keeps_shared_capacity(
    sessions: SessionStore,
) -> None:
    arbitrage = load_mode(CONFIGS, "funding_arbitrage", (), None)
    with pytest.raises(SessionError, match="funding_arbitrage trades two named venues"):
        sessions.create("arb", arbitrage, ["a"], {"a": 1.0}, actor="t")
    created = sessions.create("desk", BTC_BASIS, ["a"], {"a": 1.0}, shared_capacity=True, actor="t")
    assert created.shared_capacity and sessions.get("desk").document()["shared_capacity"]
