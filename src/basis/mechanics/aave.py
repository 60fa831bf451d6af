"""Aave v3 mechanics: scaled balances, index growth, health factor, liquidation, loops, rates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from basis.config.aave import AaveConfig, RateModel
from basis.errors import InvalidOperationError
from basis.mechanics.checks import finite, fraction, non_negative, positive

__all__ = [
    "SECONDS_PER_YEAR",
    "Liquidation",
    "amount_from_scaled",
    "apr_from_compounded_apy",
    "borrow_growth",
    "borrow_room",
    "close_factor",
    "compounded_apy",
    "grow_borrow_index",
    "grow_liquidity_index",
    "health_factor",
    "kinked_borrow_rate",
    "kinked_borrow_rates",
    "leveraged_loop",
    "liquidate",
    "liquidity_growth",
    "loan_to_value",
    "loop_apy",
    "rates_with_position",
    "scaled_from_amount",
    "supply_rate",
    "supply_rates",
    "supply_room",
    "target_ltv",
    "withdraw_room",
]

SECONDS_PER_YEAR: float = 365.0 * 86400.0
"""Aave's year (MathUtils.SECONDS_PER_YEAR = 365 days); no leap years."""

FloatArray = npt.NDArray[np.float64]


# -- scaled balances and indices ------------------------------------------------------------


def scaled_from_amount(amount: float, index: float) -> float:
    """Return the scaled balance `amount / index` minted (or burned) for `amount` at `index`.

    Raises InvalidOperationError for a negative or non-finite amount or an index <= 0.
    """
    return non_negative("amount", amount) / positive("index", index)


def amount_from_scaled(scaled: float, index: float) -> float:
    """Return the balance `scaled × index` a scaled balance is worth at `index`.

    Raises InvalidOperationError for a negative or non-finite scaled balance or an index <= 0.
    """
    return non_negative("scaled balance", scaled) * positive("index", index)


def grow_liquidity_index(index: float, supply_rate_apr: float, seconds: float) -> float:
    """Return the liquidity index after `seconds` at `supply_rate_apr`: `index × (1 + r·Δt/yr)`.

    Aave's linear interest (MathUtils.calculateLinearInterest). Raises InvalidOperationError
    for an index <= 0, a negative rate or negative seconds.
    """
    positive("index", index)
    non_negative("supply rate APR", supply_rate_apr)
    non_negative("seconds", seconds)
    return index * (1.0 + supply_rate_apr * seconds / SECONDS_PER_YEAR)


def grow_borrow_index(index: float, borrow_rate_apr: float, seconds: float) -> float:
    """Return the borrow index after `seconds` at `borrow_rate_apr`: `index × (1 + r/yr)^Δt`.

    Exact per-second compounding, the quantity Aave's 3-term binomial expansion
    (MathUtils.calculateCompoundedInterest) approximates. Raises InvalidOperationError for an
    index <= 0, a negative rate or negative seconds.
    """
    positive("index", index)
    non_negative("borrow rate APR", borrow_rate_apr)
    non_negative("seconds", seconds)
    return index * math.exp(seconds * math.log1p(borrow_rate_apr / SECONDS_PER_YEAR))


def compounded_apy(rate_apr: float) -> float:
    """Return the APY `(1 + r/yr)^yr − 1` of an APR compounded every second (Aave debt).

    Raises InvalidOperationError for a negative or non-finite rate.
    """
    non_negative("rate APR", rate_apr)
    return math.expm1(SECONDS_PER_YEAR * math.log1p(rate_apr / SECONDS_PER_YEAR))


def apr_from_compounded_apy(apy: float) -> float:
    """Return the APR that compounds every second to `apy`; the inverse of `compounded_apy`.

    Raises InvalidOperationError for a negative or non-finite APY.
    """
    non_negative("APY", apy)
    return SECONDS_PER_YEAR * math.expm1(math.log1p(apy) / SECONDS_PER_YEAR)


# -- health factor and liquidation ----------------------------------------------------------


def health_factor(
    collateral_values: Sequence[float],
    liquidation_thresholds: Sequence[float],
    debt_value: float,
) -> float:
    """Return `Σ(collateral_value × liquidation_threshold) / debt_value`; inf when debt is 0.

    Values are in one currency (Aave oracle prices). Raises InvalidOperationError when the
    sequences differ in length, a value is negative or non-finite, or a threshold is
    outside [0, 1].
    """
    if len(collateral_values) != len(liquidation_thresholds):
        raise InvalidOperationError(
            f"{len(collateral_values)} collateral values but "
            f"{len(liquidation_thresholds)} liquidation thresholds"
        )
    weighted = 0.0
    for value, threshold in zip(collateral_values, liquidation_thresholds, strict=True):
        weighted += non_negative("collateral value", value) * fraction(
            "liquidation threshold", threshold
        )
    if non_negative("debt value", debt_value) == 0.0:
        return math.inf
    return weighted / debt_value


