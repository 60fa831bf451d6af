"""Flows, trades and gas: each books exactly the value it moves, costs apart from value."""

from __future__ import annotations

import re

import pytest

from basis.book import Book, Instrument
from basis.errors import InsufficientBalanceError, InvalidOperationError
from basis.mechanics import trading

from .stubs import BINANCE_USDT, ETH_PERP, WALLET_ETH, WALLET_USDT, book, funded, market, snapshot

BINANCE_ETH = Instrument.parse("binance:spot:ETH")


def _entries(target: Book) -> list[tuple[str, str, float]]:
    return [(str(e.instrument), e.category.value, e.amount) for e in target.entries]


def test_deposit_books_flows_at_the_mark() -> None:
    b = book()
    b.deposit("a", WALLET_ETH, 2.0)
    assert _entries(b) == [("wallet:token:ETH", "flows", 4000.0)]  # 2 ETH × 2000
    assert b.equity() == 4000.0
    assert b.balance("a", WALLET_ETH) == 2.0


def test_withdraw_books_negative_flows() -> None:
    b = funded(**{"wallet:token:USDT": 100.0})
    b.withdraw("a", WALLET_USDT, 40.0)
    assert _entries(b)[-1] == ("wallet:token:USDT", "flows", -40.0)
    assert b.balance("a", WALLET_USDT) == 60.0


def test_withdraw_beyond_balance_raises_and_changes_nothing() -> None:
    b = funded(**{"wallet:token:USDT": 100.0})
    before = snapshot(b)
    with pytest.raises(InsufficientBalanceError) as raised:
        b.withdraw("a", WALLET_USDT, 100.5)
    assert str(raised.value) == (
        "[INSUFFICIENT_BALANCE] account 'a': cannot withdraw 100.5 of wallet:token:USDT; "
        "it holds 100.0"
    )
    assert snapshot(b) == before


@pytest.mark.parametrize("amount", [0.0, -1.0, float("nan"), float("inf")])
def test_deposit_amount_not_positive_raises(amount: float) -> None:
    with pytest.raises(InvalidOperationError, match="amount must be finite and > 0"):
        book().deposit("a", WALLET_USDT, amount)


def test_deposit_into_a_perp_raises() -> None:
    with pytest.raises(InvalidOperationError, match="cannot deposit to binance:perp:ETHUSDT"):
        book().deposit("a", ETH_PERP, 1.0)


def test_deposit_unmarked_asset_raises() -> None:
    with pytest.raises(InvalidOperationError, match="no mark for price:SOL"):
        book().deposit("a", Instrument.wallet("SOL"), 1.0)


def test_spot_buy_books_fee_and_slippage_apart_from_value_moved() -> None:
    # Buy 10 ETH on binance at mark 2000: notional $20,000.
    # Slippage on binance's curve 3 / 4 bp at $10k / $100k, log-interpolated:
    # 3 + log10(2) = 3.30103 bp → fill 2000 × (1 + 3.30103e-4); fee 0.1 % of $20,000 = 20.
    venue = market().venue("binance")
    assert venue.spot_slippage is not None and venue.spot_fees is not None
    bps = trading.slippage_bps(venue.spot_slippage, 20_000.0)
    fill = trading.execution_price(1, 2000.0, bps)
    cost = trading.trade_cost(20_000.0, venue.spot_fees.taker, bps)
    b = funded(**{"binance:token:USDT": 30_000.0})
    before = b.equity()
    slippage = b.spot_trade("a", "binance", "ETH", "USDT", 10.0, fill, cost.fee)
    assert bps == pytest.approx(3.30103, abs=1e-5)
    assert cost.fee == 20.0
    assert slippage == pytest.approx(-cost.slippage, rel=1e-9)  # −6.60206
    assert _entries(b)[-2:] == [
        ("binance:spot:ETH", "slippage", slippage),
        ("binance:spot:ETH", "trading_fees", -20.0),
    ]
    assert b.balance("a", BINANCE_ETH) == 10.0
    assert b.balance("a", BINANCE_USDT) == pytest.approx(30_000.0 - 10.0 * fill - 20.0)
    assert b.equity() - before == pytest.approx(-20.0 - cost.slippage, rel=1e-9)


