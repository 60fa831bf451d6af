"""A unified venue account in the book: spot is collateral, margin and liquidation account-level."""

from __future__ import annotations

import pytest

from basis.book import Book, Instrument, Kind
from basis.book import factors as f
from basis.book.risk import margins, perp_liquidations
from basis.config import MarketConfig
from basis.errors import ConfigError, InvalidOperationError

from .stubs import MARKS, T0, hours, market

BTC_PERP = Instrument.perp("binance", "BTCUSDT")
BTC_SPOT = Instrument("binance", Kind.SPOT, "BTC")
CASH = Instrument.token("binance", "USDT")


def unified_market() -> MarketConfig:
    return market().with_margin_model("unified", ["binance"])


def basis_book(on: MarketConfig, cash: float = 20_000.0) -> Book:
    """`cash` USDT and 10 BTC on binance, then short 10 BTC at 50,000 (no fee)."""
    book = Book(on, "USDT", T0, {**MARKS, f.mark(BTC_PERP): 50_000.0})
    book.deposit("a", CASH, cash)
    book.deposit("a", BTC_SPOT, 10.0)
    book.perp_trade("a", BTC_PERP, -10.0, 50_000.0, 0.0)
    return book


def test_spot_counts_as_margin_after_its_haircut() -> None:
    # 20,000 + 0.95 × 10 × 50,000 + P&L 0 = 495,000 on a 500,000 notional.
    book = basis_book(unified_market())
    (margin,) = margins(book, book.marks())
    assert margin.margin_balance == pytest.approx(495_000.0)
    assert margin.margin_ratio == pytest.approx(0.99)


def test_the_same_short_is_refused_on_a_cash_account() -> None:
    # cash model: 20,000 / 500,000 = 0.04, below binance's 5 % initial margin
    with pytest.raises(InvalidOperationError, match=r"below the initial margin 0\.05"):
        basis_book(market())


def test_liquidation_price_is_the_hand_worked_one_and_the_venue_liquidates_there() -> None:
    # tests/mechanics/test_unified.py: 537,115 / 0.7625 = 704,413.11 (Binance brackets, 1.05)
    book = basis_book(unified_market())
    (position,) = perp_liquidations(book, book.marks())
    assert position.liquidation_price == pytest.approx(537_115 / 0.7625)
    assert position.rises and not position.reached
    assert position.distance == pytest.approx(537_115 / 0.7625 / 50_000 - 1)
    level = 537_115 / 0.7625
    book.accrue(hours(1), {f.mark(BTC_PERP): level * 0.999, f.price("BTC"): level * 0.999})
    with pytest.raises(InvalidOperationError, match="has not reached"):
        book.perp_liquidate("a", BTC_PERP)
    book.accrue(hours(2), {f.mark(BTC_PERP): level * 1.001, f.price("BTC"): level * 1.001})
    (position,) = perp_liquidations(book, book.marks())
    assert position.reached
    closed = book.perp_liquidate("a", BTC_PERP)
    assert closed.price == pytest.approx(level, rel=1e-12)  # the level, not the mark
    assert book.balance("a", BTC_SPOT) == 10.0  # the spot stays; the short is closed


def test_a_market_without_unified_parameters_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="venue 'hyperliquid' has no unified-margin parameters"):
        market().with_margin_model("unified", ["binance", "hyperliquid"])


def test_cash_model_on_a_venue_keeps_its_parameters_but_ignores_spot() -> None:
    # back on cash, the same book's balance is its cash and P&L only: 20,000 + 480,000 of
    # extra cash deposited to pass the initial margin, the 10 BTC not counted
    on = unified_market().with_margin_model("cash", ["binance"])
    assert on.venue("binance").margin.unified is not None
    book = basis_book(on, cash=500_000.0)
    (margin,) = margins(book, book.marks())
    assert margin.margin_balance == pytest.approx(500_000.0)
    (position,) = perp_liquidations(book, book.marks())
    # cash cross formula: P = (s·E − W) / (s − mmr·|s|) = (−500,000 − 500,000) / −10.1
    assert position.liquidation_price == pytest.approx(1_000_000 / 10.1)
