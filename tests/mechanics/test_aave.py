"""Aave v3 mechanics: golden cases with their arithmetic, and property tests of the invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from basis.config.aave import RateModel
from basis.errors import InvalidOperationError
from basis.mechanics import aave
from basis.mechanics.aave import SECONDS_PER_YEAR

from .stubs import EMODE, WEETH_STANDARD, WETH_RATES, aave_config

DAY = 86_400.0
HOUR = 3_600.0

amounts = st.floats(min_value=1e-6, max_value=1e12)
indices = st.floats(min_value=0.5, max_value=10.0)
rates = st.floats(min_value=0.0, max_value=2.0)

Position = tuple[float, float, float, float, float, float]


# -- constants and index growth ------------------------------------------------------------


def test_seconds_per_year_is_365_days() -> None:
    assert SECONDS_PER_YEAR == 365 * 24 * 60 * 60


def test_grow_liquidity_index_one_day_linear() -> None:
    # 5 % APR for one day, linear: 1.02 × (1 + 0.05 × 86400 / 31536000)
    grown = aave.grow_liquidity_index(1.02, 0.05, DAY)
    assert grown == pytest.approx(1.02 * (1 + 0.05 / 365), rel=1e-15)


def test_grow_borrow_index_one_year_compounds_per_second() -> None:
    # (1 + r/n)^n = exp(n·ln(1 + r/n)) = exp(r − r²/2n + …): just below e^r, by e^r·r²/2n.
    # (Python's (1 + r/n) ** n loses ~7 digits forming 1 + 1.6e-9; hence this expansion.)
    r, n = 0.05, SECONDS_PER_YEAR
    grown = aave.grow_borrow_index(1.0, r, n)
    assert grown == pytest.approx(math.exp(r) * (1 - r**2 / (2 * n)), rel=1e-15)
    assert math.exp(r) - grown == pytest.approx(math.exp(r) * r**2 / (2 * n), rel=1e-3)


def test_grow_borrow_index_one_year_close_to_aave_binomial() -> None:
    # Aave's MathUtils.calculateCompoundedInterest: 1 + n·x + n(n−1)/2·x² + n(n−1)(n−2)/6·x³
    r, n = 0.05, SECONDS_PER_YEAR
    x = r / n
    binomial = 1 + n * x + n * (n - 1) / 2 * x**2 + n * (n - 1) * (n - 2) / 6 * x**3
    exact = aave.grow_borrow_index(1.0, r, n)
    # The binomial stops at x³: it undercharges by the rest of the series, r⁴/24 + r⁵/120 + …
    # ≈ 2.63e-7 per year at 5 %.
    assert exact - binomial == pytest.approx(r**4 / 24 + r**5 / 120, rel=1e-3)


def test_grow_indices_zero_seconds_unchanged() -> None:
    assert aave.grow_liquidity_index(1.3, 0.07, 0.0) == 1.3
    assert aave.grow_borrow_index(1.3, 0.07, 0.0) == 1.3


@pytest.mark.parametrize(
    ("index", "rate", "seconds"),
    [(0.0, 0.05, 1.0), (-1.0, 0.05, 1.0), (1.0, -0.01, 1.0), (1.0, 0.05, -1.0), (math.nan, 0, 1)],
)
def test_grow_indices_bad_input_raises(index: float, rate: float, seconds: float) -> None:
    with pytest.raises(InvalidOperationError):
        aave.grow_liquidity_index(index, rate, seconds)
    with pytest.raises(InvalidOperationError):
        aave.grow_borrow_index(index, rate, seconds)


@given(index=indices, rate=rates, first=st.floats(0, 1e7), second=st.floats(0, 1e7))
def test_grow_borrow_index_split_period_same_as_whole(
    index: float, rate: float, first: float, second: float
) -> None:
    # Per-second compounding is time-consistent: growing in two steps equals one step.
    two_steps = aave.grow_borrow_index(aave.grow_borrow_index(index, rate, first), rate, second)
    assert two_steps == pytest.approx(
        aave.grow_borrow_index(index, rate, first + second), rel=1e-12
    )


@given(
    index=indices, rate=st.floats(0.01, 2.0), first=st.floats(1e5, 1e7), second=st.floats(1e5, 1e7)
)
def test_grow_liquidity_index_split_period_compounds_above_whole(
    index: float, rate: float, first: float, second: float
) -> None:
    # Linear interest per update: each update compounds, so two steps earn more than one.
    two_steps = aave.grow_liquidity_index(
        aave.grow_liquidity_index(index, rate, first), rate, second
    )
    one_step = aave.grow_liquidity_index(index, rate, first + second)
    extra = index * (rate * first / SECONDS_PER_YEAR) * (rate * second / SECONDS_PER_YEAR)
    assert two_steps - one_step == pytest.approx(extra, rel=1e-4)


def test_compounded_apy_round_trip() -> None:
    # (1 + r/n)^n − 1 ≈ e^r − 1 − e^r·r²/2n for r = 2.5 %
    r, n = 0.025, SECONDS_PER_YEAR
    apy = aave.compounded_apy(r)
    assert apy == pytest.approx(math.expm1(r) - math.exp(r) * r**2 / (2 * n), rel=1e-13)
    assert aave.apr_from_compounded_apy(apy) == pytest.approx(r, rel=1e-13)


# -- scaled balances -------------------------------------------------------------------------


def test_supply_and_borrow_through_index_changes_golden() -> None:
    # Supply 1,000 USDT at liquidity index 1.02 → scaled 1000 / 1.02.
    supplied = aave.scaled_from_amount(1_000.0, 1.02)
    assert supplied == pytest.approx(1_000.0 / 1.02)
    # Index moves to 1.03: balance 1000 × 1.03 / 1.02 = 1,009.8039...
    assert aave.amount_from_scaled(supplied, 1.03) == pytest.approx(1_000.0 * 1.03 / 1.02)
    # Withdraw 500 at 1.03 burns 500 / 1.03 scaled.
    supplied -= aave.scaled_from_amount(500.0, 1.03)
    # At 1.05 the rest is (1000/1.02 − 500/1.03) × 1.05 = 519.66...
    remaining = aave.amount_from_scaled(supplied, 1.05)
    assert remaining == pytest.approx((1_000.0 / 1.02 - 500.0 / 1.03) * 1.05)
    # Interest earned = value now − (deposits − withdrawals).
    assert remaining - (1_000.0 - 500.0) == pytest.approx(
        1_000.0 * (1.05 / 1.02 - 1) - 500.0 * (1.05 / 1.03 - 1)
    )

    # Borrow 60 WETH at variable index 1.10 → scaled debt 60 / 1.10.
    debt = aave.scaled_from_amount(60.0, 1.10)
    # Index 1.10 → 1.12: debt 60 × 1.12 / 1.10 = 61.0909...; interest 1.0909...
    assert aave.amount_from_scaled(debt, 1.12) == pytest.approx(60.0 * 1.12 / 1.10)
    # Repay 30 at 1.12, then at 1.15: (60/1.10 − 30/1.12) × 1.15 = 31.92...
    debt -= aave.scaled_from_amount(30.0, 1.12)
    assert aave.amount_from_scaled(debt, 1.15) == pytest.approx((60.0 / 1.10 - 30.0 / 1.12) * 1.15)


@pytest.mark.parametrize(("amount", "index"), [(-1.0, 1.0), (1.0, 0.0), (1.0, -2.0), (math.inf, 1)])
def test_scaled_balances_bad_input_raises(amount: float, index: float) -> None:
    with pytest.raises(InvalidOperationError):
        aave.scaled_from_amount(amount, index)
    with pytest.raises(InvalidOperationError):
        aave.amount_from_scaled(amount, index)


@given(amount=amounts, index=indices)
def test_scaled_balance_round_trip_returns_amount(amount: float, index: float) -> None:
    scaled = aave.scaled_from_amount(amount, index)
    assert aave.amount_from_scaled(scaled, index) == pytest.approx(amount, rel=1e-14)


@given(amount=amounts, start=indices, growth=st.floats(1.0, 3.0))
def test_scaled_balance_value_grows_by_index_ratio(
    amount: float, start: float, growth: float
) -> None:
    later = start * growth
    scaled = aave.scaled_from_amount(amount, start)
    ratio = aave.amount_from_scaled(scaled, later) / aave.amount_from_scaled(scaled, start)
    assert ratio == pytest.approx(later / start, rel=1e-14)


# -- health factor, LTV, close factor -------------------------------------------------------


def test_health_factor_two_collaterals_golden() -> None:
    # (110 × 0.95 + 50 × 0.80) / 100 = (104.5 + 40) / 100
    hf = aave.health_factor([110.0, 50.0], [0.95, 0.80], 100.0)
    assert hf == pytest.approx((110.0 * 0.95 + 50.0 * 0.80) / 100.0)


def test_health_factor_no_debt_infinite() -> None:
    assert aave.health_factor([10.0], [0.8], 0.0) == math.inf


@pytest.mark.parametrize(
    ("values", "thresholds", "debt"),
    [([1.0, 2.0], [0.8], 1.0), ([-1.0], [0.8], 1.0), ([1.0], [1.2], 1.0), ([1.0], [0.8], math.nan)],
)
def test_health_factor_bad_input_raises(
    values: list[float], thresholds: list[float], debt: float
) -> None:
    with pytest.raises(InvalidOperationError):
        aave.health_factor(values, thresholds, debt)


def test_loan_to_value_golden_and_edges() -> None:
    assert aave.loan_to_value(200.0, 150.0) == 150.0 / 200.0
    assert aave.loan_to_value(0.0, 0.0) == 0.0
    assert aave.loan_to_value(0.0, 1.0) == math.inf


@pytest.mark.parametrize(
    ("hf", "expected"),
    [
        (math.inf, 0.0),
        (1.2, 0.0),
        (1.0, 0.0),
        (0.99, 0.5),
        (0.9500001, 0.5),
        (0.95, 1.0),
        (0.5, 1.0),
    ],
)
def test_close_factor_by_health_factor(hf: float, expected: float) -> None:
    # Aave v3: closeFactor = HF > 0.95 ? 50 % : 100 %, and only when HF < 1.
    assert aave.close_factor(hf, aave_config()) == expected


def test_close_factor_nan_raises() -> None:
    with pytest.raises(InvalidOperationError):
        aave.close_factor(math.nan, aave_config())


# -- liquidation -----------------------------------------------------------------------------


def test_liquidate_half_close_factor_golden() -> None:
    # e-mode: 100 weETH at oracle 1.05 ETH, debt 100 WETH: HF = 105 × 0.95 / 100 = 0.9975.
    hf = aave.health_factor([100.0 * 1.05], [EMODE.liquidation_threshold], 100.0)
    assert 0.95 < hf < 1.0
    result = aave.liquidate(100.0, 1.05, 100.0, 1.0, hf, EMODE.liquidation_bonus, aave_config())
    # Close factor 0.5: repay 50 WETH; seize 50 × 1.0 × 1.01 / 1.05 weETH.
    assert result.debt_repaid == pytest.approx(100.0 * 0.5)
    assert result.collateral_seized == pytest.approx(50.0 * 1.01 / 1.05)
    # Penalty: seized value − repaid = 50 × 1.01 − 50 = 0.5 WETH.
    assert result.penalty == pytest.approx(50.0 * 0.01)


def test_liquidate_full_close_factor_golden() -> None:
    # Standard mode weETH (LT 0.80, bonus 7 %): 100 weETH at 1.0, debt 85: HF = 80/85 ≈ 0.941.
    hf = aave.health_factor([100.0], [WEETH_STANDARD.liquidation_threshold], 85.0)
    assert hf <= 0.95
    bonus = WEETH_STANDARD.liquidation_bonus
    result = aave.liquidate(100.0, 1.0, 85.0, 1.0, hf, bonus, aave_config())
    # Close factor 1.0: all 85 repaid; seize 85 × 1.07 = 90.95 weETH (< 100, not capped).
    assert result.debt_repaid == pytest.approx(85.0)
    assert result.collateral_seized == pytest.approx(85.0 * 1.07)
    assert result.penalty == pytest.approx(85.0 * 0.07)


def test_liquidate_collateral_capped_golden() -> None:
    # e-mode: 100 weETH at 0.98, debt 100: HF = 98 × 0.95 / 100 = 0.931 → close factor 1.0.
    hf = aave.health_factor([100.0 * 0.98], [0.95], 100.0)
    result = aave.liquidate(100.0, 0.98, 100.0, 1.0, hf, 0.01, aave_config())
    # Repaying 100 would seize 100 × 1.01 / 0.98 = 103.06 weETH > 100 held: capped.
    # All 100 weETH go; they cover 100 × 0.98 / 1.01 = 97.03 WETH of debt.
    assert result.collateral_seized == 100.0
    assert result.debt_repaid == pytest.approx(100.0 * 0.98 / 1.01)
    # Penalty 98 − 97.03 = 0.97 WETH, the bonus on what was repaid; 2.97 WETH stays as debt.
    assert result.penalty == pytest.approx(100.0 * 0.98 - 100.0 * 0.98 / 1.01)
    assert result.penalty == pytest.approx(result.debt_repaid * 0.01)


def test_liquidate_healthy_position_raises() -> None:
    with pytest.raises(InvalidOperationError, match="not liquidatable"):
        aave.liquidate(100.0, 1.0, 50.0, 1.0, 1.0, 0.01, aave_config())


@pytest.mark.parametrize(
    "args",
    [
        (-1.0, 1.0, 1.0, 1.0, 0.9, 0.01),
        (1.0, 0.0, 1.0, 1.0, 0.9, 0.01),
        (1.0, 1.0, -1.0, 1.0, 0.9, 0.01),
        (1.0, 1.0, 1.0, math.nan, 0.9, 0.01),
        (1.0, 1.0, 1.0, 1.0, 0.9, -0.01),
    ],
)
def test_liquidate_bad_input_raises(args: Position) -> None:
    with pytest.raises(InvalidOperationError):
        aave.liquidate(*args, aave_config())


def test_liquidate_half_close_factor_near_095_worsens_health_factor() -> None:
    # HF' ≥ HF iff HF ≥ (1 + bonus) × LT; in e-mode (1.01 × 0.95 = 0.9595) an HF of 0.955
    # is liquidated at 50 % and comes out lower: 100 weETH at 1.0, debt 100 × 0.95 / 0.955.
    debt = 100.0 * 0.95 / 0.955
    hf = aave.health_factor([100.0], [0.95], debt)
    result = aave.liquidate(100.0, 1.0, debt, 1.0, hf, 0.01, aave_config())
    after = aave.health_factor(
        [100.0 - result.collateral_seized], [0.95], debt - result.debt_repaid
    )
    # (100 − 0.5·d·1.01) × 0.95 / (0.5·d) with d = 99.476: 0.9495 < 0.955
    assert after == pytest.approx((100.0 - 0.5 * debt * 1.01) * 0.95 / (0.5 * debt))
    assert after < hf


@st.composite
def unhealthy_positions(draw: st.DrawFn, lowest_hf: float = 0.5) -> Position:
    """(collateral, collateral price, debt, debt price, liquidation threshold, bonus) at HF < 1."""
    collateral = draw(st.floats(1e-3, 1e9))
    collateral_price = draw(st.floats(1e-3, 1e5))
    debt_price = draw(st.floats(1e-3, 1e5))
    threshold = draw(st.floats(0.5, 0.97))
    bonus = draw(st.floats(0.0, 0.15))
    hf = draw(st.floats(lowest_hf, 0.9999))
    debt = collateral * collateral_price * threshold / hf / debt_price
    return collateral, collateral_price, debt, debt_price, threshold, bonus


@given(unhealthy_positions())
def test_liquidate_amounts_follow_the_rules(position: Position) -> None:
    collateral, c_price, debt, d_price, threshold, bonus = position
    config = aave_config()
    hf = aave.health_factor([collateral * c_price], [threshold], debt * d_price)
    result = aave.liquidate(collateral, c_price, debt, d_price, hf, bonus, config)
    share = aave.close_factor(hf, config)
    # Seized value = repaid value × (1 + bonus), capped or not.
    seized_value = result.collateral_seized * c_price
    assert seized_value == pytest.approx(result.debt_repaid * d_price * (1 + bonus), rel=1e-12)
    # Penalty = seized value − repaid value, in debt units.
    penalty = seized_value / d_price - result.debt_repaid
    assert result.penalty == pytest.approx(penalty, abs=1e-12 * result.debt_repaid)
    wanted, held = debt * share * d_price * (1 + bonus), collateral * c_price
    assume(abs(wanted / held - 1) > 1e-9)  # keep off the cap's rounding edge
    capped = wanted > held
    if capped:
        assert result.collateral_seized == collateral
        assert result.debt_repaid < debt * share
    else:
        assert result.debt_repaid == pytest.approx(debt * share, rel=1e-15)
        assert result.collateral_seized <= collateral


@given(unhealthy_positions(lowest_hf=0.9501))
def test_liquidate_half_close_factor_health_factor_rises_iff_above_bonus_threshold(
    position: Position,
) -> None:
    collateral, c_price, debt, d_price, threshold, bonus = position
    config = aave_config()
    hf = aave.health_factor([collateral * c_price], [threshold], debt * d_price)
    assume(aave.close_factor(hf, config) == 0.5)
    # With HF' = (X − R(1+β)LT)/(Y − R): HF' ≥ HF ⟺ HF ≥ (1 + β) × LT. Keep clear of the edge.
    pivot = (1 + bonus) * threshold
    assume(abs(hf - pivot) > 1e-6)
    result = aave.liquidate(collateral, c_price, debt, d_price, hf, bonus, config)
    after = aave.health_factor(
        [(collateral - result.collateral_seized) * c_price],
        [threshold],
        (debt - result.debt_repaid) * d_price,
    )
    assert (after > hf) == (hf > pivot)


# -- leveraged loop --------------------------------------------------------------------------


def test_target_ltv_design_default() -> None:
    # 0.93 × (1 − 0.02215) = 0.9094005; HF in e-mode at that LTV = 0.95 / t ≈ 1.0446
    t = aave.target_ltv(0.93, 0.02215)
    assert t == pytest.approx(0.93 * (1 - 0.02215))
    collateral, debt = aave.leveraged_loop(100.0, t)
    assert aave.health_factor([collateral], [0.95], debt) == pytest.approx(0.95 / t)
    assert 1.04 < 0.95 / t < 1.05


def test_leveraged_loop_golden() -> None:
    # E = 100 ETH at t = 0.9094: collateral 100 / 0.0906 = 1103.75, debt 1003.75
    collateral, debt = aave.leveraged_loop(100.0, 0.9094)
    assert collateral == pytest.approx(100.0 / (1 - 0.9094))
    assert debt == pytest.approx(100.0 * 0.9094 / (1 - 0.9094))
    assert collateral - debt == pytest.approx(100.0)
    assert debt / collateral == pytest.approx(0.9094)


@pytest.mark.parametrize(("equity", "ltv"), [(-1.0, 0.5), (100.0, 1.0), (100.0, -0.1)])
def test_leveraged_loop_bad_input_raises(equity: float, ltv: float) -> None:
    with pytest.raises(InvalidOperationError):
        aave.leveraged_loop(equity, ltv)


def _simulate_loop_one_year(
    equity: float, ltv: float, lst_apy: float, supply_apr: float, borrow_apr: float
) -> float:
    """Hold a loop for 8760 hourly steps without rebalancing; return the end equity in ETH."""
    lst_rate, liquidity, borrow = 1.05, 1.01, 1.07
    collateral_eth, debt_eth = aave.leveraged_loop(equity, ltv)
    supplied = aave.scaled_from_amount(collateral_eth / lst_rate, liquidity)  # scaled weETH
    owed = aave.scaled_from_amount(debt_eth, borrow)  # scaled WETH debt
    hourly_lst_growth = (1 + lst_apy) ** (1 / 8760)
    for _ in range(8760):
        lst_rate *= hourly_lst_growth
        liquidity = aave.grow_liquidity_index(liquidity, supply_apr, HOUR)
        borrow = aave.grow_borrow_index(borrow, borrow_apr, HOUR)
    collateral_end = aave.amount_from_scaled(supplied, liquidity) * lst_rate
    return collateral_end - aave.amount_from_scaled(owed, borrow)


def test_loop_apy_matches_hourly_simulation_with_apys() -> None:
    # 8760 hours × 3600 s = one Aave year. Constant inputs, no rebalancing.
    equity, t = 100.0, 0.9094
    lst_apy, supply_apr, borrow_apr = 0.03, 0.001, 0.025
    end = _simulate_loop_one_year(equity, t, lst_apy, supply_apr, borrow_apr)
    # The closed form is exact when y and b are one-year growth factors (APYs):
    #   E1 = C0(1 + y) − D0(1 + b) = E(1 + (y − b·t)/(1 − t)).
    # y: LST rate growth × Aave supply index growth (linear per hourly update);
    # b: per-second compounding of the borrow APR.
    y = (1 + lst_apy) * (1 + supply_apr / 8760) ** 8760 - 1
    b = aave.compounded_apy(borrow_apr)
    assert end / equity - 1 == pytest.approx(aave.loop_apy(y, b, t), abs=1e-6)


def test_loop_apy_with_aprs_instead_of_apys_misses_simulation() -> None:
    # Feeding the APRs into the closed form is off by more than 1e-6 at 11× leverage.
    equity, t = 100.0, 0.9094
    end = _simulate_loop_one_year(equity, t, 0.03, 0.0, 0.025)
    assert abs(end / equity - 1 - aave.loop_apy(0.03, 0.025, t)) > 1e-4


def test_loop_apy_golden() -> None:
    # (0.03 − 0.025 × 0.9) / (1 − 0.9) = 0.0075 / 0.1 = 7.5 %
    assert aave.loop_apy(0.03, 0.025, 0.9) == pytest.approx((0.03 - 0.025 * 0.9) / 0.1)


# -- rate model ------------------------------------------------------------------------------


def test_kinked_borrow_rate_golden() -> None:
    # WETH: U* = 0.90, slope1 2.7 %, slope2 80 %.
    assert aave.kinked_borrow_rate(0.45, WETH_RATES) == pytest.approx(0.027 * 0.45 / 0.90)
    assert aave.kinked_borrow_rate(0.90, WETH_RATES) == pytest.approx(0.027)
    # Above the kink: 0.027 + 0.80 × (0.95 − 0.90) / (1 − 0.90) = 0.427
    assert aave.kinked_borrow_rate(0.95, WETH_RATES) == pytest.approx(0.027 + 0.80 * 0.05 / 0.10)
    assert aave.kinked_borrow_rate(1.0, WETH_RATES) == pytest.approx(0.027 + 0.80)


def test_supply_rate_golden() -> None:
    # borrow 1.35 % × U 0.45 × (1 − 0.15)
    borrow = aave.kinked_borrow_rate(0.45, WETH_RATES)
    assert aave.supply_rate(borrow, 0.45, 0.15) == pytest.approx(0.0135 * 0.45 * 0.85)


@pytest.mark.parametrize("utilization", [-0.01, 1.01, math.nan])
def test_kinked_borrow_rate_utilization_outside_unit_raises(utilization: float) -> None:
    with pytest.raises(InvalidOperationError, match="utilization"):
        aave.kinked_borrow_rate(utilization, WETH_RATES)


rate_models = st.builds(
    RateModel,
    optimal_utilization=st.floats(0.05, 0.95),
    base_rate=st.floats(0.0, 0.05),
    slope1=st.floats(0.0, 0.2),
    slope2=st.floats(0.0, 3.0),
    reserve_factor=st.floats(0.0, 0.5),
)


@given(model=rate_models, low=st.floats(0.0, 1.0), high=st.floats(0.0, 1.0))
def test_kinked_borrow_rate_monotone(model: RateModel, low: float, high: float) -> None:
    low, high = min(low, high), max(low, high)
    assert aave.kinked_borrow_rate(low, model) <= aave.kinked_borrow_rate(high, model)


@given(model=rate_models, epsilon=st.floats(1e-9, 1e-4))
def test_kinked_borrow_rate_continuous_at_kink(model: RateModel, epsilon: float) -> None:
    kink = model.optimal_utilization
    at = aave.kinked_borrow_rate(kink, model)
    assert at == pytest.approx(model.base_rate + model.slope1)
    above = aave.kinked_borrow_rate(kink + epsilon, model)
    below = aave.kinked_borrow_rate(kink - epsilon, model)
    # Each side moves by at most its slope × ε: no jump at U*.
    assert above - at <= model.slope2 * epsilon / (1 - kink) * (1 + 1e-9) + 1e-15
    assert at - below <= model.slope1 * epsilon / kink * (1 + 1e-9) + 1e-15


@given(model=rate_models, utilization=st.floats(0.0, 1.0))
def test_supply_rate_never_exceeds_borrow_rate(model: RateModel, utilization: float) -> None:
    borrow = aave.kinked_borrow_rate(utilization, model)
    assert 0.0 <= aave.supply_rate(borrow, utilization, model.reserve_factor) <= borrow


# -- vectorised forms (used by the panel and the scenario generator) ----------------------

ARRAY_WETH = RateModel(
    optimal_utilization=0.9, base_rate=0.0, slope1=0.027, slope2=0.8, reserve_factor=0.15
)
ARRAY_BASE = RateModel(
    optimal_utilization=0.8, base_rate=0.01, slope1=0.04, slope2=0.6, reserve_factor=0.1
)


def test_kinked_borrow_rates_hand_computed_points() -> None:
    # 0.027·0.45/0.9 = 0.0135; at the kink 0.027; 0.027 + 0.8·0.05/0.1 = 0.427; full 0.827
    np.testing.assert_allclose(
        aave.kinked_borrow_rates(np.array([0.0, 0.45, 0.9, 0.95, 1.0]), ARRAY_WETH),
        [0.0, 0.0135, 0.027, 0.427, 0.827],
    )
    # with a base rate: 0.01 + 0.04·0.4/0.8 = 0.03; 0.01 + 0.04 + 0.6·0.1/0.2 = 0.35
    np.testing.assert_allclose(
        aave.kinked_borrow_rates(np.array([0.4, 0.9]), ARRAY_BASE), [0.03, 0.35]
    )


def test_supply_rates_is_borrow_times_utilization_net_of_reserve_factor() -> None:
    # 0.0135 × 0.45 × 0.85 = 0.00516375
    np.testing.assert_allclose(
        aave.supply_rates(np.array([0.0135]), np.array([0.45]), 0.15), [0.00516375]
    )


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_kinked_borrow_rates_monotone_in_utilization(a: float, b: float) -> None:
    low, high = sorted((a, b))
    rates = aave.kinked_borrow_rates(np.array([low, high]), ARRAY_WETH)
    assert rates[0] <= rates[1] + 1e-15


def test_kinked_borrow_rates_continuous_at_the_kink() -> None:
    eps = 1e-12
    rates = aave.kinked_borrow_rates(np.array([0.9 - eps, 0.9 + eps]), ARRAY_WETH)
    assert abs(rates[1] - rates[0]) < 1e-9


@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20),
    st.floats(0.0, 2.0),
    st.floats(0.0, 3.0e7),
)
def test_vectorised_forms_equal_scalar_forms(
    utilizations: list[float], rate: float, seconds: float
) -> None:
    u = np.array(utilizations)
    borrow = aave.kinked_borrow_rates(u, ARRAY_WETH)
    assert borrow.tolist() == [aave.kinked_borrow_rate(x, ARRAY_WETH) for x in utilizations]
    supply = aave.supply_rates(borrow, u, 0.15)
    expected = [aave.supply_rate(b, x, 0.15) for b, x in zip(borrow, utilizations, strict=True)]
    assert supply.tolist() == expected
    rates = np.array([rate, rate / 2])
    assert aave.liquidity_growth(rates, seconds).tolist() == [
        aave.grow_liquidity_index(1.0, r, seconds) for r in (rate, rate / 2)
    ]
    np.testing.assert_allclose(
        aave.borrow_growth(rates, seconds),
        [aave.grow_borrow_index(1.0, r, seconds) for r in (rate, rate / 2)],
        rtol=1e-15,
    )
