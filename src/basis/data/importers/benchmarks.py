"""Benchmark yield files: Ethena sUSDe daily APY."""

from __future__ import annotations

from typing import Final

import polars as pl

from basis.data.importers.derived import Tolerance, compare
from basis.data.importers.table import SourceTable

# `apy_decimal` must equal `apy_percent` / 100 to this absolute tolerance (float noise only).
UNIT_TOLERANCE: Final = 1e-9
# The file's APR is the APY compounded daily: 365 × ((1 + apy)^(1/365) − 1) (exact in the
# real file). 1e-6 is 0.01 bp a year: far above float noise, far below a real change.
APR_TOLERANCE: Final = Tolerance(1e-6)


def susde(table: SourceTable) -> pl.DataFrame:
    """The canonical `benchmark` frame: `apy` as a decimal (0.0353 = 3.53 %), `ts` the date.

    Takes `apy_decimal` and raises `DataMalformedError` where it is not `apy_percent` / 100,
    so a column holding percent under a decimal name cannot slip through. Notes
    `inconsistent_derived` for rows whose `apr_decimal` or `apr_percent` is not the APY
    compounded daily (±1e-6 as a decimal); the APRs are not imported.
    """
    table.require("date", "apy_decimal", "apy_percent")
    apy = table.floats("apy_decimal")
    percent = table.floats("apy_percent")
    table.fail_where(
        (apy - percent / 100).abs() > UNIT_TOLERANCE,
        "apy_decimal",
        "is not apy_percent / 100; expected the same rate as a decimal",
    )
    ts = table.timestamps("date").alias("ts")
    apr = 365 * ((1 + apy) ** (1 / 365) - 1)
    daily = "365 × ((1 + apy_decimal)^(1/365) − 1)"
    compare(table, "apr_decimal", daily, apr, APR_TOLERANCE)
    percent_tolerance = Tolerance(APR_TOLERANCE.amount * 100, "percentage points")
    compare(table, "apr_percent", f"100 × {daily}", 100 * apr, percent_tolerance)
    return pl.DataFrame([ts, apy.alias("apy"), table.lines()])
