"""Stress statistics: quantiles, the Wilson interval and the per-path summary, worked by hand."""

from __future__ import annotations

import math

import pytest

from basis.errors import InvalidOperationError
from basis.research.statistics import (
    PathRecord,
    describe,
    proportion,
    quantile,
    summarize_paths,
    wilson_interval,
    worst_path,
)

Z = 1.959963984540054  # Φ⁻¹(0.975)


def record(seed: int, total_return: float, **values: float | int | None) -> PathRecord:
    fields: dict[str, object] = {
        "apy": None,
        "apr": None,
        "max_drawdown": None,
        "min_health_factor": None,
        "min_margin_ratio": None,
        "liquidations": 0,
        "final_equity": 1_000.0 * (1.0 + total_return),
    }
    fields.update(values)
    return PathRecord(seed=seed, total_return=total_return, **fields)  # type: ignore[arg-type]


def test_quantile_interpolates_between_order_statistics() -> None:
    # sorted 1, 2, 3, 4: h = 3q. q=0.5: h=1.5 → 2 + 0.5·1 = 2.5; q=0.05: h=0.15 → 1.15;
    # q=0.95: h=2.85 → 3 + 0.85 = 3.85; the ends are the extremes.
    values = [4.0, 1.0, 3.0, 2.0]
    assert quantile(values, 0.5) == pytest.approx(2.5, abs=1e-15)
    assert quantile(values, 0.05) == pytest.approx(1.15, abs=1e-15)
    assert quantile(values, 0.95) == pytest.approx(3.85, abs=1e-15)
    assert quantile(values, 0.0) == 1.0
    assert quantile(values, 1.0) == 4.0
    assert quantile([7.0], 0.3) == 7.0


def test_quantile_of_nothing_nan_or_a_bad_level_is_refused() -> None:
    with pytest.raises(InvalidOperationError, match="no values"):
        quantile([], 0.5)
    with pytest.raises(InvalidOperationError, match="NaN"):
        quantile([1.0, math.nan], 0.5)
    with pytest.raises(InvalidOperationError, match=r"\[0, 1\]"):
        quantile([1.0], 1.5)


def test_wilson_interval_three_of_ten() -> None:
    # p = 0.3, z²/n = 0.3841459; centre = (0.3 + 0.1920729)/1.3841459 = 0.3555066;
    # half = 1.959964/1.3841459 · √(0.021 + 0.0096036) = 1.4160107 · 0.1749389 = 0.2477153.
    low, high = wilson_interval(3, 10)
    assert low == pytest.approx(0.1077913, abs=1e-7)
    assert high == pytest.approx(0.6032219, abs=1e-7)


def test_wilson_interval_at_the_ends_is_exact() -> None:
    # k = 0: (0, z²/(n + z²)); k = n: (n/(n + z²), 1).
    assert wilson_interval(0, 4) == (0.0, pytest.approx(Z * Z / (4 + Z * Z), rel=1e-12))
    assert wilson_interval(10, 10) == (pytest.approx(10 / (10 + Z * Z), rel=1e-12), 1.0)
    # 1 of 2 is symmetric around 1/2: half = z/(1 + z²/2) · √(1/8 + z²/16) = 0.4054688.
    low, high = wilson_interval(1, 2)
    assert low == pytest.approx(0.5 - 0.4054688, abs=1e-7)
    assert high == pytest.approx(0.5 + 0.4054688, abs=1e-7)


def test_wilson_interval_at_ninety_percent_is_narrower() -> None:
    # z = Φ⁻¹(0.95) = 1.6448536; z²/n = 0.2705543; centre = 0.4352772/1.2705543 = 0.3425884;
    # half = 1.6448536/1.2705543 · √(0.021 + 0.0067639) = 1.2945953 · 0.1666249 = 0.2157118.
    low, high = wilson_interval(3, 10, confidence=0.90)
    assert low == pytest.approx(0.1268766, abs=1e-7)
    assert high == pytest.approx(0.5583002, abs=1e-7)


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(InvalidOperationError, match="at least one trial"):
        wilson_interval(0, 0)
    with pytest.raises(InvalidOperationError, match=r"\[0, 3\]"):
        wilson_interval(4, 3)
    with pytest.raises(InvalidOperationError, match="confidence"):
        wilson_interval(1, 3, confidence=1.0)


