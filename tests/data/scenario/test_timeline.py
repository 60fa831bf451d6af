"""The time grid: UTC timestamps at whole hours and frames numbered 1..n."""

from __future__ import annotations

import datetime as dt

import numpy as np

from basis.data.scenario.timeline import Timeline
from tests.data.scenario.stubs import START


def test_days_counts_every_midnight_with_a_bar() -> None:
    assert Timeline(START, 24, "x").days == 1
    assert Timeline(START, 25, "x").days == 2
    np.testing.assert_array_equal(Timeline(START, 49, "x").midnights, [0, 24, 48])


def test_frame_has_utc_timestamps_and_source_rows_one_to_n() -> None:
    line = Timeline(START, 10, "demo")
    item = line.frame("a:b:c", "oracle", "1h", np.array([0, 5]), {"price": np.array([1.0, 2.0])})
    assert item.frame["ts"].to_list() == [START, START + dt.timedelta(hours=5)]
    assert item.frame["source_row"].to_list() == [1, 2]
    assert item.source == "scenario:demo"
