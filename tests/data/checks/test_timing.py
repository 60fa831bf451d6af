"""Time-axis detections: gaps, exact and conflicting duplicates, non-monotonic order."""

from __future__ import annotations

import datetime as dt

import pytest

from basis.data.checks.timing import duplicates, gaps, non_monotonic
from basis.errors import DataError
from tests.data.builders import T0, frame, hours
from tests.data.checks.stubs import candles, info, renumber, rewards, zigzag


def test_gaps_hourly_series_missing_a_day_one_finding_count_24() -> None:
    ts = hours(72)
    kept = ts[:24] + ts[48:]  # 2024-01-02 00:00 .. 23:00 missing
    [found] = gaps(candles(kept, zigzag(48)), info())
    assert (found.kind, found.severity, found.count) == ("gap", "warning", 24)
    assert "2024-01-02 00:00 → 2024-01-02 23:00 (24 points, after row 25)" in found.detail
    assert "in 1 hole(s)" in found.detail


def test_gaps_two_holes_counts_add_and_longest_named_when_not_first() -> None:
    ts = hours(200)
    holes = {3, 10, 11, 20, 21, 22}  # 1, 2, 3 points; then a 100-point hole
    kept = [t for i, t in enumerate(ts) if i not in holes and not 50 <= i < 150]
    [found] = gaps(candles(kept, zigzag(len(kept))), info())
    assert found.count == 1 + 2 + 3 + 100
    assert "in 4 hole(s)" in found.detail
    assert "longest 2024-01-03 02:00 → 2024-01-07 05:00 (100 points" in found.detail


def test_gaps_funding_month_hole_counts_missing_settlements() -> None:
    july = hours(93, dt.datetime(2024, 7, 1, tzinfo=dt.UTC), step_hours=8)  # to 07-31 16:00
    september = hours(3, dt.datetime(2024, 9, 1, tzinfo=dt.UTC), step_hours=8)
    data = frame("funding", july + september, rate=[1e-4] * 96)
    [found] = gaps(data, info("funding", "8h"))
    # August has 31 days × 3 settlements.
    assert found.count == 93
    assert "2024-08-01 00:00 → 2024-08-31 16:00 (93 points" in found.detail


def test_gaps_off_grid_step_counts_grid_points_strictly_between() -> None:
    ts = [T0, T0 + dt.timedelta(hours=2, minutes=30)]
    [found] = gaps(candles(ts, [1.0, 2.0]), info())
    assert found.count == 2


def test_gaps_duplicates_and_disorder_create_no_gap() -> None:
    ts = hours(5)
    shuffled = [ts[2], ts[0], ts[1], ts[1], ts[4], ts[3]]
    assert gaps(candles(shuffled, [1.0, 2.0, 3.0, 3.0, 5.0, 4.0]), info()) == []


def test_gaps_event_series_never_reported() -> None:
    ts = [T0, T0 + dt.timedelta(days=90)]
    assert gaps(rewards(ts, ["EIGEN", "EIGEN"]), info("rewards", "event")) == []


def test_gaps_unknown_interval_raises_naming_series() -> None:
    with pytest.raises(DataError, match=r"test/test:perp:ETHUSDT: interval '2w'"):
        gaps(candles(hours(3), [1.0, 2.0, 3.0]), info(interval="2w"))


def test_duplicates_exact_repeats_count_surplus_rows() -> None:
    ts = hours(4)
    # ts[1] three times, ts[3] twice, all with identical values: 2 + 1 surplus rows.
    data = candles([ts[0], ts[1], ts[1], ts[1], ts[2], ts[3], ts[3]], [1, 2, 2, 2, 3, 4, 4])
    [found] = duplicates(data, info())
    assert (found.kind, found.severity, found.count) == ("duplicate", "warning", 3)
    assert "2024-01-01 01:00 (rows 3, 4, 5)" in found.detail


def test_duplicates_conflicting_values_count_timestamps_and_show_values() -> None:
    ts = hours(3, step_hours=8)
    data = frame(
        "funding", [ts[0], ts[0], ts[1], ts[2], ts[2]], rate=[1e-4, -5e-6, 2e-4, 3e-4, 3e-4]
    )
    found = duplicates(data, info("funding", "8h"))
    by_kind = {item.kind: item for item in found}
    assert by_kind["conflicting_duplicate"].count == 1
    assert by_kind["conflicting_duplicate"].severity == "error"
    assert (
        "2024-01-01 00:00 (rows 2, 3): rate 0.0001 vs -5e-06"
        in by_kind["conflicting_duplicate"].detail
    )
    assert by_kind["duplicate"].count == 1


def test_duplicates_mixed_group_counts_as_conflict_only() -> None:
    data = frame("funding", [T0, T0, T0], rate=[1e-4, 1e-4, 2e-4])
    [found] = duplicates(data, info("funding", "8h"))
    assert (found.kind, found.count) == ("conflicting_duplicate", 1)


def test_duplicates_rewards_same_time_different_tokens_not_duplicates() -> None:
    data = rewards([T0, T0], ["EIGEN", "ETHFI"], prices=[3.5, 2.8])
    assert duplicates(data, info("rewards", "event")) == []


def test_duplicates_nan_values_equal_to_each_other() -> None:
    data = frame("funding", [T0, T0], rate=[float("nan"), float("nan")])
    [found] = duplicates(data, info("funding", "8h"))
    assert found.kind == "duplicate"


def test_non_monotonic_counts_backward_steps_in_source_order() -> None:
    ts = hours(6)
    data = candles([ts[0], ts[2], ts[1], ts[3], ts[5], ts[4]], zigzag(6))
    [found] = non_monotonic(data, info())
    assert (found.kind, found.severity, found.count) == ("non_monotonic", "warning", 2)
    assert "row 4 at 2024-01-01 01:00 after 2024-01-01 02:00 (row 3)" in found.detail


def test_non_monotonic_uses_source_row_not_frame_order() -> None:
    ts = hours(3)
    stored = renumber(candles(ts, zigzag(3)))
    assert non_monotonic(stored.reverse(), info()) == []


def test_non_monotonic_equal_times_are_not_backward() -> None:
    assert non_monotonic(candles([T0, T0], [1.0, 1.0]), info()) == []


def test_non_monotonic_rewards_checked_per_token() -> None:
    days = [T0 + dt.timedelta(days=i) for i in range(4)]
    # Tokens interleaved but each token in order: not a defect; then ETHFI goes back.
    data = rewards(
        [days[1], days[0], days[2], days[3], days[0]], ["EIGEN", "ETHFI", "EIGEN", "ETHFI", "ETHFI"]
    )
    [found] = non_monotonic(data, info("rewards", "event"))
    assert found.count == 1
    assert "row 6 at 2024-01-01 00:00 after 2024-01-04 00:00 (row 5)" in found.detail


def test_duplicates_and_gaps_on_empty_frame_none() -> None:
    empty = candles([], [])
    assert duplicates(empty, info()) == gaps(empty, info()) == non_monotonic(empty, info()) == []
