"""Transfers on the book: the fee on sending, funds in flight, credit on arrival."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from basis.book import Category, Instrument
from basis.errors import InsufficientBalanceError, InvalidOperationError

from .stubs import BINANCE_USDT, T0, WALLET_USDT, funded, hours, snapshot

BYBIT_USDT = Instrument.token("bybit", "USDT")
IN_FLIGHT = Instrument.parse("bybit:transfer:USDT")


def test_send_books_fee_and_holds_the_rest_in_flight() -> None:
    # bybit's terms: $1 fee; 1000 USDT sent, 999 in flight.
    b = funded(**{"binance:token:USDT": 1000.0})
    sent = b.send("a", BINANCE_USDT, BYBIT_USDT, 1000.0)
    assert (sent.amount_received, sent.fee) == (999.0, 1.0)
    assert b.balance("a", BINANCE_USDT) == 0.0
    assert b.balance("a", IN_FLIGHT) == 999.0
    assert (b.entries[-1].category, b.entries[-1].amount) == (Category.TRANSFER_FEES, -1.0)
    assert b.equity() == 999.0
    (claim,) = b.claims("a", IN_FLIGHT)
    assert claim.due == sent.arrives_at


def test_settle_transfers_credits_only_arrived_funds() -> None:
    b = funded(**{"binance:token:USDT": 1000.0})
    sent = b.send("a", BINANCE_USDT, BYBIT_USDT, 500.0)
    delay = sent.arrives_at - T0
    b.accrue(T0 + delay - timedelta(seconds=1))
    assert b.settle_transfers() == 0.0
    b.accrue(hours(delay / timedelta(hours=1)))
    assert b.settle_transfers() == 499.0
    assert b.balance("a", BYBIT_USDT) == 499.0
    assert b.balance("a", IN_FLIGHT) == 0.0
    assert b.equity() == 999.0


def test_send_wallet_to_exchange_uses_exchange_terms() -> None:
    b = funded(**{"wallet:token:USDT": 10.0})
    sent = b.send("a", WALLET_USDT, BINANCE_USDT, 10.0)
    assert sent.arrives_at - T0 == timedelta(hours=1)  # binance: 1 h, $1
    assert sent.fee == 1.0


def test_send_beyond_balance_raises_and_changes_nothing() -> None:
    b = funded(**{"binance:token:USDT": 100.0})
    before = snapshot(b)
    with pytest.raises(
        InsufficientBalanceError, match=re.escape("cannot transfer 200.0 of binance:token")
    ):
        b.send("a", BINANCE_USDT, BYBIT_USDT, 200.0)
    assert snapshot(b) == before


@pytest.mark.parametrize(
    "destination",
    [Instrument.token("bybit", "USDC"), Instrument.token("binance", "USDT")],
)
def test_send_needs_one_asset_between_two_venues(destination: Instrument) -> None:
    b = funded(**{"binance:token:USDT": 100.0})
    with pytest.raises(InvalidOperationError, match="one asset between venues"):
        b.send("a", BINANCE_USDT, destination, 10.0)


def test_send_fee_not_below_amount_raises() -> None:
    b = funded(**{"binance:token:USDT": 100.0})
    with pytest.raises(InvalidOperationError, match="nothing would arrive"):
        b.send("a", BINANCE_USDT, BYBIT_USDT, 1.0)
