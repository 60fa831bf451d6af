"""`undeployed`: idle share-class cash beyond the reserve, as a share of equity."""

from __future__ import annotations

import pytest

from basis.book import Instrument
from basis.book.exposure import PositionValue
from basis.engine.deployment import cash_like, undeployed


def held(name: str, value: float, units: float = 1.0, account: str = "main") -> PositionValue:
    return PositionValue(account, Instrument.parse(name), units, value, value)


def test_undeployed_wallet_cash_and_unhedged_venue_cash_count() -> None:
    # Equity 1,000: 100 USDT in the wallet and 50 USDC at okx (no perp there) are idle;
    # 250 USDT at binance margins a short, 600 is Aave supply.
    positions = [
        held("wallet:token:USDT", 100.0),
        held("okx:token:USDC", 50.0),
        held("binance:token:USDT", 250.0),
        held("binance:perp:ETHUSDT", 0.0, units=-1.0),
        held("aave_v3:supply:USDT", 600.0),
    ]
    assert undeployed(positions, 1_000.0, "USDT", 0.0) == pytest.approx(0.15)
    # A 10 % reserve is meant to stay cash: 15 % − 10 % = 5 %.
    assert undeployed(positions, 1_000.0, "USDT", 0.10) == pytest.approx(0.05)


def test_undeployed_clamped_to_zero_and_one() -> None:
    assert undeployed([held("wallet:token:USDT", 10.0)], 1_000.0, "USDT", 0.5) == 0.0
    assert undeployed([held("wallet:token:ETH", 2.0)], 1.0, "ETH", 0.0) == 1.0
    assert undeployed([held("wallet:token:USDT", 10.0)], 0.0, "USDT", 0.0) == 0.0


def test_undeployed_other_tokens_are_not_cash() -> None:
    positions = [held("wallet:token:weETH", 5.0), held("wallet:token:USDT", 1.0)]
    assert undeployed(positions, 6.0, "ETH", 0.0) == 0.0
    assert cash_like("ETH") == ("ETH", "WETH")
