"""The emulator's market: a venue's catalog prices and funding on an accelerated clock."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from basis.data.catalog import Catalog
from basis.data.panel import common_window, load_panel
from basis.data.resolve import ResolutionPolicy
from basis.errors import ConfigError, DataMissingError

__all__ = ["EmulatorClock", "MarketReplay", "Settlement", "load_replay"]

HOUR = 3600
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class EmulatorClock:
    """Emulator time = `start` + (wall − wall at creation) × `speed`; `wall` is injectable."""

    start: dt.datetime
    speed: float = 1.0
    wall: Callable[[], float] = time.time
    wall0: float = field(default=math.nan)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ConfigError(f"emulator start {self.start} must be timezone-aware UTC")
        if not self.speed > 0:
            raise ConfigError(f"emulator speed must be > 0, got {self.speed}")
        if math.isnan(self.wall0):
            self.wall0 = self.wall()

    def now(self) -> dt.datetime:
        """The emulator's current time (UTC)."""
        return self.start + dt.timedelta(seconds=(self.wall() - self.wall0) * self.speed)

    def now_ms(self) -> int:
        return int(self.now().timestamp() * 1000)


@dataclass(frozen=True)
class Settlement:
    """One funding settlement of a perp in the data: its time, rate and mark."""

    time: dt.datetime
    rate: float
    mark: float


@dataclass(frozen=True)
class MarketReplay:
    """Hourly bars of one venue (`t` = bar open, the value knowable at `t`), by venue symbol.

    `spot` and `perp` map a symbol such as `BTCUSDT` to its prices; `funding_rate` is the
    rate at settlement hours (NaN elsewhere). After the last bar the market stays at its
    last prices and no funding settles.
    """

    venue: str
    times: npt.NDArray[np.int64]
    spot: dict[str, FloatArray]
    perp: dict[str, FloatArray]
    funding_rate: dict[str, FloatArray]
    funding_interval_hours: int = 8

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(self.times[0]), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The end (exclusive) of the last bar."""
        return dt.datetime.fromtimestamp(int(self.times[-1]) + HOUR, dt.UTC)

    def step(self, at: dt.datetime) -> int:
        """The index of the bar holding `at`, clamped to the data."""
        index = (int(at.timestamp()) - int(self.times[0])) // HOUR
        return min(max(index, 0), len(self.times) - 1)

    def spot_price(self, symbol: str, at: dt.datetime) -> float:
        return float(self.spot[symbol][self.step(at)])

    def mark(self, symbol: str, at: dt.datetime) -> float:
        return float(self.perp[symbol][self.step(at)])

    def index(self, symbol: str, at: dt.datetime) -> float:
        """The perp's spot reference: the spot pair of the same name, else its mark."""
        prices = self.spot.get(symbol)
        return float(prices[self.step(at)]) if prices is not None else self.mark(symbol, at)

    def last_rate(self, symbol: str, at: dt.datetime) -> float:
        """The rate of the last settlement at or before `at` (0 before the first): the
        emulator's estimate of the next one, so it never shows data from the future."""
        rates = self.funding_rate[symbol][: self.step(at) + 1]
        settled = rates[~np.isnan(rates)]
        return float(settled[-1]) if settled.size else 0.0

    def next_settlement(self, at: dt.datetime) -> dt.datetime:
        """The first settlement time of the schedule strictly after `at`."""
        interval = self.funding_interval_hours * HOUR
        seconds = int(at.timestamp())
        return dt.datetime.fromtimestamp((seconds // interval + 1) * interval, dt.UTC)

    def settlements(self, symbol: str, after: dt.datetime, until: dt.datetime) -> list[Settlement]:
        """The settlements of `symbol` in (after, until] that the data has, oldest first."""
        first = (int(after.timestamp()) - int(self.times[0])) // HOUR + 1
        last = (int(until.timestamp()) - int(self.times[0])) // HOUR
        rates, marks = self.funding_rate[symbol], self.perp[symbol]
        found = []
        for index in range(max(first, 0), min(last, len(self.times) - 1) + 1):
            if not math.isnan(rates[index]):
                when = dt.datetime.fromtimestamp(int(self.times[index]), dt.UTC)
                found.append(Settlement(when, float(rates[index]), float(marks[index])))
        return found

    def bar_times(self, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        """The bar opens in (after, until] inside the data."""
        first = (int(after.timestamp()) - int(self.times[0])) // HOUR + 1
        last = (int(until.timestamp()) - int(self.times[0])) // HOUR
        return [
            dt.datetime.fromtimestamp(int(self.times[i]), dt.UTC)
            for i in range(max(first, 0), min(last, len(self.times) - 1) + 1)
        ]


def load_replay(
    catalog: Catalog,
    dataset: str,
    venue: str = "binance",
    funding_interval_hours: int = 8,
    policy: ResolutionPolicy | None = None,
) -> MarketReplay:
    """Load every `<venue>:spot:*`, `<venue>:perp:*` and `<venue>:funding:*` series of
    `dataset` over the window they all cover.

    Raises DataMissingError when the dataset is missing or has no perp with funding for
    the venue, and the panel's errors (`DataGapError`, …) for unusable data.
    """
    available = {info.series: info for info in catalog.series(dataset)}
    if not available:
        raise DataMissingError(
            f"dataset {dataset!r} is not in the catalog {catalog.root}; "
            f"known: {catalog.datasets() or 'none'}"
        )
    perps = sorted(
        name.split(":")[2]
        for name in available
        if name.startswith(f"{venue}:perp:")
        and f"{venue}:funding:{name.split(':')[2]}" in available
    )
    if not perps:
        raise DataMissingError(f"dataset {dataset!r} has no {venue} perp with funding to replay")
    spots = sorted(
        name.split(":")[2]
        for name in available
        if name.startswith(f"{venue}:spot:") and available[name].quote == "USDT"
    )
    names = [f"{venue}:spot:{s}" for s in spots] + [f"{venue}:perp:{p}" for p in perps]
    names += [f"{venue}:funding:{p}" for p in perps]
    start, end = common_window([available[name] for name in names])
    panel = load_panel(catalog, dataset, names, start, end, policy)
    return MarketReplay(
        venue=venue,
        times=panel.times,
        spot={s: np.asarray(panel[f"{venue}:spot:{s}.price"], dtype=float) for s in spots},
        perp={p: np.asarray(panel[f"{venue}:perp:{p}.price"], dtype=float) for p in perps},
        funding_rate={
            p: np.where(
                np.asarray(panel[f"{venue}:funding:{p}.settles"], dtype=bool),
                np.asarray(panel[f"{venue}:funding:{p}.rate"], dtype=float),
                np.nan,
            )
            for p in perps
        },
        funding_interval_hours=funding_interval_hours,
    )
