"""Gas: base fee level, daily cycle, shocks as exact multiples, ordered priority fees."""

from __future__ import annotations

import numpy as np

from basis.config.scenarios import GasScenarioConfig, ShockConfig
from basis.data.scenario.gas import base_fee, gas_frame
from tests.data.scenario.stubs import START, column, hours, streams, timeline


def test_base_fee_without_noise_is_median_times_daily_cycle() -> None:
    config = GasScenarioConfig(base_fee_volatility=0.0, spikes_per_year=0.0, diurnal_amplitude=0.1)
    fee = base_fee(config, [], timeline(24), streams())
    # peak at 15:00 UTC: 8·e^0.1; trough at 03:00 UTC: 8·e^−0.1
    np.testing.assert_allclose(fee[[15, 3]], [8 * np.exp(0.1), 8 * np.exp(-0.1)])


def test_base_fee_shock_is_exact_multiple_of_calm_fee() -> None:
    spike = ShockConfig(kind="gas", start=START + hours(100), duration_hours=48, magnitude=10)
    calm = base_fee(GasScenarioConfig(), [], timeline(400), streams())
    hit = base_fee(GasScenarioConfig(), [spike], timeline(400), streams())
    ratio = hit / calm
    np.testing.assert_allclose(ratio[100:148], 10.0, rtol=1e-12)
    np.testing.assert_allclose(ratio[:100], 1.0, rtol=1e-12)
    np.testing.assert_allclose(ratio[148:], 1.0, rtol=1e-12)


def test_base_fee_long_run_median_near_configured() -> None:
    fee = base_fee(GasScenarioConfig(), [], timeline(8760 * 3), streams())
    assert 6.5 < np.median(fee) < 9.5


def test_gas_frame_priority_fees_ordered_and_gas_price_is_base_plus_p50() -> None:
    frame = gas_frame(GasScenarioConfig(), (), timeline(5000), streams()).frame
    p25, p50, p75 = (column(frame, f"priority_fee_p{q}_gwei") for q in (25, 50, 75))
    assert np.all(p25 <= p50) and np.all(p50 <= p75)
    np.testing.assert_allclose(
        column(frame, "gas_price_gwei"), column(frame, "base_fee_gwei") + p50, rtol=1e-15
    )
    assert 0.6 < np.median(p50) < 0.8
