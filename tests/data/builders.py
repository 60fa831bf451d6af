"""Builders of small canonical frames for data tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from basis.data.schema import ROW, SCHEMAS

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def hours(n: int, start: dt.datetime = T0, step_hours: int = 1) -> list[dt.datetime]:
    return [start + dt.timedelta(hours=step_hours * i) for i in range(n)]


def frame(kind: str, ts: Sequence[dt.datetime], **values: Sequence[object]) -> pl.DataFrame:
    """A canonical frame of `kind`; unspecified numeric columns are 1.0."""
    n = len(ts)
    data: dict[str, object] = {"ts": list(ts)}
    for name, dtype in SCHEMAS[kind].items():
        if name == "ts":
            continue
        data[name] = list(values[name]) if name in values else [1.0] * n
        if dtype == pl.String():
            data[name] = list(values.get(name, ["X"] * n))
        if dtype == pl.Boolean():
            data[name] = list(values.get(name, [False] * n))
        if isinstance(dtype, pl.Datetime):
            data[name] = list(values.get(name, ts))
    data[ROW] = list(range(2, n + 2))
    schema = {**SCHEMAS[kind], ROW: pl.Int64()}
    return pl.DataFrame(data, schema=schema)


def candles(
    ts: Sequence[dt.datetime], opens: Sequence[float], closes: Sequence[float]
) -> pl.DataFrame:
    return frame("ohlcv", ts, open=opens, high=opens, low=closes, close=closes)
