"""Market snapshots on a wall clock: from venue quotes, or replayed from market data.

A runner asks its feed for the snapshots since the last one: usually one, the market now;
with a funding settlement in between, the settlement first (at its exact time, at the
marks then known and the rate the venue predicted), so a paper book settles funding as a
backtest does. Every snapshot carries the funding settled up to it (`FundingHistory`: from
the market data on a replay, from the feed's own record of settlements on venue quotes).
Each snapshot carries the wall-clock instant it was taken, for the stale data guard.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

import numpy as np

from basis.book import Instrument
from basis.book import factors as f
from basis.config.market import MarketConfig
from basis.live.venue import Quote, Venue, VenueError
from basis.mechanics.perps import settlements_between
from basis.model.funding import FundingTape
from basis.model.market import STABLE_PRICES, MarketData, Snapshot
from basis.model.needs import Needs, perp_instrument

__all__ = ["Feed", "ReplayFeed", "Taken", "VenueFeed", "markets_for"]


@dataclass(frozen=True)
class Taken:
    """Snapshots in time order (the last is the market now), when they were taken (wall
    clock, `time.monotonic()`), the venues that did not answer (with the error), and
    whether the last is a replay's end, where its window is valued and nothing decided."""

    snapshots: tuple[Snapshot, ...]
    taken_at: float
    degraded: Mapping[str, str]
    end: bool = False

    @property
    def now(self) -> Snapshot:
        return self.snapshots[-1]


class Feed(Protocol):
    async def take(self) -> Taken:
        """The snapshots since the previous call (at least one)."""
        ...


class ReplayFeed:
    """Market data replayed step by step: each `take` is the next hourly step, the last
    marked as the window's `end` (valued, not decided at, as the backtest loop does).

    The runtime on this feed with paper execution makes exactly a backtest's decisions
    (tests/live/test_parity.py)."""

    def __init__(self, data: MarketData, start: int = 0) -> None:
        self.data = data
        self.step = start

    @property
    def done(self) -> bool:
        return self.step >= self.data.steps

    def seek(self, after: datetime) -> None:
        """Continue with the first step after `after` (a resumed run's checkpoint)."""
        self.step = int(np.searchsorted(self.data.times, after.timestamp(), side="right"))

    async def take(self) -> Taken:
        if self.done:
            raise VenueError(
                f"the replay of {self.data.dataset} has no step left (it ends at "
                f"{self.data.time(self.data.steps - 1):%Y-%m-%d %H:%M} UTC)"
            )
        snap = self.data.snapshot(self.step)
        self.step += 1
        return Taken((snap,), time.monotonic(), {}, end=self.done)


def markets_for(needs: Needs, market: MarketConfig, venues: Sequence[str]) -> dict[str, str]:
    """The venue markets a mode's marks come from: factor name → market name.

    Perps mark themselves; an asset's price comes from the first venue with a spot market
    for it (`binance:spot:BTC`), else from the first perp's index."""
    names: dict[str, str] = {}
    if needs.perp_base is not None:
        for venue in venues:
            perp = perp_instrument(market, venue, needs.perp_base)
            names[f.mark(perp)] = str(perp)
    for asset in needs.prices:
        spot = next(
            (v for v in venues if market.venue(v).spot_fees is not None),
            None,
        )
        if spot is not None:
            names[f.price(asset)] = f"{spot}:spot:{asset}"
        elif needs.perp_base == asset and venues:
            names[f.price(asset)] = str(perp_instrument(market, venues[0], asset))
    return names


