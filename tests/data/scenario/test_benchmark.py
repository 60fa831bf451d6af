"""sUSDe benchmark APY from the trailing funding rate, with its floor."""

from __future__ import annotations

import numpy as np

from basis.config.scenarios import BenchmarkConfig
from basis.data.scenario.benchmark import benchmark_apy
from basis.data.scenario.funding import WARMUP_HOURS


def test_benchmark_apy_constant_funding_hand_computed() -> None:
    # APR = 1.2 × 0.10 + 0.02 = 0.14; APY = (1 + 0.14/365)^365 − 1 = 0.150221…
    apr = np.full(WARMUP_HOURS + 24 * 20, 0.10)
    apy = benchmark_apy(BenchmarkConfig(), apr, np.array([0, 24, 240]))
    np.testing.assert_allclose(apy, (1 + 0.14 / 365) ** 365 - 1, rtol=1e-12)


def test_benchmark_apy_negative_funding_floored() -> None:
    apr = np.full(WARMUP_HOURS + 24 * 20, -0.30)
    apy = benchmark_apy(BenchmarkConfig(floor_apr=0.01), apr, np.array([240]))
    np.testing.assert_allclose(apy, (1 + 0.01 / 365) ** 365 - 1, rtol=1e-9)


def test_benchmark_apy_only_uses_funding_before_the_snapshot() -> None:
    apr = np.zeros(WARMUP_HOURS + 24 * 20)
    later = apr.copy()
    later[WARMUP_HOURS + 240 :] = 5.0  # funding from the snapshot hour on must not leak in
    days = np.array([240])
    np.testing.assert_array_equal(
        benchmark_apy(BenchmarkConfig(), apr, days), benchmark_apy(BenchmarkConfig(), later, days)
    )
