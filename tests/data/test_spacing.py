"""Row spacing inside one file: settled spacings, changes between them, and what is not a
change (gaps, duplicates, disorder, jitter, a short run of odd steps)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import pytest

from basis.data.importers.spacing import SETTLED_STEPS, frequency_changes
from basis.data.importers.table import ImportFinding, SourceTable
from tests.data.builders import T0, frame, hours

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def _spaced(start: dt.datetime, *steps: tuple[int, dt.timedelta]) -> list[dt.datetime]:
    """`start`, then `count` steps of each `(count, step)` in turn."""
    times = [start]
    for count, step in steps:
        times += [times[-1] + step * (i + 1) for i in range(count)]
    return times


def _findings(
    kind: str, ts: Sequence[dt.datetime], **values: Sequence[object]
) -> list[ImportFinding]:
    table = SourceTable("x/series.csv", pl.DataFrame(), 2)
    frequency_changes(table, frame(kind, ts, **values), kind)
    return table.findings


def test_hourly_rows_becoming_eight_hourly_name_line_time_and_both_spacings() -> None:
    # rows 2..11 hourly (00:00..09:00), then 5 rows 8 h apart from line 12 (17:00)
    ts = _spaced(T0, (9, HOUR), (5, 8 * HOUR))
    assert _findings("funding", ts) == [
        ImportFinding(
            "x/series.csv",
            "frequency_change",
            5,
            "row spacing changes 1 time(s), 5 row(s) off the first spacing: "
            "line 12 (2024-01-01 17:00) from 1h to 8h",
            12,
        )
    ]


def test_weekly_rows_becoming_daily_and_back_are_two_changes() -> None:
    ts = _spaced(T0, (4, 7 * DAY), (6, DAY), (3, 7 * DAY))
    (found,) = _findings("benchmark", ts)
    assert (found.count, found.line) == (6, 7)  # the daily rows, the first on line 7
    assert "line 7 (2024-01-30 00:00) from 7d to 1d; line 13" in found.detail
    assert "from 1d to 7d" in found.detail


def test_gaps_duplicates_disorder_and_jitter_are_not_a_change() -> None:
    ts = hours(30)
    ts = ts[:10] + ts[14:]  # a 5-hour step: a gap, not a change
    ts = [*ts[:5], ts[6], ts[5], *ts[7:], ts[-1]]  # two rows swapped, the last repeated
    ts = [moment + dt.timedelta(seconds=20 * (i % 2)) for i, moment in enumerate(ts)]
    assert _findings("ohlcv", ts) == []


@pytest.mark.parametrize(("odd_steps", "found"), [(SETTLED_STEPS - 1, 0), (SETTLED_STEPS, 1)])
def test_a_spacing_is_settled_by_three_equal_steps_in_a_row(odd_steps: int, found: int) -> None:
    # the real EIGEN payouts end with two 8-day steps after weekly ones: not a change
    ts = _spaced(T0, (10, 7 * DAY), (odd_steps, 8 * DAY))
    assert len(_findings("benchmark", ts)) == found


def test_rewards_tokens_are_spaced_apart_weekly_eigen_becoming_daily_is_named() -> None:
    eigen = _spaced(T0, (5, 7 * DAY), (4, DAY))
    ethfi = _spaced(T0 + 3 * DAY, (4, 10 * DAY))  # interleaved, regular on its own
    ts = eigen + ethfi
    tokens = ["EIGEN"] * len(eigen) + ["ETHFI"] * len(ethfi)
    (found,) = _findings("rewards", ts, token=tokens)
    assert (found.count, found.line) == (4, 8)
    assert found.detail.endswith("EIGEN line 8 (2024-02-06 00:00) from 7d to 1d")