def test_spot_sell_receives_quote_less_slippage_and_fee() -> None:
    # Sell 1 ETH at 1999 (mark 2000), fee 2 USDT: slippage = 1999 − 2000 = −1.
    b = funded(**{"binance:spot:ETH": 1.0, "binance:token:USDT": 10.0})
    assert b.spot_trade("a", "binance", "ETH", "USDT", -1.0, 1999.0, 2.0) == -1.0
    assert b.balance("a", BINANCE_USDT) == 10.0 + 1999.0 - 2.0
    assert b.balance("a", BINANCE_ETH) == 0.0


def test_spot_buy_beyond_cash_raises_and_changes_nothing() -> None:
    b = funded(**{"binance:token:USDT": 1000.0})
    before = snapshot(b)
    with pytest.raises(
        InsufficientBalanceError, match=re.escape("cannot sell 2000.0 of binance:token:USDT")
    ):
        b.spot_trade("a", "binance", "ETH", "USDT", 1.0, 2000.0, 0.0)
    assert snapshot(b) == before


def test_spot_fee_beyond_cash_raises() -> None:
    b = funded(**{"binance:token:USDT": 2000.0})
    with pytest.raises(InsufficientBalanceError, match=re.escape("pay a fee of 1.0")):
        b.spot_trade("a", "binance", "ETH", "USDT", 1.0, 2000.0, 1.0)


def test_swap_fee_from_a_third_balance() -> None:
    # Sell 1000 USDT for 0.499 ETH (mark 2000: worth 998), pay 0.001 ETH gas-like fee.
    b = funded(**{"wallet:token:USDT": 1000.0, "wallet:token:ETH": 0.01})
    slippage = b.swap("a", WALLET_USDT, 1000.0, WALLET_ETH, 0.499, 0.001, WALLET_ETH)
    assert slippage == pytest.approx(-2.0)  # 0.499 × 2000 − 1000
    assert _entries(b)[-1] == ("wallet:token:ETH", "trading_fees", -2.0)  # 0.001 × 2000
    assert b.balance("a", WALLET_ETH) == pytest.approx(0.01 + 0.499 - 0.001)


def test_swap_instrument_for_itself_raises() -> None:
    b = funded(**{"wallet:token:USDT": 10.0})
    with pytest.raises(InvalidOperationError, match="for itself"):
        b.swap("a", WALLET_USDT, 1.0, WALLET_USDT, 1.0)


def test_pay_gas_books_gas_at_base_plus_median_priority_fee() -> None:
    # aave_supply: 250,000 units × (20 + 1) gwei × 1e-9 = 0.00525 ETH = $10.50 at 2000.
    b = funded(**{"wallet:token:ETH": 1.0})
    assert b.pay_gas("a", "aave_supply", 20.0, 1.0) == pytest.approx(0.00525, rel=1e-12)
    assert _entries(b)[-1] == ("wallet:token:ETH", "gas", pytest.approx(-10.5, rel=1e-12))
    assert b.balance("a", WALLET_ETH) == pytest.approx(1.0 - 0.00525, rel=1e-15)


def test_pay_gas_unknown_operation_raises() -> None:
    b = funded(**{"wallet:token:ETH": 1.0})
    with pytest.raises(InvalidOperationError, match="no gas units for operation 'teleport'"):
        b.pay_gas("a", "teleport", 20.0, 1.0)


def test_pay_gas_without_eth_raises_and_changes_nothing() -> None:
    b = funded(**{"wallet:token:ETH": 0.001})
    before = snapshot(b)
    with pytest.raises(InsufficientBalanceError, match="pay gas for atomic_entry"):
        b.pay_gas("a", "atomic_entry", 20.0, 1.0)  # 1.25M × 21 gwei = 0.02625 ETH
    assert snapshot(b) == before
