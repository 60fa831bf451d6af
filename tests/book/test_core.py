"""The book's core: atomic groups, reading views, attribution, accrual checks."""

from __future__ import annotations

from datetime import datetime

import pytest

from basis.book import Book, Category, Instrument
from basis.book import factors as f
from basis.errors import InvalidOperationError

from .stubs import (
    ETH_PERP,
    MARKS,
    T0,
    WALLET_ETH,
    WALLET_USDT,
    book,
    funded,
    hours,
    market,
    snapshot,
)


def test_atomic_error_restores_positions_ledger_marks_and_time() -> None:
    b = funded(**{"wallet:token:ETH": 1.0, "binance:token:USDT": 1000.0})
    before = snapshot(b)

    def group() -> None:
        with b.atomic():
            b.swap("a", WALLET_ETH, 0.5, Instrument.wallet("USDT"), 990.0)
            b.perp_trade("a", ETH_PERP, -0.5, 2000.0, 1.0)
            b.accrue(hours(3), {f.price("ETH"): 2500.0})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        group()
    assert snapshot(b) == before
    assert b.balance("a", WALLET_USDT) == 0.0


def test_atomic_inner_failure_caught_keeps_outer_work() -> None:
    b = funded(**{"wallet:token:USDT": 100.0})

    def inner() -> None:
        with b.atomic():
            b.withdraw("a", WALLET_USDT, 10.0)
            b.withdraw("a", WALLET_USDT, -1.0)

    with b.atomic():
        b.withdraw("a", WALLET_USDT, 10.0)
        with pytest.raises(InvalidOperationError):
            inner()
    assert b.balance("a", WALLET_USDT) == 90.0
    assert [e.amount for e in b.entries] == [100.0, -10.0]


def test_attribution_by_position_sums_to_attribution() -> None:
    b = funded(**{"wallet:token:weETH": 10.0, "binance:token:USDT": 5000.0})
    b.aave_supply("a", "weETH", 4.0)
    b.perp_trade("a", ETH_PERP, -5.0, 1999.0, 2.0)
    b.accrue(hours(8), {f.price("ETH"): 2100.0, f.mark(ETH_PERP): 2104.0}, {"weETH": 0.01})
    b.settle_funding(ETH_PERP, 0.0001)
    totals = b.attribution()
    by_position = b.attribution_by_position()
    for category in Category:
        summed = sum(per.get(category, 0.0) for per in by_position.values())
        assert summed == pytest.approx(totals[category], rel=1e-12, abs=1e-12)
    assert set(by_position[("a", ETH_PERP)]) == {
        Category.PRICE,
        Category.BASIS,
        Category.SLIPPAGE,
        Category.TRADING_FEES,
        Category.FUNDING,
    }


def test_holdings_lists_only_non_empty_positions() -> None:
    b = funded(**{"wallet:token:USDT": 10.0, "wallet:token:ETH": 1.0})
    b.withdraw("a", WALLET_USDT, 10.0)
    assert [(h.account, str(h.instrument), h.quantity) for h in b.holdings()] == [
        ("a", "wallet:token:ETH", 1.0)
    ]


def test_book_without_share_class_price_raises() -> None:
    marks = {name: value for name, value in MARKS.items() if name != f.price("USDT")}
    with pytest.raises(InvalidOperationError, match="no mark for price:USDT"):
        Book(market(), "USDT", T0, marks)


def test_accrue_naive_time_raises() -> None:
    with pytest.raises(InvalidOperationError, match="timezone-aware"):
        book().accrue(datetime(2024, 1, 2))


def test_accrue_bad_mark_changes_nothing() -> None:
    b = funded(**{"wallet:token:ETH": 1.0})
    before = snapshot(b)
    with pytest.raises(InvalidOperationError, match="must be finite and > 0"):
        b.accrue(hours(1), {f.price("ETH"): -5.0})
    assert snapshot(b) == before


def test_account_name_must_be_an_identifier() -> None:
    with pytest.raises(InvalidOperationError, match="account name"):
        book().deposit("fund a", WALLET_USDT, 1.0)