def loan_to_value(collateral_value: float, debt_value: float) -> float:
    """Return `debt / collateral`: 0 with no debt, inf for debt without collateral.

    Raises InvalidOperationError for a negative or non-finite value.
    """
    non_negative("collateral value", collateral_value)
    if non_negative("debt value", debt_value) == 0.0:
        return 0.0
    if collateral_value == 0.0:
        return math.inf
    return debt_value / collateral_value


def close_factor(health_factor: float, config: AaveConfig) -> float:
    """Return the share of debt a liquidator may repay at `health_factor`.

    0 when HF >= 1 (not liquidatable); `config.close_factor` (0.5) when
    `config.full_close_factor_below_hf` (0.95) < HF < 1; 1.0 when HF <= 0.95, as in Aave v3
    LiquidationLogic. Raises InvalidOperationError for a negative or NaN health factor.
    """
    if not health_factor >= 0.0:
        raise InvalidOperationError(f"health factor must be >= 0, got {health_factor!r}")
    if health_factor >= 1.0:
        return 0.0
    if health_factor > config.full_close_factor_below_hf:
        return config.close_factor
    return 1.0


@dataclass(frozen=True)
class Liquidation:
    """One Aave liquidation call, amounts in the assets' own units.

    `penalty` is the value the borrower loses, in debt units: seized value − repaid value,
    which is `debt_repaid × bonus` whether or not the collateral capped the call.
    """

    debt_repaid: float
    collateral_seized: float
    penalty: float


def liquidate(
    collateral_amount: float,
    collateral_price: float,
    debt_amount: float,
    debt_price: float,
    health_factor: float,
    bonus: float,
    config: AaveConfig,
) -> Liquidation:
    """Return the largest liquidation Aave v3 allows on one collateral / debt pair.

    The liquidator repays `close_factor × debt` and seizes collateral worth
    `repaid × (1 + bonus)`; when that exceeds the collateral, all of it is seized and the
    repayment shrinks to what it covers: `collateral value / (1 + bonus)`. Raises
    InvalidOperationError when HF >= 1 (Aave reverts), or for bad amounts, prices or bonus.
    """
    non_negative("collateral amount", collateral_amount)
    positive("collateral price", collateral_price)
    non_negative("debt amount", debt_amount)
    positive("debt price", debt_price)
    non_negative("liquidation bonus", bonus)
    share = close_factor(health_factor, config)
    if share == 0.0:
        raise InvalidOperationError(
            f"position is not liquidatable: health factor {health_factor!r} >= 1"
        )
    repaid = debt_amount * share
    seized = repaid * debt_price * (1.0 + bonus) / collateral_price
    if seized > collateral_amount:
        seized = collateral_amount
        repaid = collateral_amount * collateral_price / (1.0 + bonus) / debt_price
    penalty = repaid * bonus
    return Liquidation(debt_repaid=repaid, collateral_seized=seized, penalty=penalty)


# -- leveraged loop ---------------------------------------------------------------------------


def leveraged_loop(equity: float, target_ltv: float) -> tuple[float, float]:
    """Return `(collateral, debt) = (E/(1−t), E·t/(1−t))` of a loop on equity E at LTV t.

    Debt equals the flash loan `F` of the atomic entry (supply E+F, borrow F, repay F).
    Raises InvalidOperationError for negative equity or t outside [0, 1).
    """
    non_negative("equity", equity)
    fraction("target LTV", target_ltv, below_one=True)
    collateral = equity / (1.0 - target_ltv)
    return collateral, collateral * target_ltv


def loop_apy(collateral_yield: float, borrow_rate: float, ltv: float) -> float:
    """Return the yield on equity `(y − b·t)/(1−t)` of a loop at LTV t.

    Exact for a loop held unrebalanced for one year when y and b are the one-year growth
    (APY) of the collateral's value and of the debt. Raises InvalidOperationError for a
    non-finite yield, a negative borrow rate or t outside [0, 1).
    """
    finite("collateral yield", collateral_yield)
    non_negative("borrow rate", borrow_rate)
    fraction("LTV", ltv, below_one=True)
    return (collateral_yield - borrow_rate * ltv) / (1.0 - ltv)


def target_ltv(max_ltv: float, max_stake_spread_move: float) -> float:
    """Return `max_ltv × (1 − max_stake_spread_move)`, the LTV kept with a depeg buffer.

    Raises InvalidOperationError for max_ltv outside [0, 1) or a move outside [0, 1].
    """
    fraction("max LTV", max_ltv, below_one=True)
    fraction("max stake spread move", max_stake_spread_move)
    return max_ltv * (1.0 - max_stake_spread_move)


# -- interest rate model --------------------------------------------------------------------


def kinked_borrow_rate(utilization: float, model: RateModel) -> float:
    """Return the variable borrow APR of Aave's two-slope curve at `utilization`.

    `base + slope1·U/U*` up to the optimal utilisation U*, then
    `base + slope1 + slope2·(U − U*)/(1 − U*)`. Raises InvalidOperationError for a
    utilisation outside [0, 1].
    """
    fraction("utilization", utilization)
    optimal = model.optimal_utilization
    if utilization <= optimal:
        return model.base_rate + model.slope1 * (utilization / optimal)  # exact at the kink
    excess = (utilization - optimal) / (1.0 - optimal)
    return model.base_rate + model.slope1 + model.slope2 * excess


