"""Ethereum chain files: hourly gas prices in gwei."""

from __future__ import annotations

import polars as pl

from basis.data.importers.table import SourceTable

COLUMNS = (
    "base_fee_gwei",
    "priority_fee_p25_gwei",
    "priority_fee_p50_gwei",
    "priority_fee_p75_gwei",
    "gas_price_gwei",
)


def gas(table: SourceTable) -> pl.DataFrame:
    """The canonical `gas` frame: every column in gwei, as in the source."""
    table.require("timestamp", *COLUMNS)
    return pl.DataFrame(
        [
            table.timestamps("timestamp").alias("ts"),
            *(table.floats(name) for name in COLUMNS),
            table.lines(),
        ]
    )
