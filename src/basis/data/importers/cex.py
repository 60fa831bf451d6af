"""Centralised exchange files: hourly spot/perp OHLCV (Binance, Bybit, OKX) and 8-hour funding."""

from __future__ import annotations

from typing import Final

import polars as pl

from basis.data.importers.derived import Tolerance, compare
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
# The quote-currency volume beside base volume (derived: volume × the bar's average price).
QUOTE_VOLUME: Final[dict[str, str]] = {"binance": "quote_volume", "bybit": "turnover"}
# quote volume / volume is the bar's average price, so it lies between low and high; the
# real files keep it at least 1.7 bp inside. Rounded prices need far less than 0.1 %.
AVERAGE_PRICE_TOLERANCE: Final = Tolerance(0.001, relative=True)


def ohlcv(table: SourceTable, venue: str, market: str, symbol: str) -> pl.DataFrame:
    """The canonical `ohlcv` frame of one venue's hourly candles; volume in base units.

    Raises `DataMalformedError` for a layout that is not the venue's, a symbol other than
    the file name's, or a bad cell. Notes `inconsistent_derived` for rows whose quote
    volume (Binance `quote_volume`, Bybit `turnover`) is not volume × a price between the
    bar's low and high (±0.1 %); the quote volume is not imported.
    """
    table.require("timestamp", *PRICES, "volume", *VARIANT_COLUMNS[venue])
    _expect_symbol(table, symbol)
    volume = table.floats("volume")
    ts = table.timestamps("timestamp").alias("ts")
    prices = {name: table.floats(name) for name in PRICES}
    if venue in QUOTE_VOLUME:
        compare(
            table,
            QUOTE_VOLUME[venue],
            "between volume × low and volume × high",
            volume * prices["low"],
            AVERAGE_PRICE_TOLERANCE,
            upper=volume * prices["high"],
        )
    if venue == "okx" and market == "perp":
        volume = volume * _okx_contract_size(table, symbol)
    return pl.DataFrame(
        [
            ts,
            *prices.values(),
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
