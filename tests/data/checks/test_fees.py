"""Fee outliers: a fee far above the median of its trailing day, judged without look-ahead."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.data.checks.fees import FEE_WINDOW, fee_outliers, filter_fees
from tests.data.checks.stubs import tips


def test_filter_fees_800_gwei_spike_flagged_and_priced_at_the_day_median() -> None:
    fees = tips(30)
    fees[25] = 800.0  # was 2.0
    filtered, mask = filter_fees(fees)
    # Window of hour 25 = hours 2..25: twelve 1.0 (even hours 2..24), eleven 2.0 (odd hours
    # 3..23) and the 800 → median (1 + 2) / 2 = 1.5; deviations 0.5 ×23 and 798.5 → MAD 0.5,
    # 10σ = 10 × 1.4826 × 0.5 = 7.413 < the 10-gwei floor; excess 798.5 ≥ 10: an outlier.
    assert np.flatnonzero(mask).tolist() == [25]
    assert filtered[25] == 1.5
    expected = tips(30)
    expected[25] = 1.5
    assert filtered.tolist() == expected


def test_filter_fees_series_without_spikes_untouched() -> None:
    fees = tips(100, low=0.5, high=1.5)
    # A busy block at hour 60 (was 0.5). Window = hours 37..60: eleven 0.5 (even 38..58),
    # twelve 1.5 (odd 37..59) and the 10.9 → median 1.5, excess 9.4 < the 10-gwei floor.
    fees[60] = 10.9
    filtered, mask = filter_fees(fees)
    assert not mask.any()
    assert filtered.tolist() == fees


def test_filter_fees_volatile_day_needs_ten_sigmas_above_the_floor() -> None:
    fees = tips(40, low=10.0, high=50.0)
    # Window of hour 31 = hours 8..31: twelve 10 (even 8..30), eleven 50 (odd 9..29) and
    # the fee → median 30, MAD 20, 10σ = 10 × 1.4826 × 20 = 296.52 gwei.
    fees[31] = 300.0  # excess 270 < 296.52
    assert not fee_outliers(fees).any()
    fees[31] = 330.0  # excess 300 ≥ 296.52
    filtered, mask = filter_fees(fees)
    assert np.flatnonzero(mask).tolist() == [31]
    assert filtered[31] == 30.0


def test_filter_fees_first_hours_use_the_shorter_window_they_have() -> None:
    # Hour 3: window [1, 1, 1, 800] → median 1, MAD 0, excess 799 ≥ 10.
    filtered, mask = filter_fees([1.0, 1.0, 1.0, 800.0])
    assert mask.tolist() == [False, False, False, True]
    assert filtered.tolist() == [1.0, 1.0, 1.0, 1.0]
    # Hour 1: window [1, 800] → median 400.5: one hour of history cannot tell.
    assert not fee_outliers([1.0, 800.0]).any()


def test_filter_fees_low_fees_never_outliers() -> None:
    fees = tips(30, low=50.0, high=60.0)
    fees[25] = 0.0
    assert not fee_outliers(fees).any()


def test_filter_fees_nan_skipped_and_takes_no_place_in_the_window() -> None:
    fees = tips(30)
    fees[25] = 800.0
    with_gaps = [*fees[:10], math.nan, math.nan, *fees[10:]]
    filtered, mask = filter_fees(with_gaps)
    assert np.flatnonzero(mask).tolist() == [27]  # hour 25 of `fees`, two places later
    assert np.isnan(filtered[[10, 11]]).all()
    kept = np.delete(filtered, [10, 11])
    assert kept.tolist() == filter_fees(fees)[0].tolist()


def test_filter_fees_empty_and_all_nan() -> None:
    assert filter_fees([])[0].size == 0
    filtered, mask = filter_fees([math.nan] * 3)
    assert np.isnan(filtered).all() and not mask.any()


fee_values = st.one_of(
    st.floats(0.0, 5.0),
    st.sampled_from([0.0, 0.1, 12.0, 279.0, 814.69]),
    st.just(math.nan),
)


@settings(max_examples=200, deadline=None)
@given(
    fees=st.lists(fee_values, min_size=1, max_size=3 * FEE_WINDOW),
    later=st.lists(fee_values, min_size=3 * FEE_WINDOW, max_size=3 * FEE_WINDOW),
    cut=st.integers(0, 3 * FEE_WINDOW),
)
def test_filter_fees_changing_later_hours_changes_nothing_up_to_t(
    fees: list[float], later: list[float], cut: int
) -> None:
    """Hours after t are replaced (and the series lengthened): the filtered values and the
    mask at or before t stay as they were."""
    t = min(cut, len(fees) - 1)
    changed = [*fees[: t + 1], *later]
    filtered, mask = filter_fees(fees)
    filtered_changed, mask_changed = filter_fees(changed)
    np.testing.assert_array_equal(filtered_changed[: t + 1], filtered[: t + 1])
    np.testing.assert_array_equal(mask_changed[: t + 1], mask[: t + 1])
