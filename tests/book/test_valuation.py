"""Revaluation: each position's value change split exactly into interest, staking, price, basis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.book import Book, Category
from basis.book import factors as f
from basis.book.ledger import COLUMN
from basis.book.valuation import discount_to_par
from basis.errors import InvalidOperationError

from .stubs import ETH_PERP, WEETH_SUPPLY, book, funded, hours


def _pnl(target: Book, category: Category) -> float:
    return target.attribution()[category]


def test_accrue_lst_supply_splits_interest_staking_and_the_lst_discount() -> None:
    # 10 weETH supplied at index 1; rate 1.05 → 1.0503, market 1.05 → 1.04, index → 1.001.
    b = funded("ETH", **{"wallet:token:weETH": 10.0})
    b.aave_supply("a", "weETH", 10.0)
    start = b.equity()  # 10 × 1.05 = 10.5 ETH
    b.accrue(
        hours(1),
        {
            f.liquidity_index("weETH"): 1.001,
            f.protocol_rate("weETH"): 1.0503,
            f.market_rate("weETH"): 1.04,
            f.price("ETH"): 2100.0,  # ETH share class: the ETH price itself changes nothing
        },
    )
    # interest = q·ΔI·m₀ = 10 × 0.001 × 1.05                         = 0.0105
    # staking  = q·I₁·Δr·d₀ = 10 × 1.001 × 0.0003 × 1                = 0.003003
    # discount = q·I₁·r₁·(d₁ − d₀) = 10.01 × 1.0503 × (1.04/1.0503 − 1) = −0.103103
    # price    = q·I₁·m₁·(X₁ − X₀) = 0 (ETH share class)
    assert _pnl(b, Category.SUPPLY_INTEREST) == pytest.approx(0.0105, rel=1e-12)
    assert _pnl(b, Category.STAKING_YIELD) == pytest.approx(0.003003, rel=1e-12)
    assert _pnl(b, Category.LST_DISCOUNT) == pytest.approx(-0.103103, rel=1e-12)
    assert _pnl(b, Category.PRICE) == pytest.approx(0.0, abs=1e-15)
    assert b.equity() - start == pytest.approx(10.01 * 1.04 - 10.5, rel=1e-12)


def test_accrue_hedged_perp_splits_spot_move_and_spread_change() -> None:
    # Short 2 ETH at 2000 (mark = spot = 2000); spot → 2100, mark → 2110.
    b = funded("USDT", **{"binance:token:USDT": 10_000.0})
    b.perp_trade("a", ETH_PERP, -2.0, 2000.0, 0.0)
    b.accrue(hours(1), {f.price("ETH"): 2100.0, f.mark(ETH_PERP): 2110.0})
    # price = size × ΔS = −2 × 100 = −200; basis = size × Δ(M − S) = −2 × (10 − 0) = −20
    assert _pnl(b, Category.PRICE) == -200.0
    assert _pnl(b, Category.BASIS) == -20.0
    assert b.equity() == 10_000.0 - 220.0


def test_accrue_eth_share_class_values_usdt_perp_through_the_quote() -> None:
    # ETH share class, short 2 ETH perp (USDT-margined) at 2000, 4000 USDT cash.
    b = funded("ETH", **{"binance:token:USDT": 4000.0})
    b.perp_trade("a", ETH_PERP, -2.0, 2000.0, 0.0)
    b.accrue(hours(1), {f.price("ETH"): 2100.0, f.mark(ETH_PERP): 2110.0})
    # cash: 4000 × (1/2100 − 1/2000); perp: −2 × 100 / 2000 + (−220) × (1/2100 − 1/2000);
    # basis: −2 × 10 / 2000
    dx = 1 / 2100 - 1 / 2000
    assert _pnl(b, Category.BASIS) == pytest.approx(-0.01, rel=1e-12)
    assert _pnl(b, Category.PRICE) == pytest.approx(4000 * dx - 0.1 - 220 * dx, rel=1e-12)
    assert b.equity() == pytest.approx((4000 - 220) / 2100, rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.5, 2.0), st.floats(0.9, 1.1), st.floats(1.0, 1.01), st.floats(0.97, 1.03)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_accrue_path_equals_step_by_step_accrual(moves: list[tuple[float, ...]]) -> None:
    names = [
        f.price("ETH"),
        f.mark(ETH_PERP),
        f.liquidity_index("weETH"),
        f.protocol_rate("weETH"),
        f.market_rate("weETH"),
        f.borrow_index("WETH"),
    ]
    rows = []
    level = np.array([2000.0, 2000.0, 1.0, 1.05, 1.05, 1.0])
    for eth, spread, growth, peg in moves:
        level = level * np.array([eth, eth * spread, growth, growth, growth * peg, growth])
        rows.append(level.copy())
    path = np.array(rows)
    times = [hours(i + 1) for i in range(len(rows))]
    stepped, vectorised = _leveraged_hedged_book(), _leveraged_hedged_book()
    for at, row in zip(times, path, strict=True):
        stepped.accrue(at, dict(zip(names, row.tolist(), strict=True)))
    steps = vectorised.accrue_path(times, names, path)
    start = _leveraged_hedged_book().attribution()
    for category, value in stepped.attribution().items():
        assert vectorised.attribution()[category] == pytest.approx(value, rel=1e-9, abs=1e-6)
        total = steps[:, COLUMN[category]].sum()
        assert total == pytest.approx(value - start[category], rel=1e-9, abs=1e-6)
    assert vectorised.equity() == pytest.approx(stepped.equity(), rel=1e-12)
    assert vectorised.now == stepped.now == times[-1]


def _leveraged_hedged_book() -> Book:
    b = funded("USDT", **{"wallet:token:weETH": 10.0, "binance:token:USDT": 20_000.0})
    b.set_emode("a", "ETH")
    b.aave_supply("a", "weETH", 10.0)
    b.aave_borrow("a", "WETH", 5.0)
    b.perp_trade("a", ETH_PERP, -5.0, 2000.0, 0.0)
    return b


def test_accrue_path_bad_shape_raises() -> None:
    b = book()
    with pytest.raises(InvalidOperationError, match="do not match"):
        b.accrue_path([hours(1)], [f.price("ETH")], np.ones((2, 1)))


def test_weeth_supply_row_points_at_its_factors() -> None:
    b = funded("ETH", **{"wallet:token:weETH": 1.0})
    b.aave_supply("a", "weETH", 1.0)
    row = b.units.rows[("a", WEETH_SUPPLY)]
    marks = b.marks()
    expected = [
        marks.column(f.liquidity_index("weETH")),
        marks.column(f.protocol_rate("weETH")),
        marks.column(f.market_rate("weETH")),
        marks.column(f.price("ETH")),
    ]
    assert b.units.columns[:, row].tolist() == expected


def test_discount_to_par_is_the_value_at_market_less_at_the_protocol_rate() -> None:
    # 10 weETH in the wallet and 5 supplied at index 1.001 (ETH share class), protocol 1.05,
    # market 1.04: (10 + 5 × 1.001) × (1.04 − 1.05) = −0.15005 ETH; cash and perps add 0.
    b = funded("ETH", **{"wallet:token:weETH": 15.0, "binance:token:USDT": 1000.0})
    b.aave_supply("a", "weETH", 5.0)
    b.accrue(hours(1), {f.liquidity_index("weETH"): 1.001, f.market_rate("weETH"): 1.04})
    held = discount_to_par(b.units, b.marks().values, b.share_column)
    assert float(held.sum()) == pytest.approx(-(10 + 5 * 1.001) * 0.01, rel=1e-12)
