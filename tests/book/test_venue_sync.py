"""Venue-reported funding and balances: booked, never overwritten silently."""

from __future__ import annotations

import pytest

from basis.book import PNL_CATEGORIES, Book, Category, Instrument
from basis.errors import InsufficientBalanceError, InvalidOperationError

from .stubs import BINANCE_USDT, ETH_PERP, book, funded

BTC_SPOT = Instrument.parse("binance:spot:BTC")


def _pnl(target: Book) -> float:
    attribution = target.attribution()
    return sum(attribution[c] for c in PNL_CATEGORIES)


def _short_eth() -> Book:
    """1,000 USDT on binance, short 1 ETH at 2,000 with no fee (mark 2,000)."""
    target = funded(**{"binance:token:USDT": 1000.0})
    target.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    return target


def test_receive_funding_credits_cash_and_books_funding() -> None:
    target = _short_eth()
    assert target.receive_funding("a", ETH_PERP, 0.2) == pytest.approx(0.2)
    assert target.balance("a", BINANCE_USDT) == pytest.approx(1000.2)
    assert target.attribution()[Category.FUNDING] == pytest.approx(0.2)
    assert target.equity() == pytest.approx(1000.2)


def test_receive_funding_paid_is_negative() -> None:
    target = _short_eth()
    target.receive_funding("a", ETH_PERP, -0.35)
    assert target.attribution()[Category.FUNDING] == pytest.approx(-0.35)


def test_reconcile_units_books_difference_in_reconciliation() -> None:
    target = funded(**{"binance:token:USDT": 1000.0})
    assert target.reconcile_units("a", BINANCE_USDT, 1000.5) == pytest.approx(0.5)
    assert target.balance("a", BINANCE_USDT) == 1000.5
    assert target.attribution()[Category.RECONCILIATION] == pytest.approx(0.5)
    assert _pnl(target) == pytest.approx(target.equity() - 1000.0)


def test_reconcile_units_opening_balance_is_a_flow_not_pnl() -> None:
    target = book()
    target.reconcile_units("a", BTC_SPOT, 2.0, Category.FLOWS)  # 2 BTC at 50,000
    assert target.attribution()[Category.FLOWS] == pytest.approx(100_000.0)
    assert _pnl(target) == 0.0


def test_reconcile_units_refuses_negative_and_non_tradable() -> None:
    target = funded(**{"binance:token:USDT": 1000.0})
    with pytest.raises(InvalidOperationError, match="finite and >= 0"):
        target.reconcile_units("a", BINANCE_USDT, -1.0)
    with pytest.raises(InvalidOperationError):
        target.reconcile_units("a", Instrument.aave_supply("USDT"), 1.0)
    assert target.balance("a", BINANCE_USDT) == 1000.0


def test_reconcile_perp_books_value_change_of_size_and_entry() -> None:
    """Short 1 @ 2,000 (mark 2,000) → venue says short 1.1 @ 2,010:
    −1.1 × (2,000 − 2,010) − (−1) × (2,000 − 2,000) = +11 USDT."""
    target = _short_eth()
    before = target.equity()
    assert target.reconcile_perp("a", ETH_PERP, -1.1, 2010.0) == pytest.approx(11.0)
    assert target.balance("a", ETH_PERP) == -1.1
    assert target.equity() - before == pytest.approx(11.0)
    assert target.attribution()[Category.RECONCILIATION] == pytest.approx(11.0)


def test_reconcile_perp_to_flat_closes_the_position() -> None:
    target = _short_eth()
    target.reconcile_perp("a", ETH_PERP, 0.0, 0.0)
    assert target.balance("a", ETH_PERP) == 0.0
    assert target.equity() == pytest.approx(1000.0)


def test_spot_fee_in_base_comes_out_of_the_asset_bought() -> None:
    """Buy 1 BTC at 50,000 (the mark: no slippage), fee 0.001 BTC: 0.999 BTC held,
    50,000 USDT paid, fees −0.001 × 50,000 = −50."""
    target = funded(**{"binance:token:USDT": 60_000.0})
    target.spot_trade("a", "binance", "BTC", "USDT", 1.0, 50_000.0, 0.001, fee_in_base=True)
    assert target.balance("a", BTC_SPOT) == pytest.approx(0.999)
    assert target.balance("a", BINANCE_USDT) == pytest.approx(10_000.0)
    assert target.attribution()[Category.TRADING_FEES] == pytest.approx(-50.0)
    assert target.equity() == pytest.approx(59_950.0)


def test_spot_fee_in_base_on_a_sell_needs_the_base() -> None:
    target = funded(**{"binance:spot:BTC": 1.0})
    with pytest.raises(InsufficientBalanceError):
        target.spot_trade("a", "binance", "BTC", "USDT", -1.0, 50_000.0, 0.001, fee_in_base=True)
