"""Placeholders: a price repeating one value over a week of points or five payouts."""

from __future__ import annotations

import datetime as dt

from basis.data.checks.placeholders import placeholders
from tests.data.builders import T0, frame, hours
from tests.data.checks.stubs import candles, info, rewards, zigzag

WEEKS = [T0 + dt.timedelta(days=7 * i) for i in range(12)]


def test_placeholders_reward_prices_constant_per_token_counted() -> None:
    # EIGEN 3.5 on all seven rows, ETHFI 2.8 on all five, interleaved in the file.
    tokens = ["EIGEN"] * 7 + ["ETHFI"] * 5
    prices = [3.5] * 7 + [2.8] * 5
    [found] = placeholders(rewards(WEEKS, tokens, prices=prices), info("rewards", "event"))
    assert (found.kind, found.severity, found.count) == ("placeholder", "warning", 12)
    assert "quoted_price_usd = 3.5 on 7 consecutive EIGEN rows" in found.detail
    assert "quoted_price_usd = 2.8 on 5 consecutive ETHFI rows" in found.detail


def test_placeholders_four_equal_payouts_not_reported() -> None:
    data = rewards(WEEKS[:4], ["EIGEN"] * 4, prices=[3.5] * 4)
    assert placeholders(data, info("rewards", "event")) == []


def test_placeholders_same_price_split_by_token_not_a_run() -> None:
    # 3.5 on six rows, but alternating tokens: each token has three, under five.
    tokens = ["EIGEN", "ETHFI"] * 3
    data = rewards([T0 + dt.timedelta(days=i) for i in range(6)], tokens, prices=[3.5] * 6)
    assert placeholders(data, info("rewards", "event")) == []


def test_placeholders_missing_prices_break_no_rule() -> None:
    data = rewards(WEEKS[:6], ["EIGEN"] * 6, prices=[None] * 6)
    assert placeholders(data, info("rewards", "event")) == []


def test_placeholders_hourly_price_frozen_for_a_week_counted() -> None:
    closes = zigzag(300)
    closes[100:268] = [42.0] * 168
    [found] = placeholders(candles(hours(300), closes), info())
    assert found.count == 168
    assert (
        "close = 42.0 on 168 consecutive rows (2024-01-05 04:00 → 2024-01-12 03:00)" in found.detail
    )


def test_placeholders_hourly_price_frozen_one_hour_short_of_a_week_not_reported() -> None:
    closes = zigzag(300)
    closes[100:267] = [42.0] * 167
    assert placeholders(candles(hours(300), closes), info()) == []


def test_placeholders_daily_oracle_week_of_one_value_counted() -> None:
    prices = [1.0001, 0.9999] + [1.0] * 7 + [1.0002]
    data = frame("oracle", hours(10, step_hours=24), price=prices)
    [found] = placeholders(data, info("oracle", "1d"))
    assert found.count == 7


def test_placeholders_funding_rate_at_its_floor_is_not_a_price() -> None:
    data = frame("funding", hours(60, step_hours=8), rate=[1e-4] * 60)
    assert placeholders(data, info("funding", "8h")) == []
