"""Trade costs: slippage interpolation between and beyond buckets, fill price, fee and slippage."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.config.venues import SlippageCurve
from basis.errors import InvalidOperationError
from basis.mechanics import trading

from .stubs import slippage_curve


def test_slippage_bps_at_buckets_exact() -> None:
    curve = slippage_curve()
    assert [trading.slippage_bps(curve, n) for n in (10_000.0, 100_000.0, 1_000_000.0)] == [
        3.0,
        4.0,
        8.0,
    ]


def test_slippage_bps_below_first_bucket_flat() -> None:
    curve = slippage_curve()
    assert trading.slippage_bps(curve, 0.0) == 3.0
    assert trading.slippage_bps(curve, 2_500.0) == 3.0


def test_slippage_bps_between_buckets_log_interpolated() -> None:
    curve = slippage_curve()
    # $31,623 = √(10k × 100k) is half-way in log notional: 3 + 0.5 × (4 − 3) = 3.5 bp
    assert trading.slippage_bps(curve, math.sqrt(10_000.0 * 100_000.0)) == pytest.approx(3.5)
    # $50k: 3 + log(50k/10k) / log(100k/10k) × 1 = 3 + log10(5) = 3.699 bp
    assert trading.slippage_bps(curve, 50_000.0) == pytest.approx(3.0 + math.log10(5.0))
    # Above the straight chord in notional, 3 + 40k/90k = 3.444 bp: never understates.
    assert trading.slippage_bps(curve, 50_000.0) > 3.0 + 40_000.0 / 90_000.0
    # $500k on the 4 → 8 bp decade: 4 + log10(5) × 4
    assert trading.slippage_bps(curve, 500_000.0) == pytest.approx(4.0 + 4.0 * math.log10(5.0))


def test_slippage_bps_beyond_last_bucket_extends_last_segment_in_notional() -> None:
    curve = slippage_curve()
    # Last segment: +4 bp per $900k. At $2M: 8 + 4 × (2M − 1M) / 900k = 12.44 bp
    assert trading.slippage_bps(curve, 2_000_000.0) == pytest.approx(8.0 + 4.0 * 1e6 / 9e5)
    # At $10M: 8 + 4 × 9M / 900k = 48 bp
    assert trading.slippage_bps(curve, 10_000_000.0) == pytest.approx(8.0 + 4.0 * 9e6 / 9e5)


def test_slippage_bps_single_bucket_flat_everywhere() -> None:
    curve = slippage_curve((50_000.0,), (20.0,))
    assert trading.slippage_bps(curve, 1.0) == 20.0
    assert trading.slippage_bps(curve, 5e6) == 20.0


def test_slippage_bps_beyond_decreasing_last_segment_raises() -> None:
    curve = slippage_curve((10_000.0, 100_000.0), (10.0, 6.0))
    assert trading.slippage_bps(curve, 50_000.0) == pytest.approx(10.0 - 4.0 * math.log10(5.0))
    with pytest.raises(InvalidOperationError, match="decreases"):
        trading.slippage_bps(curve, 200_000.0)


@pytest.mark.parametrize("notional", [-1.0, math.nan, math.inf])
def test_slippage_bps_bad_notional_raises(notional: float) -> None:
    with pytest.raises(InvalidOperationError, match="notional"):
        trading.slippage_bps(slippage_curve(), notional)


@given(
    bps=st.lists(st.floats(0.0, 50.0), min_size=1, max_size=5).map(sorted),
    a=st.floats(0.0, 1e8),
    b=st.floats(0.0, 1e8),
)
def test_slippage_bps_increasing_curve_monotone_and_continuous(
    bps: list[float], a: float, b: float
) -> None:
    notionals = tuple(10_000.0 * 10.0**k for k in range(len(bps)))
    curve = slippage_curve(notionals, tuple(bps))
    low, high = min(a, b), max(a, b)
    assert trading.slippage_bps(curve, low) <= trading.slippage_bps(curve, high) + 1e-12
    for point, value in zip(notionals, bps, strict=True):
        assert trading.slippage_bps(curve, point * (1 + 1e-12)) == pytest.approx(value, abs=1e-9)


def test_execution_price_buy_pays_up_sell_receives_less() -> None:
    # 5 bp on 3,000: buy 3,000 × 1.0005 = 3,001.50; sell 3,000 × 0.9995 = 2,998.50
    assert trading.execution_price(1, 3_000.0, 5.0) == pytest.approx(3_001.5)
    assert trading.execution_price(-1, 3_000.0, 5.0) == pytest.approx(2_998.5)


@pytest.mark.parametrize(
    ("side", "price", "bps"), [(0, 1.0, 1.0), (2, 1.0, 1.0), (1, 0.0, 1.0), (1, 1.0, -1.0)]
)
def test_execution_price_bad_input_raises(side: int, price: float, bps: float) -> None:
    with pytest.raises(InvalidOperationError):
        trading.execution_price(side, price, bps)


def test_trade_cost_golden() -> None:
    # $250k taker at 5 bp fee with 4 bp slippage: fee 125, slippage 100
    cost = trading.trade_cost(250_000.0, 0.0005, 4.0)
    assert cost.fee == pytest.approx(250_000.0 * 0.0005)
    assert cost.slippage == pytest.approx(250_000.0 * 4.0 / 10_000.0)


def test_trade_cost_maker_rebate_negative_fee() -> None:
    assert trading.trade_cost(100_000.0, -0.0001, 0.0).fee == pytest.approx(-10.0)


@pytest.mark.parametrize(("notional", "fee"), [(-1.0, 0.001), (1.0, 1.0), (1.0, math.nan)])
def test_trade_cost_bad_input_raises(notional: float, fee: float) -> None:
    with pytest.raises(InvalidOperationError):
        trading.trade_cost(notional, fee, 1.0)


@given(
    quantity=st.floats(1e-6, 1e6),
    price=st.floats(1e-2, 1e6),
    bps=st.floats(0.0, 500.0),
    side=st.sampled_from([1, -1]),
)
def test_trade_cost_slippage_equals_fill_price_difference(
    quantity: float, price: float, bps: float, side: int
) -> None:
    # Filling at the execution price costs exactly the slippage of trade_cost, either side.
    notional = quantity * price
    filled = quantity * trading.execution_price(side, price, bps)
    slippage = trading.trade_cost(notional, 0.0, bps).slippage
    assert side * (filled - notional) == pytest.approx(slippage, rel=1e-9, abs=1e-12 * notional)


def test_max_notional_inverts_the_slippage_curve() -> None:
    # weETH's curve: 20 / 27 / 35 bp at $10k / $100k / $1M
    curve = SlippageCurve(notional_usd=(10_000, 100_000, 1_000_000), bps=(20, 27, 35))
    assert trading.max_notional(curve, 15) == 0.0  # even $1 costs 20 bp
    assert trading.max_notional(curve, 20) == 10_000.0
    # log-linear inside a bucket: 10k × 10^((25 − 20)/7) = 51,794.75
    assert trading.max_notional(curve, 25) == pytest.approx(51_794.746792, rel=1e-9)
    # past $1M the line through the last two buckets: 1M + (40 − 35) × 900k / 8 = 1,562,500
    assert trading.max_notional(curve, 40) == pytest.approx(1_562_500.0, rel=1e-12)
    for bps in (20.0, 22.5, 27.0, 31.0, 35.0, 80.0, 695.0):
        size = trading.max_notional(curve, bps)
        assert trading.slippage_bps(curve, size) == pytest.approx(bps, rel=1e-12)
    flat = SlippageCurve(notional_usd=(10_000,), bps=(5,))
    assert trading.max_notional(flat, 5) == math.inf
