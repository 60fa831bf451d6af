"""The scenario's time grid and the catalog frames built on it (UTC, hour offsets from start)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from basis.data.catalog import SeriesFrame
from basis.data.schema import ROW, TS

MICROSECONDS_PER_HOUR = 3_600_000_000
Offsets = NDArray[np.int64]


@dataclass(frozen=True)
class Timeline:
    """Hourly bars `0 … hours−1` from `start`; instant k is `start + k h` (bar k opens at it).

    Price paths have `hours + 1` instants (the close of the last bar is instant `hours`).
    Daily snapshots sit at the instants `24·d` inside the bars.
    """

    start: dt.datetime
    hours: int
    name: str

    @property
    def days(self) -> int:
        """Number of daily snapshots: every 00:00 UTC with a bar."""
        return -(-self.hours // 24)

    @property
    def bars(self) -> Offsets:
        return np.arange(self.hours, dtype=np.int64)

    @property
    def midnights(self) -> Offsets:
        return np.arange(self.days, dtype=np.int64) * 24

    @property
    def source(self) -> str:
        return f"scenario:{self.name}"

    def offset_of(self, moment: dt.datetime) -> float:
        """Hours from the start to `moment` (fractional)."""
        return (moment - self.start) / dt.timedelta(hours=1)

    def timestamps(self, offsets: Offsets, name: str = "ts") -> pl.Series:
        """UTC microsecond timestamps of whole-hour `offsets`."""
        base = int(self.start.timestamp()) * 1_000_000
        micros = base + offsets.astype(np.int64) * MICROSECONDS_PER_HOUR
        return pl.Series(name, micros, dtype=pl.Int64).cast(TS)

    def frame(
        self,
        series: str,
        kind: str,
        interval: str,
        offsets: Offsets,
        columns: dict[str, NDArray[np.float64]],
        quote: str | None = None,
    ) -> SeriesFrame:
        """A `SeriesFrame` with `ts` at `offsets`, the float `columns` and rows numbered 1..n."""
        data = pl.DataFrame(
            [self.timestamps(offsets)]
            + [pl.Series(key, values, dtype=pl.Float64) for key, values in columns.items()]
        )
        data = data.with_columns(pl.int_range(1, data.height + 1, dtype=pl.Int64).alias(ROW))
        return SeriesFrame(
            series=series,
            kind=kind,
            source=self.source,
            interval=interval,
            frame=data,
            quote=quote,
        )