def supply_rate(borrow_rate: float, utilization: float, reserve_factor: float) -> float:
    """Return the supply APR `borrow_rate × U × (1 − reserve_factor)`.

    Raises InvalidOperationError for a negative borrow rate or U / reserve factor outside
    [0, 1].
    """
    non_negative("borrow rate", borrow_rate)
    fraction("utilization", utilization)
    fraction("reserve factor", reserve_factor)
    return borrow_rate * utilization * (1.0 - reserve_factor)


# -- vectorised forms -----------------------------------------------------------------------
# The same formulas over numpy arrays, for the data layer (panel alignment, scenario
# generator). They do not re-check inputs: callers pass validated series. A property test
# pins each to its scalar form above.


def liquidity_growth(supply_rate_apr: FloatArray, seconds: FloatArray | float) -> FloatArray:
    """Return the factors `1 + r·Δt/yr` by which liquidity indices grow (`grow_liquidity_index`)."""
    growth: FloatArray = 1.0 + supply_rate_apr * seconds / SECONDS_PER_YEAR
    return growth


def borrow_growth(borrow_rate_apr: FloatArray, seconds: FloatArray | float) -> FloatArray:
    """Return the factors `(1 + r/yr)^Δt` by which borrow indices grow (`grow_borrow_index`)."""
    growth: FloatArray = np.exp(seconds * np.log1p(borrow_rate_apr / SECONDS_PER_YEAR))
    return growth


def kinked_borrow_rates(utilization: FloatArray, model: RateModel) -> FloatArray:
    """Return `kinked_borrow_rate` at each utilisation."""
    optimal = model.optimal_utilization
    below = model.base_rate + model.slope1 * (utilization / optimal)
    excess = (utilization - optimal) / (1.0 - optimal)
    rates: FloatArray = np.where(
        utilization <= optimal, below, model.base_rate + model.slope1 + model.slope2 * excess
    )
    return rates


def supply_rates(
    borrow_rate: FloatArray, utilization: FloatArray, reserve_factor: float
) -> FloatArray:
    """Return `supply_rate` at each point: `borrow × U × (1 − reserve_factor)`."""
    rates: FloatArray = borrow_rate * utilization * (1.0 - reserve_factor)
    return rates


# -- capacity and the book's own effect on rates --------------------------------------------
# A reserve's totals in the data do not hold the book: the book's supply `own_supply` and debt
# `own_debt` come on top of the data's `supply` and `debt` (all in asset units). Scalars or
# arrays alike, so the loop and the span path compute the same floats.


def borrow_room(
    supply: float, debt: float, own_supply: float, own_debt: float, cap: float | None
) -> float:
    """Return what the book may still borrow: the reserve's available liquidity
    `(supply + own_supply) − (debt + own_debt)`, and no more than `cap − (debt + own_debt)`
    under a borrow cap. Never negative."""
    room = (supply + own_supply) - (debt + own_debt)
    if cap is not None:
        room = min(room, cap - (debt + own_debt))
    return max(room, 0.0)


def supply_room(supply: float, own_supply: float, cap: float | None) -> float:
    """Return what the book may still supply: `cap − (supply + own_supply)`, never negative
    (unbounded without a cap)."""
    return math.inf if cap is None else max(cap - (supply + own_supply), 0.0)


def withdraw_room(supply: float, debt: float, own_supply: float, own_debt: float) -> float:
    """Return what the book may withdraw: the reserve's available liquidity, never negative."""
    return max((supply + own_supply) - (debt + own_debt), 0.0)


def rates_with_position(
    borrow_rate: FloatArray,
    supply_rate: FloatArray,
    supply: FloatArray,
    debt: FloatArray,
    own_supply: FloatArray | float,
    own_debt: FloatArray | float,
    model: RateModel,
) -> tuple[FloatArray, FloatArray]:
    """Return the (borrow, supply) APRs once the book's position is in the reserve.

    The observed rates move by the curve's response to the book: with U = debt/supply and
    U' = (debt + own_debt)/(supply + own_supply) (at most 1),
    `borrow' = borrow + k(U') − k(U)` for the kinked curve k, and
    `supply' = supply_rate + (borrow'·U' − borrow·U)·(1 − reserve_factor)`, both at least 0,
    so the level stays the data's and only the book's own effect comes from the model. A book
    with no position gets the observed rates back (U' = U: both shifts are exactly 0).
    """
    utilization = np.minimum(debt / supply, 1.0)
    moved = np.minimum((debt + own_debt) / (supply + own_supply), 1.0)
    shift = kinked_borrow_rates(moved, model) - kinked_borrow_rates(utilization, model)
    borrow: FloatArray = np.maximum(borrow_rate + shift, 0.0)
    keep = 1.0 - model.reserve_factor
    supplied: FloatArray = np.maximum(
        supply_rate + (borrow * moved - borrow_rate * utilization) * keep, 0.0
    )
    return borrow, supplied
