"""Marks up to now: trailing growth by hand, the window's edges, no read past now, and the
market data's history at each step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from basis.model.history import MarkHistory
from basis.model.market import MarketData

HOUR = 3600


def hourly(marks: dict[str, list[float]], now: float) -> MarkHistory:
    """Marks at hours 0, 1, 2, … read at hour `now`."""
    values = np.array(list(marks.values()), dtype=np.float64).T
    times = (np.arange(values.shape[0]) * HOUR).astype(np.int64)
    return MarkHistory(times, tuple(marks), values, now * HOUR)


def test_trailing_growth_of_a_hand_made_series_is_its_annualised_window_growth() -> None:
    history = hourly({"rate": [1.00, 1.00, 1.01, 1.02, 1.04], "flat": [2.0] * 5}, now=4)
    at = np.array([2, 4]) * HOUR
    # over 2 h, annualised by 8760 / 2 = 4380:
    # at 2 h: 1.01 / 1.00 − 1 = 0.01 → 43.8; at 4 h: 1.04 / 1.01 − 1 = 0.0297029703 → 130.0990099
    np.testing.assert_allclose(
        history.trailing_growth("rate", 2, at), [43.8, 0.03 / 1.01 * 4380], rtol=1e-12
    )
    assert history.trailing_growth("flat", 2).tolist() == [0.0]  # now = 4 h by default


def test_a_window_starting_between_marks_reads_the_last_mark_before_it() -> None:
    # marks at 0, 1, 2 and 4 h (none at 3 h): at 4 h a 1 h window starts at 3 h, read at 2 h
    times = np.array([0, 1, 2, 4]) * HOUR
    values = np.array([[1.0], [1.0], [1.0], [1.001]])
    history = MarkHistory(times, ("rate",), values, 4.0 * HOUR)
    # (1.001 / 1.0 − 1) × 8760 / 1 = 8.76
    assert history.trailing_growth("rate", 1).tolist() == [pytest.approx(8.76, rel=1e-9)]


def test_a_window_reaching_before_the_first_mark_or_an_unknown_mark_is_nan() -> None:
    history = hourly({"rate": [1.0, 1.1, 1.2], "zero": [0.0, 1.0, 1.0]}, now=2)
    at = np.array([0, 1, 2]) * HOUR
    growth = history.trailing_growth("rate", 2, at)
    assert math.isnan(growth[0]) and math.isnan(growth[1])  # window starts at −2 h, −1 h
    assert growth[2] == pytest.approx(0.2 * 4380)  # 1.2 / 1.0 − 1 over 2 h
    assert math.isnan(history.trailing_growth("zero", 2)[0])  # starts at a mark of 0
    assert math.isnan(history.trailing_growth("other", 2)[0])
    assert math.isnan(MarkHistory().trailing_growth("rate", 2)[0])  # nothing known


def test_nothing_marked_after_now_is_read() -> None:
    """The arrays hold marks at 3 and 4 h that a history read at 2 h must not see, even
    when asked about a later time (the window is then read as of now)."""
    history = hourly({"rate": [1.0, 1.0, 1.01, 99.0, 99.0]}, now=2)
    at = np.array([2, 4]) * HOUR
    np.testing.assert_allclose(history.trailing_growth("rate", 2, at), [43.8, 43.8], rtol=1e-12)


def test_a_span_of_times_reads_as_each_time_alone() -> None:
    rng = np.random.default_rng(11)
    rate = np.cumprod(1.0 + rng.normal(3e-6, 1e-5, 300)).tolist()
    at = np.arange(300) * HOUR
    span = hourly({"rate": rate}, now=299).trailing_growth("rate", 24, at)
    one_by_one = [hourly({"rate": rate}, now=t / HOUR).trailing_growth("rate", 24)[0] for t in at]
    np.testing.assert_array_equal(span, one_by_one)  # the same floats, NaN for the first day


def test_market_data_history_at_a_step_is_the_marks_up_to_that_step() -> None:
    """Changing every mark after step 10 leaves the history at step 10 as it was."""
    steps = 20
    times = (np.arange(steps) * HOUR).astype(np.int64)
    rate = 1.0 + np.arange(steps) * 1e-4
    gas = np.zeros(steps)

    def data(values: np.ndarray) -> MarketData:
        return MarketData("hand", times, ("rate",), values[:, None], (), gas, gas)

    later = rate.copy()
    later[11:] = 2.0
    for source in (data(rate), data(later)):
        history = source.snapshot(10).mark_history
        assert history.now == 10 * HOUR
        # 1.001 / 1.0005 − 1 over 5 h, × 8760 / 5
        expected = (1.001 / 1.0005 - 1.0) * 8760 / 5
        assert history.trailing_growth("rate", 5).tolist() == [pytest.approx(expected)]
