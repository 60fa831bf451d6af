"""Canonical catalog schemas: one column layout per series kind, whatever the source.

Every stored frame also carries `source_row`, the 1-based line of the source file the row
came from (generated data numbers its rows), so findings can point at the input.
Timestamps are UTC microseconds; rates are decimals; rates called `*_rate` in lending
data are APR.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from basis.errors import DataMalformedError

TS: Final = pl.Datetime("us", "UTC")
F64: Final = pl.Float64()

SCHEMAS: Final[dict[str, dict[str, pl.DataType]]] = {
    # Hourly candles; for perps the close is used as mark (last price).
    "ohlcv": {"ts": TS, "open": F64, "high": F64, "low": F64, "close": F64, "volume": F64},
    # One row per settlement: `rate` is per settlement period, positive = longs pay shorts.
    "funding": {"ts": TS, "rate": F64},
    # Aave reserve snapshots: indices normalised to ~1 (not ray), rates APR.
    "lending_rates": {
        "ts": TS,
        "liquidity_index": F64,
        "variable_borrow_index": F64,
        "supply_rate": F64,
        "borrow_rate": F64,
        "total_supply": F64,
        "total_variable_debt": F64,
        "price_usd": F64,
    },
    # Aave oracle price of the asset in the series' quote currency.
    "oracle": {"ts": TS, "price": F64},
    # ETH per LST: protocol (oracle) exchange rate and DEX market rate.
    "lst_rates": {"ts": TS, "protocol_rate": F64, "market_rate": F64},
    # Discrete reward payouts: `amount_per_lst` tokens per LST unit held over the period.
    # `quoted_price_usd` is the price the source quoted (kept to detect placeholders; price
    # rewards with token_prices instead).
    "rewards": {
        "ts": TS,
        "period_start": TS,
        "period_end": TS,
        "token": pl.String(),
        "amount_per_lst": F64,
        "quoted_price_usd": F64,
        "estimated": pl.Boolean(),
    },
    # Token candles priced in the series' quote (e.g. WETH per EIGEN).
    "token_prices": {"ts": TS, "open": F64, "high": F64, "low": F64, "close": F64, "volume": F64},
    # Hourly gas prices in gwei; cost uses base fee + p50 priority fee.
    "gas": {
        "ts": TS,
        "base_fee_gwei": F64,
        "priority_fee_p25_gwei": F64,
        "priority_fee_p50_gwei": F64,
        "priority_fee_p75_gwei": F64,
        "gas_price_gwei": F64,
    },
    # Reference yields to compare against (sUSDe): APY as a decimal.
    "benchmark": {"ts": TS, "apy": F64},
}
KINDS: Final = tuple(SCHEMAS)
ROW: Final = "source_row"

# The columns that identify a row: two rows with the same key are duplicates. Time alone
# for every series but rewards, where one date can carry several payouts (tokens, periods).
KEYS: Final[dict[str, tuple[str, ...]]] = {
    kind: ("ts", "token", "period_start", "period_end") if kind == "rewards" else ("ts",)
    for kind in SCHEMAS
}


def conform(kind: str, frame: pl.DataFrame, what: str) -> pl.DataFrame:
    """Return `frame` with exactly the canonical columns of `kind` (plus `source_row`).

    Raises `DataMalformedError` naming `what` when a column is missing or of the wrong type.
    """
    if kind not in SCHEMAS:
        raise DataMalformedError(f"{what}: unknown series kind {kind!r}; expected one of {KINDS}")
    expected = {**SCHEMAS[kind], ROW: pl.Int64()}
    missing = [name for name in expected if name not in frame.columns]
    if missing:
        raise DataMalformedError(f"{what}: missing column(s) {missing} for kind {kind!r}")
    for name, dtype in expected.items():
        if frame.schema[name] != dtype:
            raise DataMalformedError(
                f"{what}: column {name!r} has type {frame.schema[name]}, expected {dtype}"
            )
    return frame.select(list(expected))
