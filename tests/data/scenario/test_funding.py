"""Funding: settlement arithmetic, schedules, cross-venue structure and shocks."""

from __future__ import annotations

import itertools

import numpy as np

from basis.config.scenarios import FundingConfig, ShockConfig
from basis.data.scenario.funding import (
    WARMUP_HOURS,
    funding_frames,
    settlement_rates,
    simulate_funding,
)
from tests.data.scenario.stubs import START, hours, market, streams, timeline

VENUES = ["binance", "hyperliquid", "okx"]


def test_settlement_rates_average_the_period_just_ended() -> None:
    # APR 0.0876 for 16 h, then 0.1752: the 8 h settlement at bar 8 sees 0.0876,
    # i.e. 0.0876 × 8/8760 = 8e-5 per period; at bar 16 (hours 8..15) also 8e-5.
    apr = np.full(WARMUP_HOURS + 40, 0.0876)
    apr[WARMUP_HOURS + 16 :] = 0.1752
    rates = settlement_rates(apr, 8, np.array([8, 16, 24]))
    np.testing.assert_allclose(rates, [8e-5, 8e-5, 16e-5])


def test_settlement_rates_hourly_venue_is_one_eighth_of_eight_hourly() -> None:
    apr = np.full(WARMUP_HOURS + 30, 0.10)
    hourly = settlement_rates(apr, 1, np.array([8]))
    eight = settlement_rates(apr, 8, np.array([8]))
    np.testing.assert_allclose(hourly * 8, eight)


def test_funding_frames_rows_exactly_at_each_venue_settlement_hours() -> None:
    line = timeline(24 * 10)
    paths = simulate_funding(FundingConfig(), sorted(market().venues), ["ETH"], (), line, streams())
    for item in funding_frames(paths, market().venues, ["ETH"], line):
        venue = market().venue(item.series.split(":")[0])
        schedule = venue.funding
        stamps = item.frame["ts"].to_list()
        assert {t.hour for t in stamps} == set(schedule.hours), item.series
        assert all(
            (b - a).total_seconds() == schedule.interval_hours * 3600
            for a, b in itertools.pairwise(stamps)
        )
        assert stamps[0] == START
        assert len(stamps) == 24 * 10 // schedule.interval_hours
        assert item.interval == f"{schedule.interval_hours}h"


def test_simulate_funding_venue_means_and_cross_venue_correlation() -> None:
    config = FundingConfig()
    line = timeline(24 * 365 * 3)
    paths = simulate_funding(config, VENUES, ["ETH", "BTC"], (), line, streams())
    binance, okx = paths.apr[("binance", "ETH")], paths.apr[("okx", "ETH")]
    assert abs(binance.mean() - 0.08) < 0.015
    assert abs(okx.mean() - 0.06) < 0.015
    assert abs(paths.apr[("binance", "BTC")].mean() - 0.075) < 0.015
    # shared market factor: corr = σc² / (σc² + σv²) = 0.0036 / 0.0040 = 0.9
    assert abs(np.corrcoef(binance, okx)[0, 1] - 0.9) < 0.03


def test_simulate_funding_shock_is_level_plus_venue_deviation() -> None:
    line = timeline(200)
    config = FundingConfig(common_volatility=0.0)
    negative = ShockConfig(
        kind="funding",
        start=START + hours(50),
        duration_hours=100,
        magnitude=-0.2,
        venues=("okx",),
    )
    calm = simulate_funding(config, VENUES, ["ETH"], (), line, streams())
    hit = simulate_funding(config, VENUES, ["ETH"], (negative,), line, streams())
    inside = slice(WARMUP_HOURS + 50, WARMUP_HOURS + 150)
    # without a market factor, calm APR = 0.06 + deviation, so shocked = calm − 0.06 − 0.2
    np.testing.assert_allclose(
        hit.apr[("okx", "ETH")][inside], calm.apr[("okx", "ETH")][inside] - 0.26, atol=1e-15
    )
    np.testing.assert_array_equal(hit.apr[("binance", "ETH")], calm.apr[("binance", "ETH")])
    np.testing.assert_array_equal(
        hit.apr[("okx", "ETH")][: WARMUP_HOURS + 50], calm.apr[("okx", "ETH")][: WARMUP_HOURS + 50]
    )
