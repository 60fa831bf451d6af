"""The chaos and fault tests' agreement checks find each kind of disagreement."""

from __future__ import annotations

from typing import Any

from .agreement import order_disagreements, position_disagreements

SPOT, PERP = "binance:spot:BTC", "binance:perp:BTCUSDT"


def journalled(cid: str, state: str = "filled", filled: float = 1.0, **kw: Any) -> dict[str, Any]:
    fills = [{"trade_id": f"t-{cid}", "amount": filled}] if filled else []
    return {
        "client_order_id": cid,
        "market": PERP,
        "side": "sell",
        "amount": 1.0,
        "state": state,
        "filled": filled,
        "fills": fills,
    } | kw


def at_venue(cid: str, status: str = "closed", filled: float = 1.0) -> dict[str, Any]:
    fills = [{"trade_id": f"t-{cid}"}] if filled else []
    return {
        "client_order_id": cid,
        "instrument": PERP,
        "side": "sell",
        "amount": 1.0,
        "status": status,
        "filled": filled,
        "fills": fills,
    }


def test_orders_in_agreement_have_no_problem() -> None:
    journal = [journalled("a"), journalled("b", "cancelled", 0.0)]
    assert order_disagreements(journal, [at_venue("a")]) == []


def test_orders_each_disagreement_is_named() -> None:
    journal = [
        journalled("dup"),
        journalled("dup"),
        journalled("state", "acknowledged", 0.0),
        journalled("short", filled=0.5),
        journalled("ghost"),
    ]
    venue = [at_venue("dup"), at_venue("state"), at_venue("short"), at_venue("lost")]
    problems = order_disagreements(journal, venue)
    assert "client id dup appears twice in the journal" in problems
    assert "lost: at the venue (closed), not in the journal" in problems
    assert "state: journal acknowledged, venue closed" in problems
    assert "short: filled 0.5 ≠ venue 1.0" in problems
    assert "ghost: not at the venue, yet journalled filled with 1.0 filled" in problems


def test_positions_venue_journal_and_book_must_agree() -> None:
    journal = [journalled("a", filled=2.0)]
    account = {
        "spot": {"BTC": {"free": 2.0, "locked": 0.0}},
        "positions": {"BTCUSDT": {"size": -2.0}},
    }
    book = {
        "positions": [{"instrument": SPOT, "quantity": 2.0}, {"instrument": PERP, "quantity": -1.5}]
    }
    problems = position_disagreements(journal, account, book, SPOT, PERP)
    assert problems == [
        "binance:spot:BTC: journal fills sum to 0.0, venue holds 2.0",
        "binance:perp:BTCUSDT: the book holds -1.5, venue -2.0",
    ]
