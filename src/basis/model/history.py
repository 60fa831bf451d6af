"""Factor marks up to now: the trailing growth of a mark (an LST's rate, an Aave index).

As `FundingHistory` does for funding, a strategy whose signal is a trailing window of
marks reads it here rather than keeping the snapshots it was shown, so its signal is a
function of the data known at t: the same whether every step is decided, most are
skipped (spans), or a run resumed. Nothing marked after `now` can be read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from basis.model.funding import Times

__all__ = ["HOURS_PER_YEAR", "MarkHistory"]

Floats = npt.NDArray[np.float64]
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class MarkHistory:
    """Every factor's marks at `times` (epoch seconds, ascending), read up to `now`.

    `values` is (len(times), len(names)) and may hold later rows (a backtest shares its
    market data between all its steps); every read stops at `now`.
    """

    times: Times = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    names: tuple[str, ...] = ()
    values: Floats = field(default_factory=lambda: np.zeros((0, 0)))
    now: float = -math.inf

    def trailing_growth(self, name: str, hours: float, at: Times | None = None) -> Floats:
        """The growth of mark `name` over the `hours` before each time t of `at` (epoch
        seconds; default: `now` alone), annualised as a simple rate (APR):
        `(x(t) / x(t − hours) − 1) × 8760 / hours`, where x(s) is the last mark at or
        before s, and t is never later than `now`.

        Returns an array shaped as `at`, NaN where `t − hours` is before the first mark,
        the mark at its start is not positive, or `name` is not marked.
        """
        ends = np.array([self.now]) if at is None else np.asarray(at, dtype=np.float64)
        if name not in self.names or ends.size == 0 or self.times.size == 0:
            return np.full(ends.shape, np.nan)
        ends = np.minimum(ends, self.now)
        column = self.values[:, self.names.index(name)]
        last = np.searchsorted(self.times, ends, side="right") - 1
        first = np.searchsorted(self.times, ends - hours * 3600.0, side="right") - 1
        known = (first >= 0) & (last >= 0)
        start = np.where(known, column[np.maximum(first, 0)], np.nan)
        end = np.where(known, column[np.maximum(last, 0)], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            growth: Floats = np.where(
                start > 0.0, (end / start - 1.0) * (HOURS_PER_YEAR / hours), np.nan
            )
        return growth
