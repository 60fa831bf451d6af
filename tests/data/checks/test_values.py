"""Value detections: NaN / null in required columns, impossible negatives."""

from __future__ import annotations

import polars as pl

from basis.data.checks.values import nan, negative
from tests.data.builders import T0, frame, hours
from tests.data.checks.stubs import candles, info, rewards

NAN = float("nan")


def test_nan_counts_rows_not_cells_and_names_columns() -> None:
    data = frame(
        "ohlcv",
        hours(4),
        close=[1.0, NAN, NAN, 4.0],
        volume=[1.0, NAN, 1.0, 1.0],
    )
    [found] = nan(data, info())
    assert (found.kind, found.severity, found.count) == ("nan", "error", 2)
    assert "close 2 (row 3: nan; row 4: nan)" in found.detail
    assert "volume 1 (row 3: nan)" in found.detail


def test_nan_null_counts_like_nan() -> None:
    data = candles(hours(3), [1.0, 2.0, 3.0]).with_columns(
        pl.when(pl.col("source_row") == 3).then(None).otherwise(pl.col("open")).alias("open")
    )
    [found] = nan(data, info())
    assert found.count == 1
    assert "open 1 (row 3: None)" in found.detail


def test_nan_optional_quoted_price_missing_not_reported() -> None:
    data = rewards([T0, T0], ["EIGEN", "ETHFI"], prices=[None, None])
    assert nan(data, info("rewards", "event")) == []


def test_nan_clean_frame_none() -> None:
    assert nan(candles(hours(3), [1.0, 2.0, 3.0]), info()) == []


def test_negative_price_at_zero_and_negative_volume_counted_per_row() -> None:
    data = frame(
        "ohlcv",
        hours(4),
        close=[1.0, 0.0, -2.0, 4.0],
        volume=[1.0, 1.0, -1.0, -0.5],
    )
    [found] = negative(data, info())
    assert (found.kind, found.severity, found.count) == ("negative", "error", 3)
    assert "close 2 (row 3: 0.0; row 4: -2.0)" in found.detail
    assert "volume 2 (row 4: -1.0; row 5: -0.5)" in found.detail


def test_negative_zero_volume_and_zero_priority_fee_allowed() -> None:
    assert negative(frame("ohlcv", hours(2), volume=[0.0, 0.0]), info()) == []
    gas = frame("gas", hours(2), priority_fee_p25_gwei=[0.0, 0.0])
    assert negative(gas, info("gas")) == []


def test_negative_gas_below_zero_reported() -> None:
    gas = frame("gas", hours(2), base_fee_gwei=[-1.0, 3.0])
    [found] = negative(gas, info("gas"))
    assert found.count == 1


def test_negative_funding_rate_allowed() -> None:
    data = frame("funding", hours(3, step_hours=8), rate=[-1e-4, -3e-4, 2e-4])
    assert negative(data, info("funding", "8h")) == []


def test_negative_lending_index_at_zero_reported() -> None:
    data = frame("lending_rates", hours(2, step_hours=24), liquidity_index=[1.0, 0.0])
    [found] = negative(data, info("lending_rates", "1d"))
    assert "liquidity_index 1 (row 3: 0.0)" in found.detail


def test_negative_nan_is_not_negative() -> None:
    assert negative(candles(hours(2), [NAN, 1.0]), info()) == []
