"""Transfers between venues: a flat fee taken from the amount and a credit delay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from basis.config.venues import TransferConfig
from basis.errors import InvalidOperationError
from basis.mechanics.checks import non_negative, positive, utc_aware

__all__ = ["Transfer", "transfer"]


@dataclass(frozen=True)
class Transfer:
    """Funds in flight: sent, received after the fee (same asset units), and when they land."""

    amount_sent: float
    amount_received: float
    fee: float
    sent_at: datetime
    arrives_at: datetime


def transfer(
    amount: float, sent_at: datetime, config: TransferConfig, *, asset_price_usd: float = 1.0
) -> Transfer:
    """Return the transfer of `amount` sent at `sent_at` under `config`.

    The fee is `config.fee_usd / asset_price_usd` asset units (price 1 for USD stablecoins),
    taken from the amount; the funds arrive `config.delay_hours` later. Raises
    InvalidOperationError when the fee is at least the amount, for a negative amount, a
    price <= 0 or a naive `sent_at`.
    """
    non_negative("transfer amount", amount)
    positive("asset price USD", asset_price_usd)
    utc_aware("sent_at", sent_at)
    fee = config.fee_usd / asset_price_usd
    if fee >= amount:
        raise InvalidOperationError(
            f"transfer fee {fee!r} is not below the amount {amount!r}: nothing would arrive"
        )
    return Transfer(
        amount_sent=amount,
        amount_received=amount - fee,
        fee=fee,
        sent_at=sent_at,
        arrives_at=sent_at + timedelta(hours=config.delay_hours),
    )
