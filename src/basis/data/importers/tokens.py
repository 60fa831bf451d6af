"""Uniswap v3 token pool files: hourly OHLCV priced in WETH per token, unix timestamps."""

from __future__ import annotations

import polars as pl

from basis.data.importers.table import SourceTable

COLUMNS = ("open", "high", "low", "close", "volume")


def token_prices(table: SourceTable, token: str, quote: str) -> pl.DataFrame:
    """The canonical `token_prices` frame; `ts` from the unix `timestamp` column.

    `date_utc` (with its malformed `+00:00Z` suffix) is ignored. Raises
    `DataMalformedError` when `base_token` / `quote_token` differ from the file name.
    """
    table.require("timestamp", *COLUMNS, "base_token", "quote_token")
    table.expect_values("base_token", token)
    table.expect_values("quote_token", quote)
    return pl.DataFrame(
        [
            table.timestamps("timestamp").alias("ts"),
            *(table.floats(name) for name in COLUMNS),
            table.lines(),
        ]
    )
