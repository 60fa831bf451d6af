"""Gas cost: units × (base fee + p50 priority fee) × 1e−9, in ETH and in a currency."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from basis.config.market import load_market
from basis.errors import InvalidOperationError
from basis.mechanics import gas

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_gas_price_is_base_plus_median_priority() -> None:
    assert gas.gas_price_gwei(12.0, 1.5) == 13.5


def test_gas_cost_atomic_leveraged_entry_golden() -> None:
    units = load_market(CONFIGS).gas.units_for("atomic_entry")
    assert units == 1_250_000
    # 1.25M units × (12 + 1.5) gwei = 16,875,000 gwei = 0.016875 ETH
    assert gas.gas_cost_eth(units, 12.0, 1.5) == pytest.approx(1_250_000 * 13.5 * 1e-9)
    # at 3,000 USD per ETH: 0.016875 × 3,000 = 50.625 USD
    assert gas.gas_cost(units, 12.0, 1.5, 3_000.0) == pytest.approx(0.016875 * 3_000.0)


def test_gas_cost_zero_units_free() -> None:
    assert gas.gas_cost(0, 30.0, 2.0, 3_000.0) == 0.0


@pytest.mark.parametrize("units", [-1, 1.5, True])
def test_gas_cost_eth_bad_units_raises(units: int) -> None:
    with pytest.raises(InvalidOperationError, match="gas units"):
        gas.gas_cost_eth(units, 10.0, 1.0)


@pytest.mark.parametrize(
    ("base", "tip", "price"), [(-1.0, 1.0, 1.0), (1.0, math.nan, 1.0), (1.0, 1.0, 0.0)]
)
def test_gas_cost_bad_fee_or_price_raises(base: float, tip: float, price: float) -> None:
    with pytest.raises(InvalidOperationError):
        gas.gas_cost(100_000, base, tip, price)
