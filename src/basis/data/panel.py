"""Alignment: catalog series → the engine's hourly panel of numpy arrays, without look-ahead.

The grid is hourly, `t` = bar open, end exclusive. A column holds what was knowable at `t`:

* candles (`ohlcv`, `token_prices`) → `<series>.price`: the open of the bar starting at `t`;
  when that bar is missing, the close of the last bar before it; `ohlcv` also →
  `<series>.volume`: the volume of the last bar that closed by `t` (the bar starting at `t`
  is still trading), NaN before the first;
* point series (`oracle`, `lst_rates`, `gas`, `benchmark`) → `<series>.<field>`: the last
  observation at or before `t`, valid for one interval;
* Aave snapshots (`lending_rates`) → indices grown from the last snapshot at its current
  rate (liquidity index: linear, as Aave accrues it; borrow index: compounded per second),
  snapping to each new snapshot when it arrives; rates and price held;
* `funding` → `<series>.rate` at settlement hours (NaN elsewhere and where a settlement is
  missing: never filled) and `<series>.settles`, True at the schedule's settlement hours;
* `rewards` → an event frame of the payouts inside the window.

Values older than their interval are forward-filled up to `max_price_fill_hours` with a
note; a longer hole inside the window is a `DataGapError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from basis.data.catalog import Catalog, SeriesInfo
from basis.data.resolve import ResolutionPolicy, resolve
from basis.data.schema import KEYS
from basis.errors import DataError, DataGapError, DataMissingError
from basis.mechanics.aave import borrow_growth, liquidity_growth

HOUR = 3600
INTERVAL_SECONDS = {"1h": HOUR, "8h": 8 * HOUR, "1d": 24 * HOUR}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Panel:
    """Aligned hourly arrays for one window. `times` are epoch seconds of each bar open."""

    dataset: str
    start: dt.datetime
    end: dt.datetime
    times: IntArray
    columns: Mapping[str, npt.NDArray[np.float64] | npt.NDArray[np.bool_]]
    events: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def steps(self) -> int:
        return int(self.times.shape[0])

    def __getitem__(self, column: str) -> npt.NDArray[np.float64] | npt.NDArray[np.bool_]:
        try:
            return self.columns[column]
        except KeyError:
            raise DataMissingError(
                f"panel has no column {column!r}; columns: {sorted(self.columns)}"
            ) from None


def hourly_grid(start: dt.datetime, end: dt.datetime) -> IntArray:
    """Epoch seconds of every hour in [start, end); both must be whole UTC hours."""
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() != dt.timedelta(0):
            raise DataError(f"window {name} {value} must be timezone-aware UTC")
        if value.minute or value.second or value.microsecond:
            raise DataError(f"window {name} {value} must be a whole hour")
    if end <= start:
        raise DataError(f"window end {end} must be after start {start}")
    return np.arange(int(start.timestamp()), int(end.timestamp()), HOUR, dtype=np.int64)


def covered_window(info: SeriesInfo) -> tuple[dt.datetime, dt.datetime]:
    """The window [first, last + interval) a series can serve."""
    if info.start is None or info.end is None:
        raise DataMissingError(f"{info.series}: the series is empty ({info.source})")
    step = dt.timedelta(seconds=INTERVAL_SECONDS.get(info.interval, 0))
    return dt.datetime.fromisoformat(info.start), dt.datetime.fromisoformat(info.end) + step


def common_window(infos: Sequence[SeriesInfo]) -> tuple[dt.datetime, dt.datetime]:
    """The window every given (non-event) series covers; `DataMissingError` if none."""
    windows = [covered_window(info) for info in infos if info.interval != "event"]
    if not windows:
        raise DataMissingError("no time series given to find a common window")
    start, end = max(w[0] for w in windows), min(w[1] for w in windows)
    if end <= start:
        raise DataMissingError(
            "the series share no common window: "
            + "; ".join(f"{i.series} {_span(*covered_window(i))}" for i in infos)
        )
    return start, end


def load_panel(
    catalog: Catalog,
    dataset: str,
    series: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    policy: ResolutionPolicy | None = None,
) -> Panel:
    """Align `series` of `dataset` on the hourly grid [start, end).

    Raises `DataMissingError` naming the series and its available window when the window
    is not covered, `DataConflictError` for unresolved conflicting duplicates, and
    `DataGapError` for holes longer than the policy fills.
    """
    policy = policy or ResolutionPolicy()
    grid = hourly_grid(start, end)
    columns: dict[str, npt.NDArray[np.float64] | npt.NDArray[np.bool_]] = {}
    events: dict[str, pl.DataFrame] = {}
    notes: list[str] = []
    for name in series:
        info = catalog.info(dataset, name)
        frame = resolve(catalog.read(dataset, name), name, policy, KEYS[info.kind])
        if info.kind == "rewards":
            events[name] = frame.filter(pl.col("ts").is_between(start, end, closed="left"))
            continue
        first, last = covered_window(info)
        if start < first or end > last:
            raise DataMissingError(
                f"{name} ({info.source}) covers {_span(first, last)}; "
                f"the requested window {_span(start, end)} is not inside it"
            )
        ts = _epoch(frame)
        aligned, note = _align(info, frame, ts, grid, policy)
        columns.update(aligned)
        if note:
            notes.append(note)
    return Panel(dataset, start, end, grid, columns, events, tuple(notes))


def _align(
    info: SeriesInfo, frame: pl.DataFrame, ts: IntArray, grid: IntArray, policy: ResolutionPolicy
) -> tuple[dict[str, FloatArray | BoolArray], str | None]:
    name = info.series
    if info.kind == "funding":
        return _align_funding(info, frame, ts, grid)
    interval = INTERVAL_SECONDS[info.interval]
    last, age = _last_observation(ts, grid)
    note = _staleness(info, grid, age, interval, policy)
    if info.kind in ("ohlcv", "token_prices"):
        fresh = age == 0
        price = np.where(fresh, _col(frame, "open")[last], _col(frame, "close")[last])
        columns: dict[str, FloatArray | BoolArray] = {f"{name}.price": price}
        if "volume" in frame.columns:
            closed, _ = _last_observation(ts, grid - interval)
            volume = _col(frame, "volume")[np.maximum(closed, 0)]
            columns[f"{name}.volume"] = np.where(closed >= 0, volume, np.nan)
        return columns, note
    if info.kind == "lending_rates":
        elapsed = age.astype(np.float64)
        supply, borrow = _col(frame, "supply_rate")[last], _col(frame, "borrow_rate")[last]
        liquidity = _col(frame, "liquidity_index")[last] * liquidity_growth(supply, elapsed)
        debt = _col(frame, "variable_borrow_index")[last] * borrow_growth(borrow, elapsed)
        return {
            f"{name}.liquidity_index": liquidity,
            f"{name}.variable_borrow_index": debt,
            f"{name}.supply_rate": supply,
            f"{name}.borrow_rate": borrow,
            f"{name}.price_usd": _col(frame, "price_usd")[last],
            f"{name}.total_supply": _col(frame, "total_supply")[last],
            f"{name}.total_variable_debt": _col(frame, "total_variable_debt")[last],
        }, note
    fields = [c for c in frame.columns if c != "ts"]
    return {f"{name}.{c}": _col(frame, c)[last] for c in fields}, note


def _align_funding(
    info: SeriesInfo, frame: pl.DataFrame, ts: IntArray, grid: IntArray
) -> tuple[dict[str, FloatArray | BoolArray], str | None]:
    interval = INTERVAL_SECONDS.get(info.interval)
    if interval is None:
        raise DataError(f"{info.series}: funding interval {info.interval!r} is not supported")
    off_schedule = ts % interval != 0
    if off_schedule.any():
        bad = frame.filter(pl.Series(off_schedule))["ts"][0]
        raise DataError(
            f"{info.series} ({info.source}): settlement at {bad} is not on the {info.interval} "
            "schedule (expected whole multiples of the interval from 00:00 UTC)"
        )
    rate = np.full(grid.shape, np.nan)
    inside = (ts >= grid[0]) & (ts <= grid[-1])
    rate[(ts[inside] - grid[0]) // HOUR] = _col(frame, "rate")[inside]
    settles = grid % interval == 0
    missing = settles & np.isnan(rate)
    note = None
    if missing.any():
        when = ", ".join(_hour(t) for t in grid[missing][:3])
        note = (
            f"{info.series}: {int(missing.sum())} missing funding settlement(s) in the window "
            f"(e.g. {when}); no payment is booked for them"
        )
    return {f"{info.series}.rate": rate, f"{info.series}.settles": settles}, note


def _last_observation(ts: IntArray, grid: IntArray) -> tuple[IntArray, IntArray]:
    """Index of the last row at or before each grid time, and its age in seconds."""
    last = np.searchsorted(ts, grid, side="right") - 1
    return last, grid - ts[last]


def _staleness(
    info: SeriesInfo, grid: IntArray, age: IntArray, interval: int, policy: ResolutionPolicy
) -> str | None:
    """Raise for holes beyond the fill limit; describe the ones filled."""
    missing_hours = np.where(age >= interval, (age - interval) // HOUR + 1, 0)
    worst = int(missing_hours.max())
    if worst > policy.max_price_fill_hours:
        at = int(np.argmax(missing_hours))
        hole_start = grid[at] - (worst - 1) * HOUR
        raise DataGapError(
            f"{info.series} ({info.source}): {worst} h without data ending {_hour(grid[at])} "
            f"(from {_hour(hole_start)}); the policy fills at most "
            f"{policy.max_price_fill_hours} h (max_price_fill_hours)"
        )
    filled = int(np.count_nonzero(missing_hours))
    if not filled:
        return None
    return f"{info.series}: forward-filled {filled} hour(s), longest hole {worst} h"


def _epoch(frame: pl.DataFrame) -> IntArray:
    seconds = frame["ts"].dt.epoch("s").to_numpy()
    return np.asarray(seconds, dtype=np.int64)


def _col(frame: pl.DataFrame, name: str) -> FloatArray:
    return np.asarray(frame[name].to_numpy(), dtype=np.float64)


def _hour(epoch: int | np.int64) -> str:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%d %H:%M")


def _span(start: dt.datetime, end: dt.datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} UTC"
