"""LSTs: protocol rate growth in closed form, market discount and depeg shocks."""

from __future__ import annotations

import math

import numpy as np

from basis.config.scenarios import LstScenarioConfig, ShockConfig
from basis.data.scenario.staking import lst_frames, simulate_lst
from tests.data.scenario.stubs import START, hours, streams, timeline

STEADY = LstScenarioConfig(
    initial_rate=1.05,
    staking_apr=0.03,
    staking_apr_volatility=0.0,
    discount=0.001,
    discount_volatility=0.0,
)


def accrued(hours: np.ndarray) -> np.ndarray:
    """1.05 ETH per LST growing continuously at 3 % APR."""
    return 1.05 * np.exp(0.03 * hours / 8760)


def test_simulate_lst_protocol_rate_reported_daily_at_noon_closed_form() -> None:
    path = simulate_lst(STEADY, "weETH", (), timeline(8760), streams())
    np.testing.assert_array_equal(path.protocol_rate[:12], 1.05)  # before the first report
    assert math.isclose(path.protocol_rate[12], accrued(np.array(12.0)), rel_tol=1e-14)
    np.testing.assert_array_equal(path.protocol_rate[12:36], path.protocol_rate[12])
    # the last report before the end is at 8748 h (12:00 of the 365th day)
    assert math.isclose(path.protocol_rate[8760], accrued(np.array(8748.0)), rel_tol=1e-12)
    assert math.isclose(
        path.protocol_rate[8748] / 1.05, math.exp(0.03 * 8748 / 8760), rel_tol=1e-12
    )


def test_simulate_lst_market_rate_is_accrued_value_less_discount() -> None:
    path = simulate_lst(STEADY, "weETH", (), timeline(100), streams())
    np.testing.assert_allclose(path.market_rate, accrued(np.arange(101.0)) * 0.999, rtol=1e-13)


def test_simulate_lst_depeg_shock_sets_discount_then_recovers() -> None:
    depeg = ShockConfig(
        kind="depeg",
        start=START + hours(10),
        duration_hours=5,
        magnitude=0.05,
        recovery_half_life_hours=5,
        assets=("weETH",),
    )
    path = simulate_lst(STEADY, "weETH", (depeg,), timeline(40), streams())
    discount = 1.0 - path.market_rate / accrued(np.arange(41.0))
    np.testing.assert_allclose(
        discount[[9, 10, 14, 20]], [0.001, 0.05, 0.05, 0.001 + 0.049 * 0.5], rtol=1e-9
    )
    other = simulate_lst(STEADY, "wstETH", (depeg,), timeline(40), streams())
    np.testing.assert_allclose(1.0 - other.market_rate / accrued(np.arange(41.0)), 0.001, rtol=1e-9)


def test_lst_frames_hourly_in_eth() -> None:
    path = simulate_lst(STEADY, "weETH", (), timeline(30), streams())
    (item,) = lst_frames({"weETH": path}, timeline(30))
    assert (item.series, item.kind, item.interval, item.quote) == (
        "staking:lst:weETH",
        "lst_rates",
        "1h",
        "ETH",
    )
    assert item.frame.height == 30
