"""Pure lending: a withdrawal takes from Aave what the payout lacks, and pays gas once."""

from __future__ import annotations

import pytest

from basis.config.flows import Flow
from basis.data.catalog import Catalog
from basis.model.result import EventKind
from tests.engine.stubs import DEFAULT, column, inputs_for, run_on, step_of, utc

START, END = utc(2024, 1, 1), utc(2024, 1, 15)
WITHDRAWAL_AT = utc(2024, 1, 10, 12)
WITHDRAW_UNITS = 220_000  # aave_withdraw, configs/gas.yaml


@pytest.mark.parametrize(
    ("mode", "amount"), [("pure_lending_usdt", 400_000.0), ("pure_lending_eth", 100.0)]
)
def test_pure_lending_withdrawal_pays_one_gas_and_supplies_nothing_back(
    catalog: Catalog, mode: str, amount: float
) -> None:
    # Regression (issue 4): the engine unwinds owed × 1.005; the 0.5 % surplus was supplied
    # again in the same step, paying a second gas. Now the unwind withdraws what is owed
    # plus twice the withdrawal's gas, less what the wallet already holds, and the gas-sized
    # rest stays in the wallet (below GAS_COVER × a supply's gas, it is never supplied).
    inputs = inputs_for(catalog, mode, DEFAULT, START, END)
    result = run_on(mode, inputs, flows=[Flow(time=WITHDRAWAL_AT, amount=-amount)])
    data = inputs.data
    k = step_of(result, WITHDRAWAL_AT)
    gwei = data.base_fee_gwei[k] + data.priority_fee_gwei[k]
    gas = WITHDRAW_UNITS * gwei * 1e-9  # ETH
    if result.share_class == "USDT":
        gas *= data.values[k, data.names.index("price:ETH")]
    assert column(result, "gas")[k] == pytest.approx(-gas, rel=1e-9)  # one withdrawal's gas
    aave = [e for e in result.events if e.kind is EventKind.TRADE and "aave_v3:" in e.subject]
    supply, withdraw = aave  # the first hour's supply; nothing is supplied after it
    assert supply.detail.startswith("aave supply ") and supply.time == START
    assert withdraw.detail.startswith("aave withdraw ") and withdraw.time == WITHDRAWAL_AT
    # The wallet held the capital less the supply and its costs (gas, and for USDT the
    # slippage of buying that gas): C − S + cost. The withdrawal tops it up to owed + 2 gas.
    wallet = result.initial_equity - supply.size + supply.cost
    assert withdraw.size == pytest.approx(amount + 2.0 * gas - wallet, rel=1e-9)
    assert result.flows[k] == pytest.approx(-amount, rel=1e-12)  # paid in full, at once
    assert not any("unpaid" in w for w in result.warnings)
