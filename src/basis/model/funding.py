"""Funding settled up to now: each perp's settlement times and rates, read by window.

A strategy whose signal is trailing funding reads it here rather than keeping a history
of the snapshots it was shown, so its signal is a function of the data known at t: the
same whether every step is decided (the reference loop), most are skipped (spans), or a
paper run resumed after a restart. Nothing settled after `now` can be read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from basis.book import Instrument
from basis.errors import InvalidOperationError

__all__ = ["FundingHistory", "FundingTape", "SettledRates", "Times"]

Floats = npt.NDArray[np.float64]
Times = npt.NDArray[np.float64] | npt.NDArray[np.int64]  # epoch seconds


@dataclass(frozen=True, slots=True)
class SettledRates:
    """One perp's settlements in time order: epoch seconds, rates (NaN: missing in the data)."""

    times: Floats
    rates: Floats


@dataclass(frozen=True)
class FundingHistory:
    """The funding every perp settled at or before `now` (epoch seconds).

    `perps` may hold later settlements (a backtest shares one set of arrays between all
    its steps); every read stops at `now`.
    """

    perps: Mapping[Instrument, SettledRates] = field(default_factory=dict)
    now: float = -math.inf

    def trailing_mean(
        self, instrument: Instrument, hours: float, at: Times | None = None
    ) -> Floats:
        """The mean of the finite rates `instrument` settled in `(t − hours, t]`, for each
        time t of `at` (epoch seconds; default: `now` alone), never past `now`.

        Returns an array shaped as `at` (one element by default), NaN where the window
        holds no finite rate (no settlement, or only missing ones).
        """
        ends = np.array([self.now]) if at is None else np.asarray(at, dtype=np.float64)
        settled = self.perps.get(instrument)
        if settled is None or ends.size == 0:
            return np.full(ends.shape, np.nan)
        times = settled.times
        high = np.searchsorted(times, np.minimum(ends, self.now), side="right")
        low = np.minimum(np.searchsorted(times, ends - hours * 3600.0, side="right"), high)
        first = int(low.min())
        rates = settled.rates[first : int(high.max())]
        finite = np.isfinite(rates)
        sums = np.concatenate(([0.0], np.cumsum(np.where(finite, rates, 0.0))))
        counts = np.concatenate(([0], np.cumsum(finite)))
        high, low = high - first, low - first
        count = counts[high] - counts[low]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean: Floats = np.where(count > 0, (sums[high] - sums[low]) / count, np.nan)
        return mean


class FundingTape:
    """The settlements a live feed has seen, recorded in time order per perp; `history(now)`
    is what is known at `now`."""

    def __init__(self) -> None:
        self._rows: dict[Instrument, tuple[list[float], list[float]]] = {}
        self._arrays: dict[Instrument, SettledRates] = {}

    def record(self, instrument: Instrument, time: float, rate: float) -> None:
        """Add `instrument`'s settlement at `time` (epoch seconds; NaN rate: unknown).

        Raises InvalidOperationError for a time not after the perp's last settlement: a
        settlement is recorded once, in order, so a history never changes behind `now`.
        """
        times, rates = self._rows.setdefault(instrument, ([], []))
        if times and time <= times[-1]:
            raise InvalidOperationError(
                f"{instrument} settlement at {time:.0f} is not after the last recorded "
                f"({times[-1]:.0f})"
            )
        times.append(time)
        rates.append(rate)
        self._arrays.pop(instrument, None)

    def history(self, now: float) -> FundingHistory:
        """What the tape knows at `now` (epoch seconds)."""
        for instrument, (times, rates) in self._rows.items():
            if instrument not in self._arrays:
                self._arrays[instrument] = SettledRates(
                    np.array(times, dtype=np.float64), np.array(rates, dtype=np.float64)
                )
        return FundingHistory(dict(self._arrays), now)
