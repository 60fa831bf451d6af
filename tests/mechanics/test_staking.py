"""Staking mechanics: mint at the protocol rate, value, DEX exit, withdrawal queue, rewards."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.errors import InvalidOperationError
from basis.mechanics import staking


def test_stake_and_value_golden() -> None:
    # 10 ETH at 1.05 ETH per weETH mints 10 / 1.05 = 9.5238 weETH.
    minted = staking.stake(10.0, 1.05)
    assert minted == pytest.approx(10.0 / 1.05)
    # The rate grows 3 % to 1.0815: worth 9.5238 × 1.0815 = 10.3 ETH.
    assert staking.lst_value_eth(minted, 1.05 * 1.03) == pytest.approx(10.0 * 1.03)


def test_dex_exit_depeg_and_slippage_golden() -> None:
    # 100 weETH at a DEX rate of 1.04 ETH (oracle 1.05: a ~1 % depeg) less 27 bp:
    # 100 × 1.04 × (1 − 0.0027) = 103.7192 ETH
    assert staking.dex_exit(100.0, 1.04, 27.0) == pytest.approx(100.0 * 1.04 * (1 - 0.0027))


def test_queue_withdrawal_golden_epoch_seconds() -> None:
    # 2024-06-01T00:00Z = 1717200000; 168 h later = + 604,800 s
    request = staking.queue_withdrawal(50.0, 1.06, 1_717_200_000.0, 168.0)
    assert request.lst_amount == 50.0
    assert request.eth_amount == pytest.approx(50.0 * 1.06)
    assert request.requested_at == 1_717_200_000.0
    assert request.available_at == 1_717_200_000.0 + 168 * 3_600


def test_reward_tokens_golden() -> None:
    # 1,000 weETH × 0.0123 EIGEN per weETH = 12.3 EIGEN
    assert staking.reward_tokens(1_000.0, 0.0123) == pytest.approx(12.3)


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (staking.stake, (-1.0, 1.05)),
        (staking.stake, (1.0, 0.0)),
        (staking.lst_value_eth, (1.0, -1.0)),
        (staking.dex_exit, (1.0, 1.0, 10_000.0)),
        (staking.dex_exit, (1.0, 1.0, -1.0)),
        (staking.dex_exit, (math.nan, 1.0, 1.0)),
        (staking.queue_withdrawal, (1.0, 1.0, math.nan, 1.0)),
        (staking.queue_withdrawal, (1.0, 1.0, 0.0, -1.0)),
        (staking.reward_tokens, (1.0, -0.1)),
    ],
)
def test_staking_bad_input_raises(call: Callable[..., object], args: tuple[float, ...]) -> None:
    with pytest.raises(InvalidOperationError):
        call(*args)


@given(eth=st.floats(0.0, 1e9), rate=st.floats(0.5, 2.0))
def test_stake_then_value_round_trip_returns_eth(eth: float, rate: float) -> None:
    assert staking.lst_value_eth(staking.stake(eth, rate), rate) == pytest.approx(eth, rel=1e-15)


@given(lst=st.floats(1e-6, 1e9), rate=st.floats(0.5, 2.0), bps=st.floats(0.0, 9_999.0))
def test_dex_exit_never_above_market_value(lst: float, rate: float, bps: float) -> None:
    assert staking.dex_exit(lst, rate, bps) <= staking.lst_value_eth(lst, rate)
