"""Perp mechanics: P&L, funding over settlements, margin, liquidation prices and liquidation."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.errors import InvalidOperationError
from basis.mechanics import perps

from .stubs import funding_schedule, margin_config, utc

sizes = st.floats(min_value=1e-6, max_value=1e6)
prices = st.floats(min_value=1e-2, max_value=1e6)
funding_rates = st.floats(min_value=1e-8, max_value=0.01)


# -- P&L and funding -----------------------------------------------------------------------


def test_unrealised_pnl_short_golden() -> None:
    # short 10 BTC at 60,000, mark 58,500: −10 × (58,500 − 60,000) = +15,000
    assert perps.unrealised_pnl(-10.0, 60_000.0, 58_500.0) == -10.0 * (58_500.0 - 60_000.0)
    assert perps.unrealised_pnl(2.0, 3_000.0, 3_100.0) == 2.0 * 100.0


def test_funding_short_three_settlements_receives_180() -> None:
    # Open 07:00, close next day 00:00 → settlements 08:00, 16:00, 00:00.
    opened, closed = utc(2024, 1, 1, 7), utc(2024, 1, 2, 0)
    settlements = perps.settlements_between(opened, closed, funding_schedule(8))
    assert settlements == [utc(2024, 1, 1, 8), utc(2024, 1, 1, 16), utc(2024, 1, 2, 0)]
    # Each: −(−10) × 60,000 × 0.0001 = +60 USDT; three of them = +180 USDT.
    received = sum(perps.funding_payment(-10.0, 60_000.0, 0.0001) for _ in settlements)
    assert received == pytest.approx(3 * 10.0 * 60_000.0 * 0.0001)
    assert received == pytest.approx(180.0)


def test_funding_position_not_open_at_settlement_receives_nothing() -> None:
    # Opened at the 08:00 settlement instant (filled after it), closed 15:59: no settlement.
    assert (
        perps.settlements_between(utc(2024, 1, 1, 8), utc(2024, 1, 1, 15, 59), funding_schedule())
        == []
    )
    # Opened 00:30, closed 07:59: the 08:00 settlement comes after the close.
    assert (
        perps.settlements_between(
            utc(2024, 1, 1, 0, 30), utc(2024, 1, 1, 7, 59), funding_schedule()
        )
        == []
    )


def test_settlements_between_close_at_settlement_pays_it() -> None:
    # Opened at 08:00, closed at 16:00: pays 16:00 (open at it), not 08:00.
    got = perps.settlements_between(utc(2024, 1, 1, 8), utc(2024, 1, 1, 16), funding_schedule())
    assert got == [utc(2024, 1, 1, 16)]


def test_settlements_between_hourly_venue_one_day() -> None:
    got = perps.settlements_between(utc(2024, 1, 1), utc(2024, 1, 2), funding_schedule(1))
    assert got == [utc(2024, 1, 1) + timedelta(hours=h) for h in range(1, 25)]


def test_settlements_between_other_timezone_returns_utc() -> None:
    # 09:30 at UTC+2 is 07:30 UTC: next settlement 08:00 UTC.
    start = datetime(2024, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    got = perps.settlements_between(start, utc(2024, 1, 1, 8), funding_schedule())
    assert got == [utc(2024, 1, 1, 8)]
    assert got[0].utcoffset() == timedelta(0)


def test_settlements_between_naive_or_reversed_raises() -> None:
    with pytest.raises(InvalidOperationError, match="timezone"):
        perps.settlements_between(datetime(2024, 1, 1), utc(2024, 1, 2), funding_schedule())
    with pytest.raises(InvalidOperationError, match="before start"):
        perps.settlements_between(utc(2024, 1, 2), utc(2024, 1, 1), funding_schedule())


@given(
    first=st.integers(0, 72 * 60),
    second=st.integers(0, 72 * 60),
    interval=st.sampled_from([1, 2, 4, 8]),
)
def test_settlements_between_consecutive_intervals_count_each_once(
    first: int, second: int, interval: int
) -> None:
    schedule = funding_schedule(interval)
    a = utc(2024, 2, 28, 5, 17)
    b = a + timedelta(minutes=first)
    c = b + timedelta(minutes=second)
    parts = perps.settlements_between(a, b, schedule) + perps.settlements_between(b, c, schedule)
    assert parts == perps.settlements_between(a, c, schedule)
    assert all(s.hour in schedule.hours and s.minute == 0 for s in parts)


@given(size=sizes, mark=prices, rate=funding_rates)
def test_funding_payment_positive_rate_shorts_receive_longs_pay(
    size: float, mark: float, rate: float
) -> None:
    assert perps.funding_payment(-size, mark, rate) > 0.0
    assert perps.funding_payment(size, mark, rate) < 0.0
    assert perps.funding_payment(-size, mark, -rate) < 0.0


@pytest.mark.parametrize(
    ("size", "mark", "rate"), [(math.nan, 1.0, 0.0), (1.0, 0.0, 0.0), (1.0, 1.0, math.inf)]
)
def test_funding_payment_bad_input_raises(size: float, mark: float, rate: float) -> None:
    with pytest.raises(InvalidOperationError):
        perps.funding_payment(size, mark, rate)


# -- margin ----------------------------------------------------------------------------------


def test_margin_ratio_golden_and_zero_notional() -> None:
    assert perps.margin_ratio(15_000.0, 100_000.0) == 0.15
    assert perps.margin_ratio(-500.0, 100_000.0) == -0.005
    assert perps.margin_ratio(1_000.0, 0.0) == math.inf


def test_margin_ratio_negative_notional_raises() -> None:
    with pytest.raises(InvalidOperationError, match="notional"):
        perps.margin_ratio(1.0, -1.0)


def test_maintenance_margin_golden() -> None:
    # 1 % of 600,000
    assert perps.maintenance_margin(600_000.0, margin_config(maintenance=0.01)) == 6_000.0


def test_liquidation_price_isolated_long_golden() -> None:
    # Long 1 BTC at 60,000 with 3,000 isolated margin, mmr 1 %.
    # Liquidated when 3,000 + (P − 60,000) = 0.01 × P → P = 57,000 / 0.99 = 57,575.76
    price = perps.liquidation_price_isolated(1.0, 60_000.0, 3_000.0, margin_config())
    assert price == pytest.approx((60_000.0 - 3_000.0) / (1 - 0.01))
    # Check: margin balance at P equals maintenance at P.
    assert 3_000.0 + (price - 60_000.0) == pytest.approx(0.01 * price)


def test_liquidation_price_cross_short_golden() -> None:
    # Short 10 BTC at 60,000; account equity without this P&L 100,000; other maintenance 5,000.
    # 100,000 − 10 (P − 60,000) = 0.01 × 10 × P + 5,000
    # → 100,000 + 600,000 − 5,000 = 10.1 P → P = 695,000 / 10.1 = 68,811.88
    price = perps.liquidation_price_cross(
        -10.0, 60_000.0, 100_000.0, margin_config(), other_maintenance=5_000.0
    )
    assert price == pytest.approx((100_000.0 + 600_000.0 - 5_000.0) / 10.1)
    equity = 100_000.0 + perps.unrealised_pnl(-10.0, 60_000.0, price)
    assert equity == pytest.approx(
        perps.maintenance_margin(10.0 * price, margin_config()) + 5_000.0
    )


def test_liquidation_price_isolated_fully_funded_long_not_positive() -> None:
    # A 1× long (margin = notional) can only be liquidated below 0: (60,000 − 60,000) / 0.99 = 0.
    assert perps.liquidation_price_isolated(1.0, 60_000.0, 60_000.0, margin_config()) <= 0.0


def test_liquidation_price_zero_size_raises() -> None:
    with pytest.raises(InvalidOperationError, match="size is 0"):
        perps.liquidation_price_isolated(0.0, 60_000.0, 3_000.0, margin_config())
    with pytest.raises(InvalidOperationError, match="size is 0"):
        perps.liquidation_price_cross(0.0, 60_000.0, 3_000.0, margin_config())


@given(
    size=sizes,
    long=st.booleans(),
    entry=prices,
    mmr=st.floats(0.001, 0.05),
    cushion=st.floats(0.0, 1.0),
)
def test_liquidation_price_isolated_margin_equals_maintenance_there(
    size: float, long: bool, entry: float, mmr: float, cushion: float
) -> None:
    # Margin between 1.01 × maintenance and 90 % of the notional (leverage above 1.1×).
    fraction = mmr * 1.01 + cushion * (0.9 - mmr * 1.01)
    margin_amount = fraction * size * entry
    signed = size if long else -size
    config = margin_config(maintenance=mmr, initial=0.9)
    price = perps.liquidation_price_isolated(signed, entry, margin_amount, config)
    balance = margin_amount + perps.unrealised_pnl(signed, entry, price)
    assert balance == pytest.approx(mmr * size * price, rel=1e-9, abs=1e-9 * size * entry)
    # With margin above maintenance, liquidation lies on the losing side of the entry.
    assert (price < entry) if long else (price > entry)


# -- liquidation -----------------------------------------------------------------------------


def test_liquidate_position_long_golden() -> None:
    config = margin_config(maintenance=0.01, liquidation_fee=0.005)
    price = perps.liquidation_price_isolated(1.0, 60_000.0, 3_000.0, config)
    result = perps.liquidate_position(1.0, 60_000.0, price, config)
    assert result.price == price
    # P&L 1 × (57,575.76 − 60,000) = −2,424.24; fee 0.5 % × 57,575.76 = 287.88
    assert result.realised_pnl == pytest.approx(57_000.0 / 0.99 - 60_000.0)
    assert result.fee == pytest.approx(0.005 * 57_000.0 / 0.99)
    # What is left of the 3,000 margin is the maintenance less the fee: 575.76 − 287.88
    left = 3_000.0 + result.realised_pnl - result.fee
    assert left == pytest.approx((0.01 - 0.005) * price)


def test_liquidate_position_short_fee_on_absolute_notional() -> None:
    result = perps.liquidate_position(-2.0, 3_000.0, 3_300.0, margin_config(liquidation_fee=0.01))
    assert result.realised_pnl == pytest.approx(-2.0 * 300.0)
    assert result.fee == pytest.approx(0.01 * 2.0 * 3_300.0)


@pytest.mark.parametrize(("size", "price"), [(0.0, 1.0), (1.0, 0.0), (1.0, -5.0)])
def test_liquidate_position_bad_input_raises(size: float, price: float) -> None:
    with pytest.raises(InvalidOperationError):
        perps.liquidate_position(size, 100.0, price, margin_config())
