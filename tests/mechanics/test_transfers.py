"""Transfers: fee taken from the amount, arrival after the configured delay."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from basis.errors import InvalidOperationError
from basis.mechanics import transfers

from .stubs import transfer_config, utc


def test_transfer_usdt_golden() -> None:
    # 10,000 USDT, fee 1 USD, 1 h delay: 9,999 arrive at 13:00.
    sent = utc(2024, 3, 1, 12)
    moved = transfers.transfer(10_000.0, sent, transfer_config(delay_hours=1.0, fee_usd=1.0))
    assert moved.amount_sent == 10_000.0
    assert moved.fee == 1.0
    assert moved.amount_received == 10_000.0 - 1.0
    assert moved.sent_at == sent
    assert moved.arrives_at == sent + timedelta(hours=1)


def test_transfer_eth_fee_converted_at_price() -> None:
    # 2 ETH with a 1 USD fee at 2,500 USD/ETH: fee 0.0004 ETH; 15 min delay.
    sent = utc(2024, 3, 1, 12)
    moved = transfers.transfer(
        2.0, sent, transfer_config(delay_hours=0.25, fee_usd=1.0), asset_price_usd=2_500.0
    )
    assert moved.fee == pytest.approx(1.0 / 2_500.0)
    assert moved.amount_received == pytest.approx(2.0 - 0.0004)
    assert moved.arrives_at == sent + timedelta(minutes=15)


@pytest.mark.parametrize("amount", [1.0, 0.5, 0.0])
def test_transfer_fee_not_below_amount_raises(amount: float) -> None:
    with pytest.raises(InvalidOperationError, match="nothing would arrive"):
        transfers.transfer(amount, utc(2024, 1, 1), transfer_config(fee_usd=1.0))


def test_transfer_naive_time_or_bad_price_raises() -> None:
    with pytest.raises(InvalidOperationError, match="timezone"):
        transfers.transfer(10.0, datetime(2024, 1, 1), transfer_config())
    with pytest.raises(InvalidOperationError, match="price"):
        transfers.transfer(10.0, utc(2024, 1, 1), transfer_config(), asset_price_usd=0.0)
