"""LSTs on the book: staking, yield through the protocol rate, depeg, exits, queue, rewards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from basis.book import Category, Instrument
from basis.book import factors as f
from basis.errors import InsufficientBalanceError, InvalidOperationError
from basis.mechanics import staking

from .stubs import T0, WALLET_ETH, WALLET_USDT, WALLET_WEETH, book, funded, hours, snapshot

ETHERFI_QUEUE = Instrument.parse("etherfi:withdrawal:ETH")
WALLET_EIGEN = Instrument.wallet("EIGEN")


def test_stake_at_par_mints_eth_over_rate_and_books_nothing() -> None:
    # 2.1 ETH at 1.05 ETH per weETH → 2 weETH, worth 2.1 ETH.
    b = funded("ETH", **{"wallet:token:ETH": 2.1})
    assert b.stake("a", "weETH", 2.1) == pytest.approx(2.0, rel=1e-15)
    assert b.balance("a", WALLET_ETH) == 0.0
    assert [e.category for e in b.entries] == [Category.FLOWS]
    assert b.equity() == pytest.approx(2.1, rel=1e-15)


def test_stake_below_peg_books_the_depeg_as_lst_discount() -> None:
    # Mint at the protocol rate 1.05, marked at the DEX rate 1.04: 2 × (1.04 − 1.05) ETH.
    b = book("ETH", **{f.market_rate("weETH"): 1.04})
    b.deposit("a", WALLET_ETH, 2.1)
    b.stake("a", "weETH", 2.1)
    assert b.entries[-1].category is Category.LST_DISCOUNT
    assert b.entries[-1].amount == pytest.approx(-0.02, rel=1e-12)


def test_holding_lst_earns_protocol_rate_growth_as_staking_yield() -> None:
    # 10 weETH, rate 1.05 → 1.0815 (+3 %) on both rates: 10 × 0.0315 = 0.315 ETH.
    b = funded("ETH", **{"wallet:token:weETH": 10.0})
    b.accrue(hours(24 * 365), {f.protocol_rate("weETH"): 1.0815, f.market_rate("weETH"): 1.0815})
    pnl = b.attribution()
    assert pnl[Category.STAKING_YIELD] == pytest.approx(0.315, rel=1e-12)
    assert pnl[Category.PRICE] == pytest.approx(0.0, abs=1e-15)


def test_dex_exit_books_slippage_and_reports_depeg() -> None:
    # Sell 10 weETH at DEX rate 1.04 (protocol 1.05) with 20 bp:
    # ETH = 10 × 1.04 × 0.998 = 10.3792; slippage = 10.3792 − 10.4 = −0.0208 ETH;
    # depeg vs protocol = 10 × (1.04 − 1.05) = −0.1 ETH (already in price while held).
    b = book("ETH", **{f.market_rate("weETH"): 1.04})
    b.deposit("a", WALLET_WEETH, 10.0)
    result = b.lst_dex_exit("a", "weETH", 10.0, 20.0)
    assert result.eth_received == pytest.approx(staking.dex_exit(10.0, 1.04, 20.0))
    assert result.eth_received == pytest.approx(10.3792, rel=1e-12)
    assert result.slippage == pytest.approx(-0.0208, rel=1e-9)
    assert result.depeg == pytest.approx(-0.1, rel=1e-9)
    assert b.entries[-1].category is Category.SLIPPAGE
    assert b.balance("a", WALLET_ETH) == pytest.approx(10.3792, rel=1e-12)


def test_dex_exit_beyond_balance_raises_and_changes_nothing() -> None:
    b = funded("ETH", **{"wallet:token:weETH": 1.0})
    before = snapshot(b)
    with pytest.raises(
        InsufficientBalanceError, match=re.escape("cannot sell 2.0 of wallet:token:weETH")
    ):
        b.lst_dex_exit("a", "weETH", 2.0, 20.0)
    assert snapshot(b) == before


def test_queued_withdrawal_fixes_eth_at_protocol_rate_and_recovers_depeg() -> None:
    # Queue 10 weETH at protocol 1.05 while the DEX says 1.04: claim 10.5 ETH, due in
    # 168 h (etherfi); lst_discount += 10.5 − 10.4 = 0.1 ETH.
    b = book("ETH", **{f.market_rate("weETH"): 1.04})
    b.deposit("a", WALLET_WEETH, 10.0)
    request = b.request_withdrawal("a", "weETH", 10.0)
    assert request.eth_amount == pytest.approx(10.5, rel=1e-15)
    (claim,) = b.claims("a", ETHERFI_QUEUE)
    assert claim.due == T0 + timedelta(hours=168)
    assert b.balance("a", ETHERFI_QUEUE) == pytest.approx(10.5)
    assert b.entries[-1].category is Category.LST_DISCOUNT
    assert b.entries[-1].amount == pytest.approx(0.1, rel=1e-9)
    assert b.equity() == pytest.approx(10.5, rel=1e-12)


def test_claim_before_due_moves_nothing_and_after_due_pays_eth() -> None:
    b = funded("ETH", **{"wallet:token:weETH": 10.0})
    b.request_withdrawal("a", "weETH", 10.0)
    b.accrue(hours(167))
    assert b.claim_withdrawals("a", "weETH") == 0.0
    b.accrue(hours(168))
    assert b.claim_withdrawals("a", "weETH") == pytest.approx(10.5)
    assert b.balance("a", WALLET_ETH) == pytest.approx(10.5)
    assert b.balance("a", ETHERFI_QUEUE) == 0.0
    assert b.claims("a", ETHERFI_QUEUE) == ()


def test_queued_claim_keeps_eth_value_through_protocol_growth() -> None:
    # The claim is ETH: protocol-rate growth after the request earns it nothing.
    b = funded("ETH", **{"wallet:token:weETH": 10.0})
    b.request_withdrawal("a", "weETH", 10.0)
    b.accrue(hours(24), {f.protocol_rate("weETH"): 1.06, f.market_rate("weETH"): 1.06})
    assert b.attribution()[Category.STAKING_YIELD] == 0.0
    assert b.equity() == pytest.approx(10.5, rel=1e-15)


def test_rewards_pay_on_wallet_and_aave_lst_at_token_price() -> None:
    # 6 weETH in the wallet + 4 supplied = 10 weETH × 0.5 EIGEN = 5 EIGEN × $4 = $20.
    b = funded("USDT", **{"wallet:token:weETH": 10.0})
    b.aave_supply("a", "weETH", 4.0)
    assert b.pay_rewards("a", "weETH", "EIGEN", 0.5) == pytest.approx(5.0)
    assert b.entries[-1].category is Category.REWARDS
    assert b.entries[-1].amount == pytest.approx(20.0)
    assert b.balance("a", WALLET_EIGEN) == pytest.approx(5.0)


def test_reward_sale_books_slippage_and_fee() -> None:
    # Sell the 5 EIGEN ($20 at the mark) for 19.5 USDT, paying 0.1 USDT: slippage −0.5.
    b = funded("USDT", **{"wallet:token:weETH": 10.0})
    b.pay_rewards("a", "weETH", "EIGEN", 0.5)
    b.deposit("a", WALLET_USDT, 1.0)
    b.swap("a", WALLET_EIGEN, 5.0, WALLET_USDT, 19.5, 0.1, WALLET_USDT)
    pnl = b.attribution()
    assert (pnl[Category.REWARDS], pnl[Category.SLIPPAGE], pnl[Category.TRADING_FEES]) == (
        pytest.approx(20.0),
        pytest.approx(-0.5),
        pytest.approx(-0.1),
    )
    assert b.balance("a", WALLET_USDT) == pytest.approx(1.0 + 19.5 - 0.1)


def test_unknown_lst_raises() -> None:
    with pytest.raises(InvalidOperationError, match="unknown LST 'rETH'"):
        funded("ETH", **{"wallet:token:ETH": 1.0}).stake("a", "rETH", 1.0)
