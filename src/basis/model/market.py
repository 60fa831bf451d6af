"""The market a run sees: the panel's columns mapped onto the book's factor names.

`MarketData` is built once per run from a `Panel`; `snapshot(k)` is what was knowable at
step k (the panel never reads ahead). USD stablecoins are the numeraire: `price:USDT` and
`price:USDC` are 1 (their depeg is not modelled).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt

from basis.book import Instrument
from basis.book import factors as f
from basis.model.funding import FundingHistory, SettledRates
from basis.model.history import MarkHistory
from basis.model.reserves import Reserve, ReservePath

__all__ = [
    "STABLE_PRICES",
    "FundingFeed",
    "MarketData",
    "RewardPayout",
    "Snapshot",
]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
STABLE_PRICES = {"USDT": 1.0, "USDC": 1.0}


@dataclass(frozen=True, slots=True)
class FundingFeed:
    """A perp's funding: `rate[k]` at settlement steps (NaN where the data has none)."""

    instrument: Instrument
    rate: Floats
    settles: Bools


@dataclass(frozen=True, slots=True)
class RewardPayout:
    """One reward programme payout on an LST: tokens per LST held over its period.

    A holder is paid on its time-weighted LST over [`period_start`, `period_end`] (a season
    entered late earns its share, not the season's), or on what it holds at `time` when the
    row has no period. The token is priced in ETH from its DEX series when that has a price
    at or before the payout (`price_eth`), else at the payout's quoted USD price.
    """

    time: datetime
    lst: str
    token: str
    amount_per_lst: float
    price_eth: float | None
    price_usd: float | None
    estimated: bool = False  # the vendor marks the row estimated, not exact
    period_start: datetime | None = None
    period_end: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """What is known at one step: factor marks, funding due now and settled so far, gas,
    rates, benchmark."""

    step: int
    time: datetime
    marks: Mapping[str, float]
    funding: Mapping[Instrument, float]  # settlements at this step (NaN: missing in the data)
    base_fee_gwei: float
    priority_fee_gwei: float
    supply_apr: Mapping[str, float]
    borrow_apr: Mapping[str, float]
    benchmark_apy: float
    volume: Mapping[str, float] = field(default_factory=dict)  # perp → last closed hour's
    funding_history: FundingHistory = field(default_factory=FundingHistory)  # up to `time`
    reserves: Mapping[str, Reserve] = field(default_factory=dict)  # Aave asset → its totals
    mark_history: MarkHistory = field(default_factory=MarkHistory)  # up to `time`


@dataclass(frozen=True)
class MarketData:
    """Hourly factor paths for the book plus the feeds the engine settles from."""

    dataset: str
    times: npt.NDArray[np.int64]
    names: tuple[str, ...]
    values: Floats  # (T, len(names))
    funding: tuple[FundingFeed, ...] = ()
    base_fee_gwei: Floats = field(default_factory=lambda: np.zeros(0))
    priority_fee_gwei: Floats = field(default_factory=lambda: np.zeros(0))
    supply_apr: Mapping[str, Floats] = field(default_factory=dict)
    borrow_apr: Mapping[str, Floats] = field(default_factory=dict)
    benchmark_apy: Floats | None = None
    rewards: tuple[RewardPayout, ...] = ()
    volume: Mapping[str, Floats] = field(default_factory=dict)  # perp → hourly volume
    reserves: Mapping[str, ReservePath] = field(default_factory=dict)  # Aave asset → totals

    @property
    def steps(self) -> int:
        return int(self.times.shape[0])

    def time(self, k: int) -> datetime:
        return datetime.fromtimestamp(int(self.times[k]), UTC)

    def marks(self, k: int) -> dict[str, float]:
        return dict(zip(self.names, self.values[k].tolist(), strict=True))

    def snapshot(self, k: int) -> Snapshot:
        funding = {feed.instrument: float(feed.rate[k]) for feed in self.funding if feed.settles[k]}
        bench = math.nan if self.benchmark_apy is None else float(self.benchmark_apy[k])
        return Snapshot(
            step=k,
            time=self.time(k),
            marks=self.marks(k),
            funding=funding,
            base_fee_gwei=float(self.base_fee_gwei[k]),
            priority_fee_gwei=float(self.priority_fee_gwei[k]),
            supply_apr={a: float(v[k]) for a, v in self.supply_apr.items()},
            borrow_apr={a: float(v[k]) for a, v in self.borrow_apr.items()},
            benchmark_apy=bench,
            volume={perp: float(values[k]) for perp, values in self.volume.items()},
            funding_history=self.funding_history(k),
            reserves={
                a: Reserve(float(r.supply[k]), float(r.debt[k])) for a, r in self.reserves.items()
            },
            mark_history=self.mark_history(k),
        )

    def funding_history(self, k: int) -> FundingHistory:
        """The funding settled at steps 0..k, as known at step k."""
        return FundingHistory(self._settled, float(self.times[k]))

    def mark_history(self, k: int) -> MarkHistory:
        """The factor marks of steps 0..k, as known at step k."""
        return MarkHistory(self.times, self.names, self.values, float(self.times[k]))

    @cached_property
    def _settled(self) -> dict[Instrument, SettledRates]:
        """Every feed's settlement steps, once per run (`funding_history` reads them up to
        its step)."""
        times = self.times.astype(np.float64)
        return {
            feed.instrument: SettledRates(times[feed.settles], feed.rate[feed.settles])
            for feed in self.funding
        }


def factor_names_for(
    prices: Sequence[str], lsts: Sequence[str], aave_assets: Sequence[str], perps: Sequence[str]
) -> list[str]:
    """The factor names a run marks, in a stable order."""
    names = [f.price(asset) for asset in (*STABLE_PRICES, *prices)]
    for lst in lsts:
        names += [f.protocol_rate(lst), f.market_rate(lst)]
    for asset in aave_assets:
        names += [f.liquidity_index(asset), f.borrow_index(asset)]
    names += [f.mark(Instrument.parse(perp)) for perp in perps]
    return names
