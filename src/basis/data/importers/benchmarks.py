"""Benchmark yield files: Ethena sUSDe daily APY."""

from __future__ import annotations

from typing import Final

import polars as pl

from basis.data.importers.table import SourceTable

# `apy_decimal` must equal `apy_percent` / 100 to this absolute tolerance (float noise only).
UNIT_TOLERANCE: Final = 1e-9


def susde(table: SourceTable) -> pl.DataFrame:
    """The canonical `benchmark` frame: `apy` as a decimal (0.0353 = 3.53 %), `ts` the date.

    Takes `apy_decimal` and raises `DataMalformedError` where it is not `apy_percent` / 100,
    so a column holding percent under a decimal name cannot slip through.
    """
    table.require("date", "apy_decimal", "apy_percent")
    apy = table.floats("apy_decimal")
    percent = table.floats("apy_percent")
    table.fail_where(
        (apy - percent / 100).abs() > UNIT_TOLERANCE,
        "apy_decimal",
        "is not apy_percent / 100; expected the same rate as a decimal",
    )
    return pl.DataFrame([table.timestamps("date").alias("ts"), apy.alias("apy"), table.lines()])
