"""Outliers: reverting one-bar spikes and one-bar jumps beyond the robust move size."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.data.checks.outliers import flag, outliers
from tests.data.builders import T0, frame, hours
from tests.data.checks.stubs import candles, info, random_walk, rewards, tips


def wiggle(n: int, move: float = 0.01) -> list[float]:
    """Prices whose log moves alternate +move, -move: every move is `move`, so sigma is
    1.4826 × move and a spike needs legs of at least 10 × 1.4826 × move."""
    return [100.0 * math.exp(move * (i % 2)) for i in range(n)]


def test_outliers_bad_tick_twenty_percent_one_spike_with_row() -> None:
    closes = wiggle(100)
    closes[50] *= 1.2  # legs of log(1.2) ≈ 0.18 > 10 × 0.0148
    [found] = outliers(candles(hours(100), closes), info())
    assert (found.kind, found.severity, found.count) == ("outlier", "warning", 1)
    # The bar before (odd index) is 100·e^0.01, so the move in is 1.2 / e^0.01 - 1.
    assert f"spike {1.2 / math.exp(0.01) - 1:+.2%} at 2024-01-03 02:00 (row 52)" in found.detail


def test_outliers_spike_just_below_ten_sigma_not_reported() -> None:
    closes = wiggle(100)
    closes[50] *= math.exp(0.14)  # legs ≈ 0.14 (and 0.13) < 10 × 0.0148
    assert outliers(candles(hours(100), closes), info()) == []


def test_outliers_decimal_shift_one_jump() -> None:
    closes = wiggle(100)
    shifted = closes[:60] + [value * 1000 for value in closes[60:]]
    [found] = outliers(candles(hours(100), shifted), info())
    assert found.count == 1
    assert f"jump {1000 / math.exp(0.01) - 1:+.2%} at 2024-01-03 12:00 (row 62)" in found.detail


def test_outliers_quiet_series_blip_below_half_percent_not_reported() -> None:
    closes = wiggle(100, move=0.0001)
    closes[50] *= 1.003  # 30 sigma, but under the 0.5 % floor
    assert outliers(candles(hours(100), closes), info()) == []
    closes[50] *= 1.003  # now 0.6 %
    assert len(outliers(candles(hours(100), closes), info())) == 1


def test_outliers_funding_swing_below_five_bp_ignored_unit_error_reported() -> None:
    rates = [1e-4 + (2e-6 if i % 2 else 0.0) for i in range(60)]
    rates[30] = 4e-4  # a 3 bp swing that reverts: ordinary
    settlements = hours(60, step_hours=8)
    assert outliers(frame("funding", settlements, rate=rates), info("funding", "8h")) == []
    rates[30] = 1e-2  # the rate in percent instead of decimal
    [found] = outliers(frame("funding", settlements, rate=rates), info("funding", "8h"))
    assert "rate 1: spike +0.0099 at" in found.detail


def test_outliers_priority_fee_spike_reported_by_the_fee_rule() -> None:
    p50 = tips(30)
    p50[25] = 800.0  # the day's median is 1.5 (tests/data/checks/test_fees.py)
    gas = frame("gas", hours(30), priority_fee_p50_gwei=p50, gas_price_gwei=p50)
    [found] = outliers(gas, info("gas", series="ethereum:gas:mainnet"))
    assert (found.kind, found.severity, found.count) == ("outlier", "warning", 1)
    assert "trailing 24-observation median fee (≥ 10σ and 10 gwei above it" in found.detail
    assert "priority_fee_p50_gwei 1: 800 gwei vs median 1.5 at 2024-01-02 01:00 (row 27)" in (
        found.detail
    )


def test_outliers_gas_base_fee_and_gas_price_spikes_are_real() -> None:
    surge = [10.0] * 30
    surge[25] = 700.0  # base fee 70× in an hour (2024-08-05): real, not checked
    gas = frame("gas", hours(30), base_fee_gwei=surge, gas_price_gwei=surge)
    assert outliers(gas, info("gas", series="ethereum:gas:mainnet")) == []


def test_outliers_event_series_not_checked() -> None:
    data = rewards([T0, T0, T0], ["EIGEN"] * 3, prices=[1.0, 100.0, 1.0])
    assert outliers(data, info("rewards", "event")) == []


def test_outliers_nan_and_non_positive_prices_skipped() -> None:
    closes = wiggle(40)
    closes[10], closes[20] = float("nan"), 0.0
    assert outliers(candles(hours(40), closes), info()) == []


def test_flag_spike_and_its_legs_are_one_point() -> None:
    path = np.log(np.array(wiggle(40)))
    path[20] += 1.0
    spikes, jumps = flag(path, 0.005)
    assert np.flatnonzero(spikes).tolist() == [20]
    assert not jumps.any()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), volatility=st.floats(0.002, 0.05))
def test_outliers_clean_random_walk_rarely_flagged(seed: int, volatility: float) -> None:
    """Gaussian moves never reach 10 robust sigmas (p < 1e-20 per point)."""
    data = random_walk(500, seed, volatility)
    assert outliers(data, info()) == []
