"""Ethereum gas: log-normal mean-reverting base fee with a daily cycle, spikes and priority fees."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from basis.config.scenarios import HOURS_PER_YEAR, GasScenarioConfig, ShockConfig
from basis.data.catalog import SeriesFrame
from basis.data.scenario.processes import ar1, decay, ornstein_uhlenbeck
from basis.data.scenario.shocks import envelope, matching
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline

Array = NDArray[np.float64]
PEAK_HOUR_UTC = 15
SPIKE_SIZE_STD = 0.5  # lognormal std of a spike's peak multiple


def base_fee(
    config: GasScenarioConfig,
    shocks: list[ShockConfig],
    timeline: Timeline,
    streams: Streams,
) -> Array:
    """Return the hourly base fee (gwei) at each bar.

    `log fee = log median + OU + diurnal·cos(2π(h − 15)/24) + spikes`; spikes arrive as a
    Bernoulli(rate/8760) per hour with lognormal peak multiples and decay with their
    half-life. A gas shock multiplies the fee by `magnitude^envelope`.
    """
    hours = timeline.hours
    deviation = ornstein_uhlenbeck(
        streams.generator("gas", "base"),
        hours,
        config.base_fee_volatility,
        config.base_fee_half_life_hours,
    )
    hour_of_day = (timeline.bars + timeline.start.hour) % 24
    cycle = config.diurnal_amplitude * np.cos(2.0 * np.pi * (hour_of_day - PEAK_HOUR_UTC) / 24.0)
    rng = streams.generator("gas", "spikes")
    arrivals = rng.random(hours) < config.spikes_per_year / HOURS_PER_YEAR
    sizes = math.log(config.spike_multiple) + SPIKE_SIZE_STD * rng.standard_normal(hours)
    spikes = ar1(np.where(arrivals, sizes, 0.0), decay(1.0, config.spike_half_life_hours))
    log_fee = math.log(config.base_fee_median_gwei) + deviation + cycle + spikes
    offsets = timeline.bars.astype(np.float64)
    for shock in shocks:
        log_fee = log_fee + math.log(shock.magnitude) * envelope(shock, timeline, offsets)
    fee: Array = np.exp(log_fee)
    return fee


def gas_frame(
    config: GasScenarioConfig,
    shocks: tuple[ShockConfig, ...],
    timeline: Timeline,
    streams: Streams,
) -> SeriesFrame:
    """Return `ethereum:gas:mainnet` hourly: base fee, p25/p50/p75 priority fees, gas price.

    The p50 priority fee is lognormal around its median; p25 and p75 are p50 times their
    ratio, pushed further out by |noise|, so p25 ≤ p50 ≤ p75 always. gas price = base + p50.
    """
    base = base_fee(config, matching(shocks, "gas"), timeline, streams)
    rng = streams.generator("gas", "priority")
    hours = timeline.hours
    p50 = config.priority_fee_p50_gwei * np.exp(
        config.priority_fee_volatility * rng.standard_normal(hours)
    )
    low = config.priority_ratio_noise * np.abs(rng.standard_normal(hours))
    high = config.priority_ratio_noise * np.abs(rng.standard_normal(hours))
    return timeline.frame(
        "ethereum:gas:mainnet",
        "gas",
        "1h",
        timeline.bars,
        {
            "base_fee_gwei": base,
            "priority_fee_p25_gwei": p50 * config.priority_p25_ratio * np.exp(-low),
            "priority_fee_p50_gwei": p50,
            "priority_fee_p75_gwei": p50 * config.priority_p75_ratio * np.exp(high),
            "gas_price_gwei": base + p50,
        },
    )
