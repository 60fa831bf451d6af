"""Coverage: a series covering much less than the usual window of its dataset."""

from __future__ import annotations

import datetime as dt

from basis.data.catalog import SeriesInfo
from basis.data.checks.coverage import missing_ranges
from tests.data.checks.stubs import info

JAN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
LAST_HOUR = dt.datetime(2024, 12, 31, 23, tzinfo=dt.UTC)  # window until 2025-01-01 00:00


def full(name: str) -> SeriesInfo:
    return info(series=name, start=JAN, end=LAST_HOUR)


def test_missing_ranges_late_starter_counts_missing_hours_and_names_window() -> None:
    late = info(
        series="okx:perp:ETHUSDT", start=dt.datetime(2024, 8, 1, tzinfo=dt.UTC), end=LAST_HOUR
    )
    found = missing_ranges([full("a:perp:X"), full("b:perp:X"), late])
    [item] = found
    # January to July 2024: 213 days missing, 153 of 366 days (42 %) available.
    assert (item.series, item.kind, item.severity, item.count) == (
        "okx:perp:ETHUSDT",
        "missing_range",
        "info",
        213 * 24,
    )
    assert item.detail.startswith("available 2024-08-01 00:00 until 2025-01-01 00:00, 42%")
    assert "nothing before 2024-08-01 00:00 (213.0 days)" in item.detail


def test_missing_ranges_daily_and_eight_hourly_ends_cover_their_last_interval() -> None:
    daily = info(
        "lending_rates", "1d", "aave_v3:rates:USDT", JAN, dt.datetime(2024, 12, 31, tzinfo=dt.UTC)
    )
    funding = info(
        "funding", "8h", "okx:funding:X", JAN, dt.datetime(2024, 12, 31, 16, tzinfo=dt.UTC)
    )
    assert missing_ranges([full("a:perp:X"), daily, funding]) == []


def test_missing_ranges_within_five_percent_not_reported() -> None:
    # 366 days × 5 % = 18.3 days: 18 days missing is fine, 19 is not.
    fine = info(series="c:perp:X", start=JAN + dt.timedelta(days=18), end=LAST_HOUR)
    short = info(series="d:perp:X", start=JAN + dt.timedelta(days=19), end=LAST_HOUR)
    found = missing_ranges([full("a:perp:X"), full("b:perp:X"), fine, short])
    assert [item.series for item in found] == ["d:perp:X"]
    assert found[0].count == 19 * 24


def test_missing_ranges_early_end_counted_after() -> None:
    early = info(series="c:perp:X", start=JAN, end=dt.datetime(2024, 10, 31, 23, tzinfo=dt.UTC))
    [item] = missing_ranges([full("a:perp:X"), full("b:perp:X"), early])
    assert item.count == 61 * 24  # November and December
    assert "nothing from 2024-11-01 00:00 (61.0 days)" in item.detail


def test_missing_ranges_one_long_series_does_not_shorten_the_others() -> None:
    long = info(series="z:perp:X", start=JAN - dt.timedelta(days=3650), end=LAST_HOUR)
    assert missing_ranges([full("a:perp:X"), full("b:perp:X"), long]) == []


def test_missing_ranges_event_series_ignored_and_single_series_none() -> None:
    events = info("rewards", "event", "etherfi:rewards:weETH", JAN, JAN + dt.timedelta(days=3))
    assert missing_ranges([full("a:perp:X"), events]) == []
