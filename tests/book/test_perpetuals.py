"""Perps on the book: entry prices, fills, margin, funding at settlements, liquidation."""

from __future__ import annotations

import re

import pytest

from basis.book import Book, Category
from basis.book import factors as f
from basis.book.perpetuals import resize
from basis.book.risk import perp_liquidations
from basis.errors import InsufficientBalanceError, InvalidOperationError

from .stubs import (
    BINANCE_USDT,
    ETH_PERP,
    HL_PERP,
    MARKS,
    T0,
    book,
    funded,
    hours,
    market,
    snapshot,
)


@pytest.mark.parametrize(
    ("size", "entry", "change", "price", "expected"),
    [
        (0.0, 0.0, -2.0, 2000.0, (-2.0, 2000.0, 0.0)),  # open a short at the fill
        (-2.0, 2000.0, -2.0, 2100.0, (-4.0, 2050.0, 0.0)),  # add: (2×2000 + 2×2100)/4
        (-4.0, 2050.0, 1.0, 2000.0, (-3.0, 2050.0, 50.0)),  # reduce: −1 × (2000 − 2050)
        (-3.0, 2050.0, 3.0, 1950.0, (0.0, 0.0, 300.0)),  # close: −3 × (1950 − 2050)
        (-1.0, 2000.0, 3.0, 1900.0, (2.0, 1900.0, 100.0)),  # flip: close 1, open 2 at 1900
    ],
)
def test_resize_handles_entry_price(
    size: float, entry: float, change: float, price: float, expected: tuple[float, ...]
) -> None:
    assert resize(size, entry, change, price) == pytest.approx(expected)


def test_perp_trade_books_slippage_against_mark_and_fee() -> None:
    # Short 5 ETH at 1999 with mark 2000: slippage = −5 × (2000 − 1999) = −5; fee 5 USDT.
    b = funded(**{"binance:token:USDT": 10_000.0})
    assert b.perp_trade("a", ETH_PERP, -5.0, 1999.0, 5.0) == -5.0
    assert [(e.category, e.amount) for e in b.entries[1:]] == [
        (Category.SLIPPAGE, -5.0),
        (Category.TRADING_FEES, -5.0),
    ]
    assert b.balance("a", ETH_PERP) == -5.0
    assert b.balance("a", BINANCE_USDT) == 9995.0
    assert b.equity() == 10_000.0 - 10.0


def test_perp_close_realises_pnl_into_venue_cash() -> None:
    # Short 2 at 2000, close at 1900 (mark 1900): realised 200, no slippage.
    b = funded(**{"binance:token:USDT": 1000.0})
    b.perp_trade("a", ETH_PERP, -2.0, 2000.0, 0.0)
    b.accrue(hours(1), {f.mark(ETH_PERP): 1900.0, f.price("ETH"): 1900.0})
    b.perp_trade("a", ETH_PERP, 2.0, 1900.0, 0.0)
    assert b.balance("a", BINANCE_USDT) == 1200.0
    assert b.balance("a", ETH_PERP) == 0.0
    assert b.equity() == 1200.0
    assert b.attribution()[Category.PRICE] == 200.0


def test_perp_trade_below_initial_margin_raises_and_changes_nothing() -> None:
    # binance initial margin 5 %: 100 USDT backs at most 2000 notional = 1 ETH.
    b = funded(**{"binance:token:USDT": 100.0})
    b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    before = snapshot(b)
    with pytest.raises(InvalidOperationError, match=re.escape("below the initial margin 0.05")):
        b.perp_trade("a", ETH_PERP, -0.1, 2000.0, 0.0)
    assert snapshot(b) == before


def test_perp_reduce_is_allowed_below_initial_margin() -> None:
    b = funded(**{"binance:token:USDT": 100.0})
    b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    b.accrue(hours(1), {f.mark(ETH_PERP): 2050.0})  # margin 50 / 2050 < 5 %
    b.perp_trade("a", ETH_PERP, 0.5, 2050.0, 0.0)
    assert b.balance("a", ETH_PERP) == -0.5


def test_perp_bad_fill_raises() -> None:
    b = funded(**{"binance:token:USDT": 100.0})
    with pytest.raises(InvalidOperationError, match="needs size != 0 and price > 0"):
        b.perp_trade("a", ETH_PERP, 0.0, 2000.0, 0.0)


def test_funding_short_receives_when_rate_positive() -> None:
    # Short 2 ETH, mark 2000, rate 0.01 %: payment = −(−2) × 2000 × 0.0001 = +0.4 USDT.
    b = book(**{f.mark(ETH_PERP): 2000.0})
    b.deposit("a", BINANCE_USDT, 1000.0)
    b.perp_trade("a", ETH_PERP, -2.0, 2000.0, 0.0)
    b.accrue(hours(8))
    assert b.settle_funding(ETH_PERP, 0.0001) == pytest.approx(0.4)
    assert b.balance("a", BINANCE_USDT) == pytest.approx(1000.4)
    assert b.entries[-1].category is Category.FUNDING


def test_funding_long_pays_when_rate_positive() -> None:
    b = funded(**{"binance:token:USDT": 1000.0})
    b.perp_trade("a", ETH_PERP, 1.0, 2000.0, 0.0)
    b.accrue(hours(8))
    assert b.settle_funding(ETH_PERP, 0.0001) == pytest.approx(-0.2)


