"""Liquid staking tokens: protocol rate growing at the staking APR, market rate at a discount."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from basis.config.scenarios import HOURS_PER_YEAR, LstScenarioConfig, ShockConfig
from basis.data.catalog import SeriesFrame
from basis.data.scenario.processes import ornstein_uhlenbeck
from basis.data.scenario.shocks import blend_levels, matching
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline

Array = NDArray[np.float64]


@dataclass(frozen=True)
class LstPath:
    """ETH per LST at the instants `0 … hours`: protocol (oracle) and market (DEX) rates."""

    protocol_rate: Array
    market_rate: Array


def simulate_lst(
    config: LstScenarioConfig,
    lst: str,
    shocks: tuple[ShockConfig, ...],
    timeline: Timeline,
    streams: Streams,
) -> LstPath:
    """Return one LST's rates.

    Value accrues continuously at the staking APR, `value_k = initial · exp(Σ_{j<k}
    apr_j / 8760)`, the APR an OU around `staking_apr`. The protocol (oracle) rate is that
    value as last reported: it steps once a day at `update_hour_utc`, like the protocols'
    daily oracle reports. The market rate trades continuously at `value × (1 − discount)`,
    the discount an OU around its centre; a depeg shock moves the centre to its magnitude.
    """
    count = timeline.hours + 1
    hourly_apr = config.staking_apr + ornstein_uhlenbeck(
        streams.generator("lst", lst, "apr"),
        count,
        config.staking_apr_volatility,
        config.staking_apr_half_life_days * 24.0,
    )
    growth = np.concatenate(([0.0], np.cumsum(hourly_apr[:-1]) / HOURS_PER_YEAR))
    value = config.initial_rate * np.exp(growth)
    instants = np.arange(count)
    reported = (instants + timeline.start.hour) % 24 == config.update_hour_utc
    last_report = np.maximum.accumulate(np.where(reported, instants, 0))
    deviation = ornstein_uhlenbeck(
        streams.generator("lst", lst, "discount"),
        count,
        config.discount_volatility,
        config.discount_half_life_hours,
    )
    offsets = instants.astype(np.float64)
    depegs = matching(shocks, "depeg", asset=lst)
    discount = blend_levels(config.discount + deviation, depegs, timeline, offsets, deviation)
    return LstPath(protocol_rate=value[last_report], market_rate=value * (1.0 - discount))


def lst_frames(paths: dict[str, LstPath], timeline: Timeline) -> list[SeriesFrame]:
    """Return `staking:lst:{LST}` hourly: protocol and market rate in ETH per LST."""
    bars = timeline.bars
    return [
        timeline.frame(
            f"staking:lst:{lst}",
            "lst_rates",
            "1h",
            bars,
            {"protocol_rate": path.protocol_rate[bars], "market_rate": path.market_rate[bars]},
            "ETH",
        )
        for lst, path in paths.items()
    ]
