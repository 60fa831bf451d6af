"""Features of the ML directional modes, from the hourly history known at each hour.

Row `i` of every array uses observations `0..i` only: the price and perp mark at `i` (the
open of the bar starting then), the last funding rate settled at or before `i`, and the
volume of the last bar closed by `i`. So a model fitted on rows whose label is known at
`t` (`i + horizon <= t`) and asked about row `t` never sees data after `t`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["FEATURES", "LOOKBACK", "History", "features", "labels"]

Floats = npt.NDArray[np.float64]

RETURN_HOURS: Final = (1, 4, 24, 72, 168)
VOL_HOURS: Final = (24, 168)
TREND_HOURS: Final = 168  # funding trend and relative volume look back a week
FEATURES: Final = (
    *(f"return_{h}h" for h in RETURN_HOURS),
    *(f"volatility_{h}h" for h in VOL_HOURS),
    "funding_apr",
    "funding_trend",
    "basis",
    "volume_ratio",
)
COLUMNS: Final = ("time", "price", "mark", "funding_apr", "volume")
LOOKBACK: Final = max(*RETURN_HOURS, *VOL_HOURS, TREND_HOURS)
"""Rows before this one lack a full window; their features are NaN where it matters."""


@dataclass
class History:
    """The hourly observations seen so far, in growable arrays (appended once per hour)."""

    time: Floats = field(default_factory=lambda: np.empty(1024))  # epoch seconds
    price: Floats = field(default_factory=lambda: np.empty(1024))
    mark: Floats = field(default_factory=lambda: np.empty(1024))
    funding_apr: Floats = field(default_factory=lambda: np.empty(1024))
    volume: Floats = field(default_factory=lambda: np.empty(1024))
    size: int = 0

    def append(
        self, time: float, price: float, mark: float, funding_apr: float, volume: float
    ) -> None:
        if self.size == self.price.shape[0]:
            for name in COLUMNS:
                grown = np.empty(2 * self.size)
                grown[: self.size] = getattr(self, name)
                setattr(self, name, grown)
        k = self.size
        for name, value in zip(COLUMNS, (time, price, mark, funding_apr, volume), strict=True):
            getattr(self, name)[k] = value
        self.size += 1

    def view(self, start: int = 0) -> tuple[Floats, Floats, Floats, Floats]:
        """(price, mark, funding APR, volume) of rows `start..size − 1`."""
        end = self.size
        return (
            self.price[start:end],
            self.mark[start:end],
            self.funding_apr[start:end],
            self.volume[start:end],
        )


def features(price: Floats, mark: Floats, funding_apr: Floats, volume: Floats) -> Floats:
    """The `FEATURES` of every row, `(n, len(FEATURES))`; NaN where a window is short.

    Returns over `RETURN_HOURS` (log), realised volatility of hourly log returns over
    `VOL_HOURS` (not annualised), the last funding APR and its excess over its week's mean,
    the perp's basis to spot, and the log of volume over its week's mean.
    """
    n = price.shape[0]
    logs = np.log(price)
    table = np.full((n, len(FEATURES)), np.nan)
    column = 0
    for hours in RETURN_HOURS:
        if n > hours:
            table[hours:, column] = logs[hours:] - logs[:-hours]
        column += 1
    steps = np.diff(logs, prepend=np.nan)
    for hours in VOL_HOURS:
        if n > hours:
            windows = sliding_window_view(steps[1:], hours)
            table[hours:, column] = windows.std(axis=1, ddof=1)
        column += 1
    table[:, column] = funding_apr
    table[:, column + 1] = funding_apr - _trailing_mean(funding_apr, TREND_HOURS)
    table[:, column + 2] = mark / price - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        table[:, column + 3] = np.log(volume / _trailing_mean(volume, TREND_HOURS))
    table[~np.isfinite(table)] = np.nan
    return table


def labels(price: Floats, horizon: int) -> Floats:
    """1 where the price `horizon` hours later is higher, 0 where not; NaN where unknown."""
    result = np.full(price.shape[0], np.nan)
    if price.shape[0] > horizon:
        result[:-horizon] = (price[horizon:] > price[:-horizon]).astype(np.float64)
    return result


def _trailing_mean(values: Floats, hours: int) -> Floats:
    """Mean of each row's last `hours` values (itself included); NaN until there are that many."""
    result = np.full(values.shape[0], np.nan)
    if values.shape[0] >= hours:
        result[hours - 1 :] = sliding_window_view(values, hours).mean(axis=1)
    return result


def annualised(volatility: float, hours: int = 1) -> float:
    """An hourly (or `hours`-long) standard deviation as an annual one (√ of time)."""
    return volatility * math.sqrt(8760.0 / hours)
