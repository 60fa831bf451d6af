"""Rewards: payout calendar, partial periods, token pricing."""

from __future__ import annotations

import datetime as dt

import numpy as np

from basis.config.scenarios import AssetPriceConfig, RewardProgramConfig, TokenPriceConfig
from basis.data.scenario.prices import simulate_prices
from basis.data.scenario.rewards import payout_periods, reward_frame, simulate_tokens
from basis.data.scenario.timeline import Timeline
from tests.data.scenario.stubs import START, streams, timeline

TOKENS = {"EIGEN": TokenPriceConfig(initial=0.002, volatility=0.8)}


def test_payout_periods_weekly_every_seven_days() -> None:
    starts, payouts = payout_periods("weekly", timeline(24 * 22))
    np.testing.assert_array_equal(payouts, [168, 336, 504])
    np.testing.assert_array_equal(starts, [0, 168, 336])


def test_payout_periods_monthly_on_the_first_with_partial_start() -> None:
    line = Timeline(dt.datetime(2024, 1, 15, tzinfo=dt.UTC), 24 * 60, "x")
    starts, payouts = payout_periods("monthly", line)
    # 2024-02-01 is 17 days after 2024-01-15, 2024-03-01 another 29 days
    np.testing.assert_array_equal(payouts, [17 * 24, 46 * 24])
    np.testing.assert_array_equal(starts, [0, 17 * 24])


def test_reward_frame_amounts_prices_and_order() -> None:
    line = Timeline(dt.datetime(2024, 1, 15, tzinfo=dt.UTC), 24 * 60, "x")
    tokens = simulate_tokens(TOKENS, line, streams())
    eth = simulate_prices(
        {"ETH": AssetPriceConfig(initial=2000, volatility=0.5)}, (), line, streams()
    )
    programs = (
        RewardProgramConfig(
            token="EIGEN", schedule="monthly", amount_per_lst=0.31, amount_volatility=0
        ),
        RewardProgramConfig(
            token="EIGEN", schedule="weekly", amount_per_lst=0.2, amount_volatility=0
        ),
    )
    frame = reward_frame(
        "etherfi:rewards:weETH", programs, tokens, eth["ETH"], line, streams()
    ).frame
    assert frame["ts"].is_sorted()
    assert frame["source_row"].to_list() == list(range(1, frame.height + 1))
    monthly = frame.filter(frame["period_end"] == dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    monthly = monthly.filter(monthly["period_start"] == dt.datetime(2024, 1, 15, tzinfo=dt.UTC))
    # 17 of January's 31 days: 0.31 × 17/31 = 0.17
    np.testing.assert_allclose(monthly["amount_per_lst"].to_numpy(), [0.17])
    weekly = frame.filter(frame["period_end"] - frame["period_start"] == dt.timedelta(days=7))
    np.testing.assert_allclose(weekly["amount_per_lst"].to_numpy(), 0.2)
    payout = 17 * 24
    expected = tokens["EIGEN"].at(np.array([payout])) * eth["ETH"].at(np.array([payout]))
    np.testing.assert_allclose(monthly["quoted_price_usd"].to_numpy(), expected)
    assert not frame["estimated"].any()


def test_simulate_tokens_starts_at_initial_weth_price() -> None:
    path = simulate_tokens(TOKENS, timeline(10), streams())["EIGEN"]
    np.testing.assert_allclose(path.at(np.array([0])), [0.002])
    assert START.tzinfo is dt.UTC
