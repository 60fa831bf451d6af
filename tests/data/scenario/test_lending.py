"""Aave: the kinked curve at hand-computed points, index accrual in closed form, utilisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from basis.config.aave import RateModel
from basis.config.scenarios import ReserveConfig, ShockConfig
from basis.data.scenario.lending import borrow_index, liquidity_index, simulate_utilization
from basis.mechanics import aave
from basis.mechanics.aave import SECONDS_PER_YEAR
from tests.data.scenario.stubs import START, hours, market, streams, timeline

WETH = RateModel(
    optimal_utilization=0.9, base_rate=0.0, slope1=0.027, slope2=0.8, reserve_factor=0.15
)
BASE = RateModel(
    optimal_utilization=0.8, base_rate=0.01, slope1=0.04, slope2=0.6, reserve_factor=0.1
)


def test_liquidity_index_linear_per_day_closed_form() -> None:
    # constant 3.65 % APR: +0.01 % per day simple, compounded across days
    index = liquidity_index(1.02, np.full(31, 0.0365))
    assert index[0] == 1.02
    assert math.isclose(index[30], 1.02 * 1.0001**30, rel_tol=1e-14)


def test_borrow_index_compounds_per_second_closed_form() -> None:
    index = borrow_index(1.0, np.full(366, 0.05))
    # (1 + r/N)^N over one year of seconds, N = 31 536 000 (evaluated without 1 + r/N rounding)
    per_second = math.exp(SECONDS_PER_YEAR * math.log1p(0.05 / SECONDS_PER_YEAR))
    assert math.isclose(index[365], per_second, rel_tol=1e-12)
    assert math.isclose(index[365], math.exp(0.05), rel_tol=1e-9)  # ≈ continuous: r²/2N ≈ 4e-11


def test_indices_use_the_rate_of_the_previous_day() -> None:
    rates = np.array([0.0365, 0.73, 0.0])
    np.testing.assert_allclose(liquidity_index(1.0, rates), [1.0, 1.0001, 1.0001 * 1.002])


@pytest.mark.parametrize("volatility", [0.5, 3.0])
def test_simulate_utilization_stays_inside_unit_interval(volatility: float) -> None:
    reserve = ReserveConfig(utilization=0.9, utilization_volatility=volatility, total_supply=1.0)
    utilization = simulate_utilization(reserve, [], timeline(24 * 2000), streams().generator("u"))
    assert utilization.size == 2000
    assert np.all((utilization > 0.0) & (utilization < 1.0))


def test_simulate_utilization_shock_holds_the_level() -> None:
    reserve = ReserveConfig(utilization=0.8, utilization_volatility=0.3, total_supply=1.0)
    spike = ShockConfig(
        kind="utilization", start=START + hours(48), duration_hours=72, magnitude=0.95
    )
    utilization = simulate_utilization(
        reserve, [spike], timeline(24 * 10), streams().generator("u")
    )
    np.testing.assert_array_equal(utilization[2:5], 0.95)
    assert utilization[5] != 0.95


def test_repo_rate_models_give_default_magnitudes_at_their_centres() -> None:
    models = market().aave.rate_models
    # USDT at U=0.86: 0.065·0.86/0.92 = 0.0607609; supply × 0.86 × 0.9 = 0.0470289
    usdt_borrow = aave.kinked_borrow_rates(np.array([0.86]), models["USDT"])
    np.testing.assert_allclose(usdt_borrow, [0.065 * 0.86 / 0.92])
    np.testing.assert_allclose(
        aave.supply_rates(usdt_borrow, np.array([0.86]), 0.10), [0.0470289], rtol=1e-6
    )
    # WETH at U=0.84: 0.027·0.84/0.9 = 0.0252
    np.testing.assert_allclose(aave.kinked_borrow_rates(np.array([0.84]), models["WETH"]), [0.0252])
