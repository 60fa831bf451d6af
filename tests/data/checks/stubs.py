"""Builders for the data-check tests: series descriptions and small hand-made frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from basis.data.catalog import ParamsInfo, SeriesInfo
from basis.data.schema import ROW, SCHEMAS
from tests.data.builders import T0, frame, hours

INTERVAL_HOURS = {"1h": 1, "8h": 8, "1d": 24}


def info(
    kind: str = "ohlcv",
    interval: str = "1h",
    series: str = "test:perp:ETHUSDT",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    dataset: str = "test",
) -> SeriesInfo:
    """A SeriesInfo as the catalog would describe a series (rows and object are not used)."""
    return SeriesInfo(
        dataset=dataset,
        series=series,
        kind=kind,
        source=f"{series.replace(':', '/')}.csv",
        interval=interval,
        quote=None,
        rows=0,
        start=None if start is None else start.isoformat(),
        end=None if end is None else end.isoformat(),
        object="0" * 64,
    )


def params_info(name: str, source: str, dataset: str = "test") -> ParamsInfo:
    return ParamsInfo(dataset=dataset, name=name, source=source, object="0" * 64)


def zigzag(n: int, level: float = 100.0) -> list[float]:
    """Prices that move every hour and never three in a straight line or a repeat:
    alternating up 0.7 and down 0.5 (no spike stands out: every move is the same size)."""
    return [level + 0.1 * i + (0.6 if i % 2 else 0.0) for i in range(n)]


def tips(n: int, low: float = 1.0, high: float = 2.0) -> list[float]:
    """Hourly tips alternating `low`, `high`: any full day holds 12 of each."""
    return [low if i % 2 == 0 else high for i in range(n)]


def candles(ts: Sequence[dt.datetime], closes: Sequence[float]) -> pl.DataFrame:
    """An ohlcv frame whose every price column is `closes` (volume 1.0)."""
    return frame("ohlcv", ts, open=closes, high=closes, low=closes, close=closes)


def random_walk(
    n: int, seed: int, volatility: float = 0.01, start: dt.datetime = T0
) -> pl.DataFrame:
    """A clean hourly ohlcv random walk of `n` bars (log-normal moves, positive volume)."""
    generator = np.random.default_rng(seed)
    closes = 100.0 * np.exp(np.cumsum(generator.normal(0.0, volatility, n)))
    return frame(
        "ohlcv",
        hours(n, start),
        open=closes.tolist(),
        high=(closes * 1.001).tolist(),
        low=(closes * 0.999).tolist(),
        close=closes.tolist(),
        volume=generator.uniform(1.0, 10.0, n).tolist(),
    )


def renumber(data: pl.DataFrame) -> pl.DataFrame:
    """The frame with `source_row` renumbered 2, 3, … in its current order (as a file)."""
    return data.with_columns(pl.int_range(2, data.height + 2, dtype=pl.Int64).alias(ROW))


def rewards(
    ts: Sequence[dt.datetime],
    tokens: Sequence[str],
    prices: Sequence[float | None] | None = None,
    amounts: Sequence[float] | None = None,
) -> pl.DataFrame:
    """A rewards frame: one payout per row for the week before it, not estimated."""
    n = len(ts)
    return pl.DataFrame(
        {
            "ts": list(ts),
            "period_start": [moment - dt.timedelta(days=7) for moment in ts],
            "period_end": list(ts),
            "token": list(tokens),
            "amount_per_lst": list(amounts) if amounts is not None else [0.2] * n,
            "quoted_price_usd": list(prices)
            if prices is not None
            else [float(i + 1) for i in range(n)],
            "estimated": [False] * n,
            ROW: list(range(2, n + 2)),
        },
        schema={**SCHEMAS["rewards"], ROW: pl.Int64()},
    )
