"""Centralised exchange files: hourly spot/perp OHLCV (Binance, Bybit, OKX) and 8-hour funding."""

from __future__ import annotations

from typing import Final

import polars as pl

from basis.data.importers.table import SourceTable
from basis.errors import DataMalformedError

PRICES: Final = ("open", "high", "low", "close")
# Columns that tell the venues' OHLCV layouts apart (README: cex/).
VARIANT_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "binance": ("quote_volume", "trades_count"),
    "bybit": ("turnover",),
    "okx": (),
}
# OKX reports perp volume in contracts; one contract of a linear USDT swap is this much base
# asset (OKX instrument `ctVal`: BTC-USDT-SWAP 0.01 BTC, ETH-USDT-SWAP 0.1 ETH).
OKX_CONTRACT_SIZE: Final[dict[str, float]] = {"BTCUSDT": 0.01, "ETHUSDT": 0.1}


def ohlcv(table: SourceTable, venue: str, market: str, symbol: str) -> pl.DataFrame:
    """The canonical `ohlcv` frame of one venue's hourly candles; volume in base units.

    Raises `DataMalformedError` for a layout that is not the venue's, a symbol other than
    the file name's, or a bad cell.
    """
    table.require("timestamp", *PRICES, "volume", *VARIANT_COLUMNS[venue])
    _expect_symbol(table, symbol)
    volume = table.floats("volume")
    if venue == "okx" and market == "perp":
        volume = volume * _okx_contract_size(table, symbol)
    return pl.DataFrame(
        [
            table.timestamps("timestamp").alias("ts"),
            *(table.floats(name) for name in PRICES),
            volume.alias("volume"),
            table.lines(),
        ]
    )


def funding(table: SourceTable, symbol: str) -> pl.DataFrame:
    """The canonical `funding` frame: one row per settlement, rate per 8-hour period."""
    table.require("funding_timestamp", "funding_rate", "symbol")
    table.expect_values("symbol", symbol)
    return pl.DataFrame(
        [
            table.timestamps("funding_timestamp").alias("ts"),
            table.floats("funding_rate").alias("rate"),
            table.lines(),
        ]
    )


def _expect_symbol(table: SourceTable, symbol: str) -> None:
    """Binance spot names the pair `BTC/USDT`; every other layout has `symbol`."""
    if "symbol" in table.columns:
        table.expect_values("symbol", symbol)
    elif "asset_pair" in table.columns:
        table.expect_values("asset_pair", f"{symbol.removesuffix('USDT')}/USDT")
    else:
        table.require("symbol")


def _okx_contract_size(table: SourceTable, symbol: str) -> float:
    if symbol not in OKX_CONTRACT_SIZE:
        raise DataMalformedError(
            f"{table.name}: no OKX contract size known for {symbol!r} to convert volume from "
            f"contracts; expected one of {sorted(OKX_CONTRACT_SIZE)}"
        )
    return OKX_CONTRACT_SIZE[symbol]
