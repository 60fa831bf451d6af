"""Ethereum chain files: hourly gas prices in gwei."""

from __future__ import annotations

from typing import Final

import polars as pl

from basis.data.importers.derived import Tolerance, compare
from basis.data.importers.table import SourceTable

COLUMNS = (
    "base_fee_gwei",
    "priority_fee_p25_gwei",
    "priority_fee_p50_gwei",
    "priority_fee_p75_gwei",
    "gas_price_gwei",
)
# `gas_price_gwei` is base fee + p50 priority fee; all three are rounded to 0.01 gwei, so
# they may disagree by up to 0.015 (the real file: 0.01 at most).
GAS_PRICE_TOLERANCE: Final = Tolerance(0.02, "gwei")


def gas(table: SourceTable) -> pl.DataFrame:
    """The canonical `gas` frame: every column in gwei, as in the source.

    Notes `inconsistent_derived` for rows whose `gas_price_gwei` is not
    `base_fee_gwei + priority_fee_p50_gwei` (±0.02 gwei): the cost model prices gas from
    those two, so the disagreeing total is kept but not used.
    """
    table.require("timestamp", *COLUMNS)
    ts = table.timestamps("timestamp").alias("ts")
    gwei = {name: table.floats(name) for name in COLUMNS}
    compare(
        table,
        "gas_price_gwei",
        "base_fee_gwei + priority_fee_p50_gwei",
        gwei["base_fee_gwei"] + gwei["priority_fee_p50_gwei"],
        GAS_PRICE_TOLERANCE,
    )
    return pl.DataFrame([ts, *gwei.values(), table.lines()])
