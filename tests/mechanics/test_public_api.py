"""The contract the book codes against: names and parameter lists of the public mechanics."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

from basis.mechanics import aave, gas, perps, staking, trading, transfers

# Parameters in order; additions must be keyword arguments with defaults, at the end.
CONTRACT: dict[ModuleType, dict[str, list[str]]] = {
    aave: {
        "scaled_from_amount": ["amount", "index"],
        "amount_from_scaled": ["scaled", "index"],
        "grow_liquidity_index": ["index", "supply_rate_apr", "seconds"],
        "grow_borrow_index": ["index", "borrow_rate_apr", "seconds"],
        "health_factor": ["collateral_values", "liquidation_thresholds", "debt_value"],
        "loan_to_value": ["collateral_value", "debt_value"],
        "close_factor": ["health_factor", "config"],
        "liquidate": [
            "collateral_amount",
            "collateral_price",
            "debt_amount",
            "debt_price",
            "health_factor",
            "bonus",
            "config",
        ],
        "leveraged_loop": ["equity", "target_ltv"],
        "loop_apy": ["collateral_yield", "borrow_rate", "ltv"],
        "target_ltv": ["max_ltv", "max_stake_spread_move"],
        "kinked_borrow_rate": ["utilization", "model"],
        "supply_rate": ["borrow_rate", "utilization", "reserve_factor"],
    },
    staking: {
        "stake": ["eth", "protocol_rate"],
        "lst_value_eth": ["lst_amount", "rate"],
        "dex_exit": ["lst_amount", "market_rate", "slippage_bps"],
        "queue_withdrawal": ["lst_amount", "protocol_rate", "now", "delay_hours"],
        "reward_tokens": ["lst_amount", "amount_per_lst"],
    },
    perps: {
        "unrealised_pnl": ["size", "entry_price", "mark"],
        "funding_payment": ["size", "mark", "rate"],
        "settlements_between": ["start", "end", "schedule"],
        "margin_ratio": ["margin_balance", "notional"],
        "maintenance_margin": ["notional", "margin"],
        "liquidation_price_isolated": ["size", "entry_price", "isolated_margin", "margin"],
        "liquidation_price_cross": [
            "size",
            "entry_price",
            "account_equity_excluding_pnl",
            "margin",
            "other_maintenance",
        ],
        "liquidate_position": ["size", "entry_price", "liquidation_price", "margin"],
    },
    trading: {
        "slippage_bps": ["curve", "notional_usd"],
        "execution_price": ["side_sign", "reference_price", "slippage_bps"],
        "trade_cost": ["notional", "fee_rate", "slippage_bps"],
    },
    gas: {
        "gas_price_gwei": ["base_fee_gwei", "priority_fee_p50_gwei"],
        "gas_cost_eth": ["units", "base_fee_gwei", "priority_fee_p50_gwei"],
        "gas_cost": ["units", "base_fee_gwei", "priority_fee_p50_gwei", "eth_price"],
    },
    transfers: {"transfer": ["amount", "sent_at", "config"]},
}

RECORDS = {
    aave.Liquidation: ["debt_repaid", "collateral_seized", "penalty"],
    staking.Withdrawal: ["lst_amount", "eth_amount", "requested_at", "available_at"],
    perps.PerpLiquidation: ["price", "realised_pnl", "fee"],
    trading.TradeCost: ["fee", "slippage"],
    transfers.Transfer: ["amount_sent", "amount_received", "fee", "sent_at", "arrives_at"],
}

FUNCTIONS = [
    pytest.param(module, name, params, id=f"{module.__name__.rsplit('.', 1)[1]}.{name}")
    for module, functions in CONTRACT.items()
    for name, params in functions.items()
]


@pytest.mark.parametrize(("module", "name", "params"), FUNCTIONS)
def test_public_function_signature_matches_contract(
    module: ModuleType, name: str, params: list[str]
) -> None:
    assert name in module.__all__
    signature = inspect.signature(getattr(module, name))
    names = list(signature.parameters)
    assert names[: len(params)] == params
    extra = [signature.parameters[n] for n in names[len(params) :]]
    assert all(p.default is not inspect.Parameter.empty for p in extra)


@pytest.mark.parametrize(
    ("record", "fields"), RECORDS.items(), ids=lambda v: getattr(v, "__name__", "")
)
def test_public_record_fields_match_contract(record: type, fields: list[str]) -> None:
    assert list(inspect.signature(record).parameters) == fields
    assert record.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_seconds_per_year_exported() -> None:
    assert "SECONDS_PER_YEAR" in aave.__all__
