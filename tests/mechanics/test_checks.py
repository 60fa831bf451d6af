"""Input checks: the helpers themselves, and every public mechanic refusing NaN and infinity."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from basis.errors import InvalidOperationError
from basis.mechanics import aave, checks, gas, perps, staking, trading, transfers

from .stubs import WETH_RATES, aave_config, margin_config, slippage_curve, transfer_config

# Each public function with valid keyword arguments; every float among them is then spoiled.
CALLS: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (aave.scaled_from_amount, {"amount": 1.0, "index": 1.0}),
    (aave.amount_from_scaled, {"scaled": 1.0, "index": 1.0}),
    (aave.grow_liquidity_index, {"index": 1.0, "supply_rate_apr": 0.05, "seconds": 60.0}),
    (aave.grow_borrow_index, {"index": 1.0, "borrow_rate_apr": 0.05, "seconds": 60.0}),
    (aave.compounded_apy, {"rate_apr": 0.05}),
    (aave.apr_from_compounded_apy, {"apy": 0.05}),
    (aave.loan_to_value, {"collateral_value": 2.0, "debt_value": 1.0}),
    (
        aave.liquidate,
        {
            "collateral_amount": 10.0,
            "collateral_price": 1.0,
            "debt_amount": 10.0,
            "debt_price": 1.0,
            "health_factor": 0.9,
            "bonus": 0.01,
            "config": aave_config(),
        },
    ),
    (aave.leveraged_loop, {"equity": 100.0, "target_ltv": 0.9}),
    (aave.loop_apy, {"collateral_yield": 0.03, "borrow_rate": 0.02, "ltv": 0.9}),
    (aave.target_ltv, {"max_ltv": 0.93, "max_stake_spread_move": 0.02}),
    (aave.kinked_borrow_rate, {"utilization": 0.5, "model": WETH_RATES}),
    (aave.supply_rate, {"borrow_rate": 0.03, "utilization": 0.5, "reserve_factor": 0.1}),
    (staking.stake, {"eth": 1.0, "protocol_rate": 1.05}),
    (staking.lst_value_eth, {"lst_amount": 1.0, "rate": 1.05}),
    (staking.dex_exit, {"lst_amount": 1.0, "market_rate": 1.04, "slippage_bps": 20.0}),
    (
        staking.queue_withdrawal,
        {
            "lst_amount": 1.0,
            "protocol_rate": 1.05,
            "now": 1.7e9,
            "delay_hours": 168.0,
        },
    ),
    (staking.reward_tokens, {"lst_amount": 1.0, "amount_per_lst": 0.01}),
    (perps.unrealised_pnl, {"size": -1.0, "entry_price": 100.0, "mark": 101.0}),
    (perps.funding_payment, {"size": -1.0, "mark": 100.0, "rate": 0.0001}),
    (perps.margin_ratio, {"margin_balance": 10.0, "notional": 100.0}),
    (perps.maintenance_margin, {"notional": 100.0, "margin": margin_config()}),
    (
        perps.liquidation_price_isolated,
        {
            "size": 1.0,
            "entry_price": 100.0,
            "isolated_margin": 10.0,
            "margin": margin_config(),
        },
    ),
    (
        perps.liquidation_price_cross,
        {
            "size": 1.0,
            "entry_price": 100.0,
            "account_equity_excluding_pnl": 10.0,
            "margin": margin_config(),
            "other_maintenance": 1.0,
        },
    ),
    (
        perps.liquidate_position,
        {
            "size": 1.0,
            "entry_price": 100.0,
            "liquidation_price": 90.0,
            "margin": margin_config(),
        },
    ),
    (trading.slippage_bps, {"curve": slippage_curve(), "notional_usd": 5e4}),
    (trading.execution_price, {"side_sign": 1, "reference_price": 100.0, "slippage_bps": 3.0}),
    (trading.trade_cost, {"notional": 1e4, "fee_rate": 0.0005, "slippage_bps": 3.0}),
    (gas.gas_price_gwei, {"base_fee_gwei": 10.0, "priority_fee_p50_gwei": 1.0}),
    (gas.gas_cost_eth, {"units": 100_000, "base_fee_gwei": 10.0, "priority_fee_p50_gwei": 1.0}),
    (
        gas.gas_cost,
        {
            "units": 100_000,
            "base_fee_gwei": 10.0,
            "priority_fee_p50_gwei": 1.0,
            "eth_price": 3e3,
        },
    ),
    (
        transfers.transfer,
        {
            "amount": 100.0,
            "sent_at": datetime(2024, 1, 1, tzinfo=UTC),
            "config": transfer_config(),
            "asset_price_usd": 1.0,
        },
    ),
]

SPOILED = [
    pytest.param(
        call,
        kwargs,
        name,
        bad,
        id=f"{call.__module__.rsplit('.', 1)[1]}.{call.__name__}-{name}-{bad}",
    )
    for call, kwargs in CALLS
    for name, value in kwargs.items()
    if type(value) is float
    for bad in (math.nan, math.inf, -math.inf)
]


@pytest.mark.parametrize(("call", "kwargs"), CALLS)
def test_public_function_valid_arguments_return(
    call: Callable[..., Any], kwargs: dict[str, Any]
) -> None:
    result = call(**kwargs)
    assert result is not None


@pytest.mark.parametrize(("call", "kwargs", "name", "bad"), SPOILED)
def test_public_function_non_finite_argument_raises(
    call: Callable[..., Any], kwargs: dict[str, Any], name: str, bad: float
) -> None:
    with pytest.raises(InvalidOperationError):
        call(**{**kwargs, name: bad})


def test_health_factor_non_finite_raises() -> None:
    for bad in (math.nan, math.inf):
        with pytest.raises(InvalidOperationError):
            aave.health_factor([bad], [0.8], 1.0)
        with pytest.raises(InvalidOperationError):
            aave.health_factor([1.0], [bad], 1.0)


def test_checks_messages_name_the_value() -> None:
    with pytest.raises(InvalidOperationError, match=r"index must be finite and > 0, got -2\.0"):
        checks.positive("index", -2.0)
    with pytest.raises(InvalidOperationError, match=r"\[0, 1\), got 1\.0"):
        checks.fraction("LTV", 1.0, below_one=True)
    with pytest.raises(InvalidOperationError, match=r"\[0, 10000\) bp"):
        checks.basis_points("slippage", 10_000.0)


def test_checks_return_valid_values() -> None:
    assert checks.non_negative("x", 0.0) == 0.0
    assert checks.fraction("x", 1.0) == 1.0
    assert checks.non_negative_int("units", 7) == 7
