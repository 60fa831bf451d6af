"""Funding settled up to now: trailing means by hand, the window's edges, no read past now,
the live tape, and the market data's history at each step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from basis.book import Instrument
from basis.errors import InvalidOperationError
from basis.model.funding import FundingHistory, FundingTape, SettledRates
from basis.model.market import FundingFeed, MarketData

HOUR = 3600.0
PERP = Instrument.parse("binance:perp:ETHUSDT")
OTHER = Instrument.parse("hyperliquid:perp:ETHUSDC")


def eight_hourly(rates: list[float], now: float) -> FundingHistory:
    """Settlements at hours 0, 8, 16, … with `rates`, read at hour `now`."""
    times = np.arange(len(rates)) * 8.0 * HOUR
    return FundingHistory({PERP: SettledRates(times, np.array(rates))}, now * HOUR)


def test_trailing_mean_of_a_hand_made_history_is_the_mean_of_its_window() -> None:
    # settlements at 0, 8, 16, 24, 32 h; at 32 h the 24 h window (8 h, 32 h] holds 16, 24, 32
    history = eight_hourly([0.9, 0.5, 0.1, 0.2, 0.3], now=32)
    assert history.trailing_mean(PERP, 24).tolist() == [pytest.approx((0.1 + 0.2 + 0.3) / 3)]


def test_the_window_is_open_at_its_start_and_closed_at_t() -> None:
    history = eight_hourly([0.4, 0.2, 0.6, 0.8], now=24)
    at = np.array([0.0, 8.0, 23.0, 24.0]) * HOUR
    # at 0 h: {0.4}; 8 h: {0.4, 0.2}; 23 h: {0.4, 0.2, 0.6}; 24 h: (0, 24] drops the 0 h one
    expected = [0.4, 0.3, 0.4, (0.2 + 0.6 + 0.8) / 3]
    np.testing.assert_allclose(history.trailing_mean(PERP, 24, at), expected, rtol=1e-15)


def test_missing_rates_are_skipped_and_an_empty_window_is_nan() -> None:
    history = eight_hourly([0.3, math.nan, 0.5, math.nan], now=48)
    at = np.array([16.0, 24.0, 48.0]) * HOUR
    # 16 h: {0.3, NaN, 0.5}; 24 h: (0, 24] = {NaN, 0.5, NaN}; 48 h: (24, 48] holds nothing
    result = history.trailing_mean(PERP, 24, at)
    np.testing.assert_allclose(result[:2], [0.4, 0.5], rtol=1e-15)
    assert math.isnan(result[2])
    assert math.isnan(history.trailing_mean(OTHER, 24)[0])  # a perp never settled
    assert math.isnan(FundingHistory().trailing_mean(PERP, 24)[0])  # nothing known


def test_nothing_settled_after_now_is_read() -> None:
    """The arrays hold a settlement at 24 h that a history read at 16 h must not see, even
    when asked about a later time."""
    history = eight_hourly([0.1, 0.2, 0.3, 99.0], now=16)
    at = np.array([16.0, 24.0]) * HOUR
    np.testing.assert_allclose(history.trailing_mean(PERP, 24, at), [0.2, 0.25], rtol=1e-15)


def test_a_span_of_times_reads_as_each_time_alone() -> None:
    rng = np.random.default_rng(7)
    rates = rng.normal(1e-4, 5e-5, 200)
    rates[rng.integers(0, 200, 20)] = math.nan
    history = eight_hourly(rates.tolist(), now=8 * 199)
    at = np.arange(0.0, 8 * 199 + 1) * HOUR
    span = history.trailing_mean(PERP, 24, at)
    one_by_one = [eight_hourly(rates.tolist(), now=t / HOUR).trailing_mean(PERP, 24)[0] for t in at]
    np.testing.assert_allclose(span, one_by_one, rtol=1e-12, atol=0.0)
    assert np.array_equal(np.isnan(span), np.isnan(one_by_one))


def test_a_tape_knows_what_was_recorded_up_to_now() -> None:
    tape = FundingTape()
    tape.record(PERP, 0.0, 0.1)
    tape.record(PERP, 8 * HOUR, 0.3)
    before = tape.history(8 * HOUR)
    tape.record(PERP, 16 * HOUR, 0.8)
    assert before.trailing_mean(PERP, 24).tolist() == [pytest.approx(0.2)]
    later = tape.history(16 * HOUR)
    assert later.trailing_mean(PERP, 24).tolist() == [pytest.approx(0.4)]
    assert before.trailing_mean(PERP, 24).tolist() == [pytest.approx(0.2)]  # unchanged


def test_a_tape_refuses_a_settlement_out_of_order() -> None:
    tape = FundingTape()
    tape.record(PERP, 8 * HOUR, 0.1)
    with pytest.raises(InvalidOperationError, match="not after the last recorded"):
        tape.record(PERP, 8 * HOUR, 0.2)
    tape.record(OTHER, 0.0, 0.2)  # another perp has its own order


def test_market_data_history_at_a_step_is_the_feed_up_to_that_step() -> None:
    """Hourly grid, settlements every 8 h; changing every rate after step 16 leaves the
    history at step 16 as it was."""
    steps = 40
    times = (np.arange(steps) * 3600).astype(np.int64)
    settles = np.arange(steps) % 8 == 0
    rate = np.where(settles, np.arange(steps) * 1e-5, np.nan)

    def data(rates: np.ndarray) -> MarketData:
        feeds = (FundingFeed(PERP, rates, settles),)
        gas = np.zeros(steps)
        return MarketData("hand", times, (), np.empty((steps, 0)), feeds, gas, gas)

    later = rate.copy()
    later[17:] = 1.0
    for source in (data(rate), data(later)):
        snapshot = source.snapshot(16)
        assert snapshot.funding_history.now == 16 * HOUR
        # (−8 h, 16 h] holds the settlements at 0, 8 and 16 h: 0, 8e-5, 16e-5
        assert snapshot.funding_history.trailing_mean(PERP, 24).tolist() == [pytest.approx(8e-5)]
    assert data(later).funding_history(24).trailing_mean(PERP, 24).tolist() == [
        pytest.approx((8e-5 + 16e-5 + 1.0) / 3)
    ]
