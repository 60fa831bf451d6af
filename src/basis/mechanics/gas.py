"""Ethereum gas cost: units × (base fee + median priority fee) in gwei, in ETH or a currency."""

from __future__ import annotations

from basis.mechanics.checks import non_negative, non_negative_int, positive

__all__ = ["GWEI", "gas_cost", "gas_cost_eth", "gas_price_gwei"]

GWEI = 1e-9
"""ETH per gwei."""


def gas_price_gwei(base_fee_gwei: float, priority_fee_p50_gwei: float) -> float:
    """Return the gas price paid, `base fee + p50 priority fee`, in gwei (not the spiky max).

    Raises InvalidOperationError for a negative or non-finite fee.
    """
    non_negative("base fee gwei", base_fee_gwei)
    non_negative("priority fee p50 gwei", priority_fee_p50_gwei)
    return base_fee_gwei + priority_fee_p50_gwei


def gas_cost_eth(units: int, base_fee_gwei: float, priority_fee_p50_gwei: float) -> float:
    """Return the ETH spent on `units` of gas: `units × (base + p50) × 1e−9`.

    Raises InvalidOperationError for non-integer or negative units or a bad fee.
    """
    non_negative_int("gas units", units)
    return units * gas_price_gwei(base_fee_gwei, priority_fee_p50_gwei) * GWEI


def gas_cost(
    units: int, base_fee_gwei: float, priority_fee_p50_gwei: float, eth_price: float
) -> float:
    """Return the gas cost of `units` in the currency `eth_price` is quoted in.

    Raises InvalidOperationError for bad units or fees or an ETH price <= 0.
    """
    positive("ETH price", eth_price)
    return gas_cost_eth(units, base_fee_gwei, priority_fee_p50_gwei) * eth_price
