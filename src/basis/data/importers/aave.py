"""Aave v3 files: daily reserve snapshots (indices, APR rates, totals) and oracle prices."""

from __future__ import annotations

from typing import Final

import polars as pl

from basis.data.importers.derived import Tolerance, compare
from basis.data.importers.table import SourceTable

# Source column → canonical `lending_rates` column. Indices are already normalised to ~1
# (not ray) and rates are APR decimals, so no value changes.
RATE_COLUMNS = {
    "liquidityIndex": "liquidity_index",
    "variableBorrowIndex": "variable_borrow_index",
    "currentLiquidityRate": "supply_rate",
    "currentVariableBorrowRate": "borrow_rate",
    "totalAToken": "total_supply",
    "totalVariableDebt": "total_variable_debt",
    "price": "price_usd",
}
# The snapshot's `timestamp` is its `targetDate` in unix seconds, to the second.
TIMESTAMP_TOLERANCE: Final = Tolerance(0, "s")


def rates(table: SourceTable, asset: str) -> pl.DataFrame:
    """The canonical `lending_rates` frame of one reserve; `ts` is the snapshot's targetDate.

    Notes `inconsistent_derived` for rows whose unix `timestamp` is not `targetDate`.
    """
    table.require("targetDate", "symbol", *RATE_COLUMNS)
    table.expect_values("symbol", asset)
    ts = table.timestamps("targetDate").alias("ts")
    frame = pl.DataFrame(
        [
            ts,
            *(table.floats(source).alias(name) for source, name in RATE_COLUMNS.items()),
            table.lines(),
        ]
    )
    seconds = ts.dt.epoch("s").cast(pl.Float64)
    compare(table, "timestamp", "targetDate in unix seconds", seconds, TIMESTAMP_TOLERANCE)
    return frame


def oracle(table: SourceTable, asset: str, quote: str) -> pl.DataFrame:
    """The canonical `oracle` frame: the price column named for the quote (`oracle_price_usd`
    or `oracle_price_eth`), checked against the file's `asset` and `quote_currency`."""
    price = f"oracle_price_{quote.lower()}"
    table.require("timestamp", price, "asset", "quote_currency")
    table.expect_values("asset", asset)
    table.expect_values("quote_currency", quote)
    return pl.DataFrame(
        [
            table.timestamps("timestamp").alias("ts"),
            table.floats(price).alias("price"),
            table.lines(),
        ]
    )