class VenueFeed:
    """Snapshots built from the venues' quotes (CEX and perp-DEX modes: no chain data).

    The snapshot time is the venues' own clock (the newest quote), never behind the previous
    snapshot. A venue that does not answer is `degraded` in the result; its last quotes are
    not reused, so a snapshot that lacks a mark fails loudly instead of going stale. The
    settlements it emits are kept on `tape` from the feed's start (not before it: a
    restarted feed's history begins again)."""

    def __init__(
        self,
        venues: Mapping[str, Venue],
        market: MarketConfig,
        needs: Needs,
    ) -> None:
        self.venues = dict(venues)
        self.market = market
        self.sources = markets_for(needs, market, list(venues))
        self.perps = [Instrument.parse(m) for m in self.sources.values() if ":perp:" in m]
        self.previous: Snapshot | None = None
        self.step = 0
        self.tape = FundingTape()

    async def take(self) -> Taken:
        by_venue: dict[str, list[str]] = {}
        for name in set(self.sources.values()):
            by_venue.setdefault(name.split(":", 1)[0], []).append(name)
        answers = await asyncio.gather(
            *(self.venues[v].quotes(sorted(m)) for v, m in by_venue.items()),
            return_exceptions=True,
        )
        taken_at = time.monotonic()
        quotes: dict[str, Quote] = {}
        degraded: dict[str, str] = {}
        for venue, answer in zip(by_venue, answers, strict=True):
            if isinstance(answer, VenueError):
                degraded[venue] = str(answer)
            elif isinstance(answer, BaseException):
                raise answer
            else:
                quotes.update(answer)
        if degraded:
            return Taken((), taken_at, degraded)
        return Taken(tuple(self._snapshots(quotes)), taken_at, {})

    def _snapshots(self, quotes: Mapping[str, Quote]) -> list[Snapshot]:
        at = max(q.time for q in quotes.values())
        previous = self.previous
        if previous is not None and at < previous.time:
            at = previous.time
        marks = {f.price(asset): price for asset, price in STABLE_PRICES.items()}
        for factor, market in self.sources.items():
            quote = quotes[market]
            value = quote.index if factor.startswith("price:") and ":perp:" in market else None
            marks[factor] = value if value is not None else quote.mark
        snapshots: list[Snapshot] = []
        if previous is not None:
            settled = self._settle(previous.time, at, quotes)
            snapshots = _merge([self._snapshot(t, previous.marks, {p: r}) for t, p, r in settled])
        snapshots.append(self._snapshot(at, marks, {}))
        self.previous = snapshots[-1]
        return snapshots

    def _settle(
        self, since: datetime, at: datetime, quotes: Mapping[str, Quote]
    ) -> list[tuple[datetime, Instrument, float]]:
        """The settlements in `(since, at]` at the rates the venues predicted (NaN: none
        quoted), in time order, recorded on the tape."""
        settled: list[tuple[datetime, Instrument, float]] = []
        for perp in self.perps:
            schedule = self.market.venue(perp.venue).funding
            rate = quotes[str(perp)].funding_rate
            for settles in settlements_between(since, at, schedule):
                settled.append((settles, perp, math.nan if rate is None else rate))
        settled.sort(key=lambda row: row[0])
        for settles, perp, rate in settled:
            self.tape.record(perp, settles.timestamp(), rate)
        return settled

    def _snapshot(
        self, at: datetime, marks: Mapping[str, float], funding: Mapping[Instrument, float]
    ) -> Snapshot:
        self.step += 1
        return Snapshot(
            step=self.step,
            time=at,
            marks=dict(marks),
            funding=dict(funding),
            base_fee_gwei=0.0,
            priority_fee_gwei=0.0,
            supply_apr={},
            borrow_apr={},
            benchmark_apy=math.nan,
            funding_history=self.tape.history(at.timestamp()),
        )


def _merge(snapshots: list[Snapshot]) -> list[Snapshot]:
    """One snapshot per settlement time, with the funding of every perp settling then."""
    merged: list[Snapshot] = []
    for snap in snapshots:
        if merged and merged[-1].time == snap.time:
            merged[-1] = replace(merged[-1], funding={**merged[-1].funding, **snap.funding})
        else:
            merged.append(snap)
    return merged
