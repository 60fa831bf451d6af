"""Inputs: the p50 priority fee a run pays, with single-block outliers at their day median."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from basis.data.catalog import Catalog, SeriesFrame
from basis.engine.inputs import GAS

from .stubs import DEFAULT, inputs_for, utc

SPIKE = utc(2024, 2, 1, 13)  # hour 757 of the scenario: odd, a 2-gwei hour of `tips`


@pytest.fixture(scope="module")
def spiked(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The default scenario whose p50 priority fee alternates 1, 2 gwei from its first hour
    (even hours 1, odd hours 2), but for 800 gwei at `SPIKE`."""
    copy = Catalog(tmp_path_factory.mktemp("spiked_gas"))
    frames = []
    for info in catalog.series(DEFAULT):
        frame = catalog.read(DEFAULT, info.series)
        if info.series == GAS:
            hour = pl.int_range(pl.len()).cast(pl.Float64)
            tips = pl.when(pl.col("ts") == SPIKE).then(800.0).otherwise(1.0 + hour % 2)
            frame = frame.sort("ts").with_columns(tips.alias("priority_fee_p50_gwei"))
        frames.append(SeriesFrame(info.series, info.kind, info.source, info.interval, frame))
    copy.write(DEFAULT, frames)
    return copy


def test_inputs_spike_at_the_first_hour_judged_on_the_day_before_the_window(
    spiked: Catalog,
) -> None:
    inputs = inputs_for(spiked, "pure_lending_usdt", DEFAULT, SPIKE, SPIKE + timedelta(hours=5))
    # Hours 734..757 (23 of them before the window): twelve 1, eleven 2 and the 800 →
    # median 1.5, MAD 0.5, 10σ = 7.41 < 10 gwei ≤ 798.5: priced at 1.5. The window
    # [13:00, 18:00] has six hourly steps, its end included.
    assert inputs.data.priority_fee_gwei.tolist() == [1.5, 1.0, 2.0, 1.0, 2.0, 1.0]
    (warning,) = [w for w in inputs.warnings if w.startswith(GAS)]
    assert warning.startswith(f"{GAS}: 1 hour(s) of outlier p50 priority fee")
    assert "largest 800 gwei at 2024-02-01 13:00 UTC" in warning


def test_inputs_only_the_outlier_hour_replaced(spiked: Catalog) -> None:
    start, end = utc(2024, 1, 20), utc(2024, 2, 10)
    paid = inputs_for(spiked, "pure_lending_usdt", DEFAULT, start, end).data.priority_fee_gwei
    hours = np.arange(paid.size)
    expected = 1.0 + (hours + 19 * 24) % 2
    expected[(SPIKE - start) // timedelta(hours=1)] = 1.5
    assert paid.tolist() == expected.tolist()


def test_inputs_scenario_fees_untouched_without_warning(catalog: Catalog) -> None:
    inputs = inputs_for(catalog, "pure_lending_usdt", DEFAULT)
    raw = catalog.read(DEFAULT, GAS).sort("ts")
    assert not [w for w in inputs.warnings if w.startswith(GAS)]
    within = raw.filter(pl.col("ts").is_between(inputs.start, inputs.end, closed="both"))
    assert inputs.data.priority_fee_gwei.tolist() == within["priority_fee_p50_gwei"].to_list()