def test_proportion_of_no_trials_has_no_share() -> None:
    empty = proportion(0, 0)
    assert (empty.share, empty.low, empty.high) == (None, None, None)


def test_describe_skips_values_that_do_not_apply() -> None:
    d = describe([0.1, None, 0.3, math.nan, 0.2])
    assert d.count == 3
    assert d.mean == pytest.approx(0.2, abs=1e-15)
    assert (d.minimum, d.maximum) == (0.1, 0.3)
    assert d.median == pytest.approx(0.2, abs=1e-15)
    # h = 2·0.05 = 0.1 → 0.1 + 0.1·0.1 = 0.11; h = 1.9 → 0.2 + 0.9·0.1 = 0.29
    assert d.p5 == pytest.approx(0.11, abs=1e-15)
    assert d.p95 == pytest.approx(0.29, abs=1e-15)
    assert describe([None, None]).count == 0
    assert describe([None]).median is None


def test_worst_path_is_the_lowest_total_return_ties_to_the_lowest_seed() -> None:
    records = [record(5, -0.10), record(3, -0.10), record(4, 0.02)]
    worst = worst_path(records)
    assert worst is not None
    assert worst.seed == 3
    assert worst_path([]) is None


def test_summary_of_four_paths_and_one_failure_by_hand() -> None:
    records = [
        record(1, 0.05, apy=0.10, max_drawdown=0.02, min_health_factor=1.10, liquidations=0),
        record(2, -0.20, apy=-0.30, max_drawdown=0.25, min_health_factor=0.97, liquidations=2),
        record(3, 0.01, apy=0.04, max_drawdown=0.05, min_health_factor=1.05, liquidations=0),
        record(4, 0.03, apy=0.06, max_drawdown=0.03, min_health_factor=None, liquidations=1),
    ]
    summary = summarize_paths(records, failed=1)
    assert (summary.paths, summary.completed, summary.failed) == (5, 4, 1)
    # APY sorted −0.30, 0.04, 0.06, 0.10: mean −0.025; median (0.04 + 0.06)/2 = 0.05;
    # p5: h = 0.15 → −0.30 + 0.15·0.34 = −0.249; p95: h = 2.85 → 0.06 + 0.85·0.04 = 0.094.
    assert summary.apy.mean == pytest.approx(-0.025, abs=1e-15)
    assert summary.apy.median == pytest.approx(0.05, abs=1e-15)
    assert summary.apy.p5 == pytest.approx(-0.249, abs=1e-15)
    assert summary.apy.p95 == pytest.approx(0.094, abs=1e-15)
    # Drawdowns sorted 0.02, 0.03, 0.05, 0.25: median 0.04; p95 0.05 + 0.85·0.20 = 0.22;
    # worst 0.25.
    assert summary.max_drawdown.median == pytest.approx(0.04, abs=1e-15)
    assert summary.max_drawdown.p95 == pytest.approx(0.22, abs=1e-15)
    assert summary.max_drawdown.maximum == 0.25
    # Two of four completed paths were liquidated (the failed path is not a trial).
    assert (summary.liquidation.successes, summary.liquidation.trials) == (2, 4)
    assert summary.liquidation.share == 0.5
    assert (summary.liquidation.low, summary.liquidation.high) == wilson_interval(2, 4)
    # Health factor applies to three paths: 0.97, 1.05, 1.10.
    assert summary.min_health_factor.count == 3
    assert summary.min_health_factor.minimum == 0.97
    assert summary.min_health_factor.median == 1.05
    assert summary.worst is records[1]


def test_summary_with_every_path_failed_has_no_worst_path() -> None:
    summary = summarize_paths([], failed=3)
    assert (summary.paths, summary.completed, summary.failed) == (3, 0, 3)
    assert summary.worst is None
    assert summary.apy.count == 0
    assert summary.liquidation.share is None
