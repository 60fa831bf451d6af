"""Liquid staking mechanics: minting LSTs, their ETH value, DEX exits, withdrawal queue, rewards."""

from __future__ import annotations

from dataclasses import dataclass

from basis.mechanics.checks import BPS, basis_points, finite, non_negative, positive

__all__ = [
    "SECONDS_PER_HOUR",
    "Withdrawal",
    "dex_exit",
    "lst_value_eth",
    "queue_withdrawal",
    "reward_tokens",
    "stake",
]

SECONDS_PER_HOUR = 3600.0


def stake(eth: float, protocol_rate: float) -> float:
    """Return the LST units minted for `eth` at `protocol_rate` (ETH per LST): `eth / rate`.

    Gas is charged separately. Raises InvalidOperationError for negative ETH or a rate <= 0.
    """
    return non_negative("ETH amount", eth) / positive("protocol rate", protocol_rate)


def lst_value_eth(lst_amount: float, rate: float) -> float:
    """Return the ETH value `lst_amount × rate` of an LST balance at `rate` (ETH per LST).

    Raises InvalidOperationError for a negative amount or a rate <= 0.
    """
    return non_negative("LST amount", lst_amount) * positive("rate", rate)


def dex_exit(lst_amount: float, market_rate: float, slippage_bps: float) -> float:
    """Return the ETH received selling `lst_amount` on a DEX: `lst × market_rate × (1 − bps/1e4)`.

    `market_rate` is the DEX price in ETH per LST (below the protocol rate in a depeg).
    Raises InvalidOperationError for a negative amount, a rate <= 0 or slippage outside
    [0, 10000) bp.
    """
    non_negative("LST amount", lst_amount)
    positive("market rate", market_rate)
    basis_points("slippage", slippage_bps)
    return lst_amount * market_rate * (1.0 - slippage_bps / BPS)


@dataclass(frozen=True)
class Withdrawal:
    """A queued protocol withdrawal; `requested_at` and `available_at` are unix epoch seconds."""

    lst_amount: float
    eth_amount: float
    requested_at: float
    available_at: float


def queue_withdrawal(
    lst_amount: float, protocol_rate: float, now: float, delay_hours: float
) -> Withdrawal:
    """Return the withdrawal of `lst_amount` requested at `now` (epoch seconds).

    The ETH owed is fixed at the request: `lst × protocol_rate`; it is claimable at
    `now + delay_hours × 3600`. Raises InvalidOperationError for a negative amount or delay,
    a rate <= 0 or a non-finite time.
    """
    non_negative("LST amount", lst_amount)
    positive("protocol rate", protocol_rate)
    finite("request time", now)
    non_negative("withdrawal delay hours", delay_hours)
    return Withdrawal(
        lst_amount=lst_amount,
        eth_amount=lst_amount * protocol_rate,
        requested_at=now,
        available_at=now + delay_hours * SECONDS_PER_HOUR,
    )


def reward_tokens(lst_amount: float, amount_per_lst: float) -> float:
    """Return the reward tokens `lst_amount × amount_per_lst` paid on a balance.

    Raises InvalidOperationError for a negative or non-finite input.
    """
    return non_negative("LST amount", lst_amount) * non_negative("reward per LST", amount_per_lst)
