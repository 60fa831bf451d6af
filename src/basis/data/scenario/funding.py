"""Funding: an hourly APR per venue and asset, settled on each venue's own schedule."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from basis.config.scenarios import HOURS_PER_YEAR, FundingConfig, ShockConfig
from basis.config.venues import VenueConfig
from basis.data.catalog import SeriesFrame
from basis.data.scenario.prices import ETH, venue_quote
from basis.data.scenario.processes import ornstein_uhlenbeck, trailing_mean
from basis.data.scenario.shocks import blend_levels, matching
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline

Array = NDArray[np.float64]
# APR history simulated before the start, so the first settlements average a full period
# (intervals are at most 24 h).
WARMUP_HOURS = 24


@dataclass(frozen=True)
class FundingPaths:
    """Hourly funding APR per (venue, asset) at instants `−WARMUP_HOURS … hours`."""

    apr: dict[tuple[str, str], Array]

    def at_instants(self, venue: str, asset: str) -> Array:
        """APR at the instants `0 … hours` (drops the warm-up)."""
        return self.apr[(venue, asset)][WARMUP_HOURS:]

    def market_mean(self) -> Array:
        """Mean APR over every venue and asset, at instants `−WARMUP_HOURS … hours`."""
        stacked: Array = np.mean(np.stack(list(self.apr.values())), axis=0)
        return stacked


def simulate_funding(
    config: FundingConfig,
    venues: list[str],
    assets: list[str],
    shocks: tuple[ShockConfig, ...],
    timeline: Timeline,
    streams: Streams,
) -> FundingPaths:
    """Return APR = venue mean + asset offset + market factor + venue deviation.

    The market factor is one OU process per asset (each correlated to ETH's by
    `asset_correlation`), shared by every venue: it is what makes venues co-move. The venue
    deviation is an independent, faster OU per venue and asset. A funding shock pulls the
    APR to its level and keeps the venue deviation.
    """
    count = timeline.hours + 1 + WARMUP_HOURS
    offsets = np.arange(-WARMUP_HOURS, timeline.hours + 1, dtype=np.float64)

    def market_factor(asset: str) -> Array:
        return ornstein_uhlenbeck(
            streams.generator("funding", "market", asset),
            count,
            config.common_volatility,
            config.common_half_life_hours,
        )

    eth_factor = market_factor(ETH)
    rho = config.asset_correlation
    apr = {}
    for asset in assets:
        factor = (
            eth_factor
            if asset == ETH
            else rho * eth_factor + math.sqrt(1.0 - rho * rho) * market_factor(asset)
        )
        offset = config.asset_offset_apr.get(asset, 0.0)
        for venue in venues:
            deviation = ornstein_uhlenbeck(
                streams.generator("funding", "venue", venue, asset),
                count,
                config.venue_volatility,
                config.venue_half_life_hours,
            )
            mean = config.mean_apr.get(venue, config.default_mean_apr)
            rate = mean + offset + factor + deviation
            active = matching(shocks, "funding", asset=asset, venue=venue)
            apr[(venue, asset)] = blend_levels(rate, active, timeline, offsets, deviation)
    return FundingPaths(apr=apr)


def settlement_rates(apr: Array, interval_hours: int, settlements: NDArray[np.int64]) -> Array:
    """Return the rate per period at each settlement bar: mean APR of the period × interval/8760.

    `apr` starts `WARMUP_HOURS` before bar 0; a settlement at bar k averages the APR at the
    instants k − interval … k − 1 (the period just ended), so it is knowable at k.
    """
    mean = trailing_mean(apr, interval_hours, settlements + WARMUP_HOURS)
    rates: Array = mean * interval_hours / HOURS_PER_YEAR
    return rates


def funding_frames(
    paths: FundingPaths,
    venues: dict[str, VenueConfig],
    assets: list[str],
    timeline: Timeline,
) -> list[SeriesFrame]:
    """Return `{venue}:funding:{ASSET}{QUOTE}` at each venue's settlement hours (UTC)."""
    hour_of_day = (timeline.bars + timeline.start.hour) % 24
    frames = []
    for name, venue in venues.items():
        schedule = venue.funding
        settlements = timeline.bars[np.isin(hour_of_day, schedule.hours)]
        for asset in assets:
            rates = settlement_rates(paths.apr[(name, asset)], schedule.interval_hours, settlements)
            frames.append(
                timeline.frame(
                    f"{name}:funding:{asset}{venue_quote(venue)}",
                    "funding",
                    f"{schedule.interval_hours}h",
                    settlements,
                    {"rate": rates},
                )
            )
    return frames
