"""Interpolation: long runs of points on one straight line."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.data.checks.interpolation import interpolated
from tests.data.builders import frame, hours
from tests.data.checks.stubs import candles, info, random_walk, rewards, zigzag


def daily_interpolated(days: int) -> list[float]:
    """Hourly values linearly interpolated between daily values that zigzag (so each day
    has its own slope): hours 0..23 of day d run from v[d] towards v[d + 1]."""
    daily = [100.0 + (3.0 if d % 2 else 0.0) + 0.5 * d for d in range(days + 1)]
    return [
        daily[h // 24] + (daily[h // 24 + 1] - daily[h // 24]) * (h % 24) / 24
        for h in range(24 * days)
    ]


def test_interpolated_hourly_from_daily_every_row_on_a_line() -> None:
    data = frame("oracle", hours(72), price=daily_interpolated(3))
    [found] = interpolated(data, info("oracle"))
    # Each day's 24 rows plus the next midnight lie on one line: all 72 rows covered.
    assert (found.kind, found.severity, found.count) == ("interpolated", "warning", 72)
    assert "price: 72 of 72 rows (100%)" in found.detail
    assert "longest 25 rows (2024-01-01 00:00 → 2024-01-02 00:00)" in found.detail


def test_interpolated_six_hour_fill_in_a_moving_series_counts_eight_rows() -> None:
    closes = zigzag(40)
    # Rows 10..17 on the straight line from closes[10] to closes[17]: the six points 11..16
    # are linear (the minimum run), rows 10 and 17 are its ends; 9 and 18 bend.
    for i in range(11, 17):
        closes[i] = closes[10] + (closes[17] - closes[10]) * (i - 10) / 7
    [found] = interpolated(candles(hours(40), closes), info())
    assert found.count == 8
    assert "longest 8 rows (2024-01-01 10:00 → 2024-01-01 17:00)" in found.detail


def test_interpolated_five_point_run_below_minimum_not_reported() -> None:
    closes = zigzag(40)
    for i in range(11, 16):
        closes[i] = closes[10] + (closes[16] - closes[10]) * (i - 10) / 6
    assert interpolated(candles(hours(40), closes), info()) == []


def test_interpolated_flat_stale_values_are_not_interpolation() -> None:
    assert interpolated(candles(hours(50), [7.0] * 50), info()) == []


def test_interpolated_slow_exponential_growth_is_flagged_scale_free() -> None:
    """An exchange rate compounding at 3 %/yr moves by ~3e-6 an hour: still a line."""
    rates = (1.03 ** (np.arange(48) / 8760)).tolist()
    data = frame("lst_rates", hours(48), protocol_rate=rates, market_rate=zigzag(48))
    [found] = interpolated(data, info("lst_rates"))
    assert found.count == 48
    assert found.detail.startswith("protocol_rate: 48 of 48 rows")


def test_interpolated_event_series_not_checked() -> None:
    moments = [dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i) for i in range(10)]
    data = rewards(moments, ["EIGEN"] * 10, prices=[float(i) for i in range(1, 11)])
    assert interpolated(data, info("rewards", "event")) == []


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), volatility=st.floats(0.001, 0.05))
def test_interpolated_clean_random_walk_never_flagged(seed: int, volatility: float) -> None:
    assert interpolated(random_walk(400, seed, volatility), info()) == []
