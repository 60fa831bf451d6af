"""External trading signals: a Parquet or CSV file of (time, signal, confidence) rows that a
directional mode trades instead of its own model.

Contract (docs/strategies.md): `time` a UTC timestamp (ISO 8601 text in CSV), strictly
increasing; `signal` in [−1, 1] (the sign is the side, the size the share of the
volatility-targeted position); `confidence` in [0, 1]. No row may be timestamped after the
moment the file is read: a signal from the future is a look-ahead. The row in force at `t`
is the last one at or before `t`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from basis.errors import DataError

__all__ = ["Signal", "SignalFile", "load_signals"]

COLUMNS = ("time", "signal", "confidence")


@dataclass(frozen=True)
class Signal:
    """The row in force at a time."""

    time: dt.datetime
    signal: float
    confidence: float


@dataclass(frozen=True)
class SignalFile:
    """Validated rows, as arrays for an as-of lookup."""

    path: Path
    times: npt.NDArray[np.int64]  # epoch seconds, strictly increasing
    signals: npt.NDArray[np.float64]
    confidences: npt.NDArray[np.float64]

    def at(self, time: dt.datetime) -> Signal | None:
        """The last row at or before `time`; None before the first."""
        k = int(np.searchsorted(self.times, int(time.timestamp()), side="right")) - 1
        if k < 0:
            return None
        return Signal(
            dt.datetime.fromtimestamp(int(self.times[k]), dt.UTC),
            float(self.signals[k]),
            float(self.confidences[k]),
        )


def load_signals(path: Path, now: dt.datetime | None = None) -> SignalFile:
    """Read and validate a signal file; `now` (UTC, default the clock) bounds its times.

    Raises DataError naming the file, the row (1-based, as a spreadsheet counts data rows)
    and the field for a missing column, an unreadable time, a value out of range or not
    finite, a time not after the previous row's, or a time after `now`.
    """
    if not path.is_file():
        raise DataError(f"{path}: no such signal file")
    try:
        frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DataError(f"{path}: cannot read it as {path.suffix or 'CSV'}: {error}") from None
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; expected {list(COLUMNS)}")
    if frame.is_empty():
        raise DataError(f"{path}: no rows")
    times = _times(path, frame["time"])
    values = {}
    for name, low in (("signal", -1.0), ("confidence", 0.0)):
        try:
            column = frame[name].cast(pl.Float64, strict=True).to_numpy()
        except pl.exceptions.PolarsError:
            raise DataError(f"{path}: column {name!r} must be numbers") from None
        bad = np.flatnonzero(~(np.isfinite(column) & (column >= low) & (column <= 1.0)))
        if bad.size:
            row = int(bad[0])
            raise DataError(
                f"{path}: row {row + 1}, {name}: {float(column[row])!r} is not in [{low:g}, 1]"
            )
        values[name] = np.asarray(column, dtype=np.float64)
    back = np.flatnonzero(np.diff(times) <= 0)
    if back.size:
        row = int(back[0]) + 1
        raise DataError(
            f"{path}: row {row + 1}, time: {_iso(times[row])} is not after the previous "
            f"row's {_iso(times[row - 1])}; times must increase strictly"
        )
    limit = int((now or dt.datetime.now(dt.UTC)).timestamp())
    future = np.flatnonzero(times > limit)
    if future.size:
        row = int(future[0])
        raise DataError(
            f"{path}: row {row + 1}, time: {_iso(times[row])} is in the future (now "
            f"{_iso(limit)}); a signal cannot be known before its time"
        )
    return SignalFile(path, times, values["signal"], values["confidence"])


def _times(path: Path, column: pl.Series) -> npt.NDArray[np.int64]:
    """Epoch seconds of a time column: a UTC datetime, or ISO 8601 text with an offset."""
    if column.dtype == pl.String:
        texts = column.to_list()
        bad = next((k for k, text in enumerate(texts) if not _iso_ok(text)), None)
        if bad is not None:
            raise DataError(
                f"{path}: row {bad + 1}, time: {texts[bad]!r} is not an ISO 8601 timestamp "
                "with a UTC offset (e.g. 2024-05-01T13:00:00Z)"
            )
        stamps = [dt.datetime.fromisoformat(str(text)).timestamp() for text in texts]
        return np.asarray(stamps, dtype=np.float64).astype(np.int64)
    if not isinstance(column.dtype, pl.Datetime):
        raise DataError(f"{path}: column 'time' must be timestamps, got {column.dtype}")
    if column.dtype.time_zone is None:
        raise DataError(f"{path}: column 'time' has no time zone; write UTC timestamps")
    if column.null_count():
        row = int(column.is_null().arg_max() or 0)
        raise DataError(f"{path}: row {row + 1}, time: empty")
    return np.asarray(column.dt.epoch("s").to_numpy(), dtype=np.int64)


def _iso_ok(value: object) -> bool:
    if value is None:
        return False
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def _iso(epoch: int | np.int64) -> str:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).isoformat()