def test_funding_skips_positions_opened_at_the_settlement() -> None:
    # Opened at 08:00 after the 08:00 settlement was due: pays nothing at 08:00.
    b = funded(**{"binance:token:USDT": 1000.0})
    b.accrue(hours(8))
    b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    assert b.settle_funding(ETH_PERP, 0.0001) == 0.0
    b.accrue(hours(16))
    assert b.settle_funding(ETH_PERP, 0.0001) == pytest.approx(0.2)


def test_funding_off_schedule_raises() -> None:
    b = funded(**{"binance:token:USDT": 1000.0})
    b.accrue(hours(9))
    with pytest.raises(InvalidOperationError, match="not a funding settlement of binance"):
        b.settle_funding(ETH_PERP, 0.0001)


def test_funding_hourly_venue_settles_every_hour() -> None:
    b = funded(**{"hyperliquid:token:USDC": 1000.0})
    b.perp_trade("a", HL_PERP, -1.0, 2000.0, 0.0)
    b.accrue(hours(1))
    assert b.settle_funding(HL_PERP, 0.00001) == pytest.approx(0.02)


def test_funding_twice_at_one_settlement_raises() -> None:
    b = funded(**{"binance:token:USDT": 1000.0})
    b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    b.accrue(hours(8))
    b.settle_funding(ETH_PERP, 0.0001)
    with pytest.raises(InvalidOperationError, match="already settled"):
        b.settle_funding(ETH_PERP, 0.0001)


def test_cross_liquidation_closes_at_liquidation_price_with_fee() -> None:
    # Short 1 at 2000 with 100 USDT: P = (s·E − W)/(s − mmr·|s|) = (−2000 − 100)/(−1.01)
    # = 2079.2079; fee 0.5 % × 2079.2079 = 10.396; mark 2100 is beyond it.
    b = funded(**{"binance:token:USDT": 100.0})
    b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    b.accrue(hours(1), {f.mark(ETH_PERP): 2100.0, f.price("ETH"): 2100.0})
    before = b.equity()
    result = b.perp_liquidate("a", ETH_PERP)
    level = 2100.0 / 1.01
    assert result.price == pytest.approx(level, rel=1e-12)
    assert result.fee == pytest.approx(0.005 * level, rel=1e-12)
    assert b.balance("a", ETH_PERP) == 0.0
    assert b.balance("a", BINANCE_USDT) == pytest.approx(100 - (level - 2000) - result.fee)
    liquidation, price = b.entries[-2], b.entries[-1]
    assert liquidation.amount == pytest.approx(-result.fee, rel=1e-12)
    assert price.amount == pytest.approx(-(level - 2100.0), rel=1e-12)  # closed under the mark
    assert b.equity() - before == pytest.approx(liquidation.amount + price.amount, rel=1e-9)


def test_liquidation_before_the_price_is_reached_raises() -> None:
    b = funded(**{"binance:token:USDT": 100.0})
    b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    before = snapshot(b)
    with pytest.raises(InvalidOperationError, match="has not reached the liquidation price"):
        b.perp_liquidate("a", ETH_PERP)
    assert snapshot(b) == before


def test_isolated_margin_moves_between_cash_and_position() -> None:
    isolated = _isolated_binance()
    isolated.deposit("a", BINANCE_USDT, 500.0)
    isolated.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0, margin=200.0)
    assert isolated.balance("a", BINANCE_USDT) == 300.0
    (position,) = [h for h in isolated.holdings() if h.instrument == ETH_PERP]
    assert position.isolated_margin == 200.0
    assert isolated.equity() == 500.0
    # (s·E − M)/(s − mmr·|s|) = (−2000 − 200)/(−1.01)
    (risk,) = perp_liquidations(isolated, isolated.marks())
    assert risk.liquidation_price == pytest.approx(2200 / 1.01)
    isolated.perp_margin("a", ETH_PERP, -50.0)
    assert isolated.balance("a", BINANCE_USDT) == 350.0
    with pytest.raises(InsufficientBalanceError, match=re.escape("cannot release 500.0 margin")):
        isolated.perp_margin("a", ETH_PERP, -500.0)
    isolated.perp_trade("a", ETH_PERP, 1.0, 2000.0, 0.0)
    assert isolated.balance("a", BINANCE_USDT) == 500.0  # margin released on close


def test_margin_on_cross_venue_raises() -> None:
    b = funded(**{"binance:token:USDT": 500.0})
    with pytest.raises(InvalidOperationError, match=re.escape("binance is a cross-margin venue")):
        b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0, margin=100.0)


def _isolated_binance() -> Book:
    """An empty book on a binance configured with isolated margin."""
    config = market()
    venue = config.venues["binance"]
    isolated = venue.model_copy(
        update={"margin": venue.margin.model_copy(update={"mode": "isolated"})}
    )
    patched = config.model_copy(update={"venues": {**config.venues, "binance": isolated}})
    return Book(patched, "USDT", T0, MARKS)


def test_isolated_funding_settles_into_the_position_margin() -> None:
    # Isolated short 1 at 2000 with 200 margin, rate 0.01 %: +0.2 USDT into the margin.
    isolated = _isolated_binance()
    isolated.deposit("a", BINANCE_USDT, 500.0)
    isolated.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0, margin=200.0)
    isolated.accrue(hours(8))
    assert isolated.settle_funding(ETH_PERP, 0.0001) == pytest.approx(0.2)
    (position,) = [h for h in isolated.holdings() if h.instrument == ETH_PERP]
    assert position.isolated_margin == pytest.approx(200.2)
    assert isolated.balance("a", BINANCE_USDT) == 300.0
