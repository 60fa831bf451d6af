"""The sUSDe benchmark: a daily APY tied to the trailing market-wide funding rate."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from basis.config.scenarios import BenchmarkConfig
from basis.data.catalog import SeriesFrame
from basis.data.scenario.funding import WARMUP_HOURS
from basis.data.scenario.processes import trailing_mean
from basis.data.scenario.timeline import Timeline

Array = NDArray[np.float64]


def benchmark_apy(config: BenchmarkConfig, market_apr: Array, days: NDArray[np.int64]) -> Array:
    """Return sUSDe's APY at each daily instant in `days`.

    `APR = max(floor, multiplier × trailing mean funding APR + base)` over the last
    `smoothing_days` (only hours before the snapshot), then `APY = (1 + APR/365)^365 − 1`.
    `market_apr` starts `WARMUP_HOURS` before bar 0.
    """
    window = max(1, round(config.smoothing_days * 24))
    trailing = trailing_mean(market_apr, window, days + WARMUP_HOURS)
    apr = np.maximum(config.floor_apr, config.funding_multiplier * trailing + config.base_apr)
    apy: Array = np.expm1(365.0 * np.log1p(apr / 365.0))
    return apy


def benchmark_frame(config: BenchmarkConfig, market_apr: Array, timeline: Timeline) -> SeriesFrame:
    """Return `ethena:benchmark:sUSDe`, daily."""
    days = timeline.midnights
    return timeline.frame(
        "ethena:benchmark:sUSDe",
        "benchmark",
        "1d",
        days,
        {"apy": benchmark_apy(config, market_apr, days)},
    )
