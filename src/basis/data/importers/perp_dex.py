"""Perp-DEX funding files (`perp_dex/<venue>/<BASE>_funding_1h.csv`): hourly settlements.

Hyperliquid stamps each hourly settlement a few milliseconds after the hour
(`2024-01-01T00:00:00.151+00:00`); the settlement belongs to that hour, so timestamps are
floored to it. The rate is per hour (the venue's period). The file's `premium` column is
kept out: the book has no use for it yet. These files carry no prices (docs/data.md).
"""

from __future__ import annotations

import polars as pl

from basis.data.importers.table import SourceTable

__all__ = ["funding"]


def funding(table: SourceTable, base: str) -> pl.DataFrame:
    """The canonical `funding` frame: one row per hourly settlement, rate per hour."""
    table.require("timestamp", "funding_rate", "symbol")
    table.expect_values("symbol", base)
    return pl.DataFrame(
        [
            table.timestamps("timestamp").dt.truncate("1h").alias("ts"),
            table.floats("funding_rate").alias("rate"),
            table.lines(),
        ]
    )
