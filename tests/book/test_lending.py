"""Aave on the book: scaled balances, interest through the indices, Aave's refusals, loops,
flash loans and liquidation."""

from __future__ import annotations

import re

import pytest

from basis.book import Category, Instrument, Kind
from basis.book import factors as f
from basis.book.risk import aave_account
from basis.errors import InsufficientBalanceError, InvalidOperationError
from basis.mechanics import aave
from basis.mechanics.aave import SECONDS_PER_YEAR

from .stubs import (
    WALLET_ETH,
    WALLET_WETH,
    WEETH_SUPPLY,
    WETH_DEBT,
    book,
    funded,
    hours,
    loop,
    snapshot,
)

WETH_SUPPLY = Instrument.aave_supply("WETH")


def test_supply_mints_amount_over_index_and_books_nothing() -> None:
    # 3 WETH at liquidity index 1.2 → scaled 2.5; its value is unchanged: 3 WETH.
    b = book("ETH", **{f.liquidity_index("WETH"): 1.2})
    b.deposit("a", WALLET_WETH, 3.0)
    b.aave_supply("a", "WETH", 3.0)
    (held,) = [h for h in b.holdings() if h.instrument == WETH_SUPPLY]
    assert held.quantity == pytest.approx(2.5, rel=1e-15)
    assert b.balance("a", WETH_SUPPLY) == pytest.approx(3.0, rel=1e-15)
    assert b.balance("a", WALLET_WETH) == 0.0
    assert [e.category for e in b.entries] == [Category.FLOWS]


def test_supply_interest_grows_with_aave_linear_index() -> None:
    # 100 WETH supplied at index 1, 5 % supply APR for 24 h (linear):
    # index 1 × (1 + 0.05 × 86400 / 31,536,000) → interest 100 × 0.05 / 365 ETH.
    b = funded("ETH", **{"wallet:token:WETH": 100.0})
    b.aave_supply("a", "WETH", 100.0)
    b.accrue(hours(24), supply_apr={"WETH": 0.05})
    assert b.attribution()[Category.SUPPLY_INTEREST] == pytest.approx(100 * 0.05 / 365, rel=1e-12)
    assert b.marks()[f.liquidity_index("WETH")] == aave.grow_liquidity_index(1.0, 0.05, 86_400)


def test_borrow_interest_compounds_per_second_and_is_negative() -> None:
    # 50 WETH borrowed against 100 WETH, 3 % APR for one year, compounded per second.
    b = funded("ETH", **{"wallet:token:WETH": 100.0})
    b.aave_supply("a", "WETH", 100.0)
    b.aave_borrow("a", "WETH", 50.0)
    b.accrue(hours(24 * 365), borrow_apr={"WETH": 0.03})
    growth = aave.grow_borrow_index(1.0, 0.03, SECONDS_PER_YEAR)  # ≈ e^0.03
    assert b.attribution()[Category.BORROW_INTEREST] == pytest.approx(-50 * (growth - 1), rel=1e-12)
    assert b.balance("a", WETH_DEBT) == pytest.approx(50 * growth, rel=1e-12)


def test_snap_to_observed_index_books_the_difference_as_interest() -> None:
    # Grow 24 h at 5 % (index 1.000136986...), then observe 1.0001: the snap books
    # 100 × (1.0001 − grown) more supply interest, here negative.
    b = funded("ETH", **{"wallet:token:WETH": 100.0})
    b.aave_supply("a", "WETH", 100.0)
    b.accrue(hours(24), supply_apr={"WETH": 0.05})
    grown = b.marks()[f.liquidity_index("WETH")]
    b.accrue(hours(24), {f.liquidity_index("WETH"): 1.0001})
    assert b.attribution()[Category.SUPPLY_INTEREST] == pytest.approx(0.01, rel=1e-9)
    assert b.attribution()[Category.PRICE] == 0.0
    assert grown > 1.0001


def test_accrue_observed_index_wins_over_growth() -> None:
    b = funded("ETH", **{"wallet:token:WETH": 1.0})
    b.aave_supply("a", "WETH", 1.0)
    b.accrue(hours(1), {f.liquidity_index("WETH"): 1.5}, supply_apr={"WETH": 0.05})
    assert b.marks()[f.liquidity_index("WETH")] == 1.5


def test_accrue_backwards_in_time_raises() -> None:
    b = book()
    b.accrue(hours(2))
    with pytest.raises(InvalidOperationError, match="before the book's time"):
        b.accrue(hours(1))


def test_withdraw_all_empties_the_scaled_balance() -> None:
    b = funded("ETH", **{"wallet:token:WETH": 7.0})
    b.aave_supply("a", "WETH", 7.0)
    b.accrue(hours(5), supply_apr={"WETH": 0.037})
    b.aave_withdraw("a", "WETH", b.balance("a", WETH_SUPPLY))
    assert b.balance("a", WETH_SUPPLY) == 0.0
    assert b.balance("a", WALLET_WETH) == pytest.approx(7.0 * (1 + 0.037 * 5 / 8760), rel=1e-12)


def test_withdraw_beyond_supply_raises_and_changes_nothing() -> None:
    b = funded("ETH", **{"wallet:token:WETH": 1.0})
    b.aave_supply("a", "WETH", 1.0)
    before = snapshot(b)
    with pytest.raises(
        InsufficientBalanceError, match=re.escape("cannot withdraw 1.5 of aave_v3:supply:WETH")
    ):
        b.aave_withdraw("a", "WETH", 1.5)
    assert snapshot(b) == before


def test_borrow_beyond_borrowing_power_raises_and_changes_nothing() -> None:
    # 100 WETH collateral in e-mode: max LTV 0.93 → borrowing power 93 WETH ($186,000).
    b = funded("ETH", **{"wallet:token:WETH": 100.0})
    b.set_emode("a", "ETH")
    b.aave_supply("a", "WETH", 100.0)
    b.aave_borrow("a", "WETH", 93.0)
    before = snapshot(b)
    with pytest.raises(
        InvalidOperationError, match=re.escape("above the borrowing power $186,000")
    ):
        b.aave_borrow("a", "WETH", 0.01)
    assert snapshot(b) == before


def test_withdraw_that_breaks_health_factor_raises() -> None:
    # Loop at LTV 0.9: HF = 0.95 / 0.9 ≈ 1.056; withdrawing 6 % of collateral breaks it.
    b = loop()
    supplied = b.balance("a", WEETH_SUPPLY)
    with pytest.raises(InvalidOperationError, match="below 1"):
        b.aave_withdraw("a", "weETH", supplied * 0.06)


def test_repay_more_than_owed_raises() -> None:
    b = loop(equity_eth=1.0)
    b.deposit("a", WALLET_WETH, 100.0)
    with pytest.raises(
        InsufficientBalanceError, match=re.escape("cannot repay 10.0 of aave_v3:debt:WETH")
    ):
        b.aave_repay("a", "WETH", 10.0)  # owes 9


def test_repay_reduces_debt_by_amount_over_index() -> None:
    b = loop(equity_eth=1.0)  # owes 9 WETH, holds none in the wallet
    b.deposit("a", WALLET_WETH, 4.0)
    b.aave_repay("a", "WETH", 4.0)
    assert b.balance("a", WETH_DEBT) == pytest.approx(5.0, rel=1e-15)


def test_set_emode_unknown_category_raises() -> None:
    with pytest.raises(InvalidOperationError, match="unknown e-mode category 'BTC'"):
        book().set_emode("a", "BTC")


def test_set_emode_leaving_it_with_loop_debt_raises() -> None:
    # Standard weETH threshold 0.80 against debt at 90 % of collateral: HF 0.89.
    with pytest.raises(InvalidOperationError, match=re.escape("health factor 0.8889 below 1")):
        loop().set_emode("a", None)


def test_loop_matches_closed_form_collateral_and_debt() -> None:
    # E = 10 ETH at t = 0.9: collateral E/(1−t) = 100 ETH, debt E·t/(1−t) = 90 WETH.
    b = loop(equity_eth=10.0, ltv=0.9)
    collateral, debt = aave.leveraged_loop(10.0, 0.9)
    assert b.balance("a", WEETH_SUPPLY) * 1.05 == pytest.approx(collateral, rel=1e-12)
    assert b.balance("a", WETH_DEBT) == pytest.approx(debt, rel=1e-12)
    assert b.equity() == pytest.approx(10.0, rel=1e-12)
    position = aave_account(b, b.marks(), "a")
    assert position.health_factor == pytest.approx(100 * 0.95 / 90, rel=1e-12)
    assert position.ltv == pytest.approx(0.9, rel=1e-12)


def test_loop_with_constant_rates_earns_closed_form_apy() -> None:
    # weETH grows 3 %/yr (protocol = market rate), WETH debt 2 % APR compounded per
    # second; one year unrebalanced at t = 0.9: (y − b·t)/(1 − t) on equity.
    b = loop(equity_eth=10.0, ltv=0.9)
    borrow_apy = aave.compounded_apy(0.02)
    b.accrue(
        hours(24 * 365),
        {f.protocol_rate("weETH"): 1.05 * 1.03, f.market_rate("weETH"): 1.05 * 1.03},
        borrow_apr={"WETH": 0.02},
    )
    expected = aave.loop_apy(0.03, borrow_apy, 0.9)
    assert b.equity() / 10.0 - 1.0 == pytest.approx(expected, rel=1e-9)
    pnl = b.attribution()
    assert pnl[Category.STAKING_YIELD] == pytest.approx(100 * 0.03, rel=1e-9)
    assert pnl[Category.BORROW_INTEREST] == pytest.approx(-90 * borrow_apy, rel=1e-9)


def test_flash_borrow_outside_atomic_raises() -> None:
    with pytest.raises(InvalidOperationError, match=re.escape("outside book.atomic()")):
        book("ETH").flash_borrow("a", "WETH", 1.0)


def test_flash_loan_not_repaid_rolls_the_group_back() -> None:
    b = funded("ETH", **{"wallet:token:ETH": 1.0})
    before = snapshot(b)

    def group() -> None:
        with b.atomic():
            b.flash_borrow("a", "WETH", 5.0)
            b.swap("a", WALLET_WETH, 5.0, WALLET_ETH, 5.0)

    with pytest.raises(InvalidOperationError, match=re.escape("WETH of 5.0 not repaid")):
        group()
    assert snapshot(b) == before


def test_flash_repay_fee_books_trading_fees() -> None:
    # 0.05 % premium on 100 WETH = 0.05 WETH = 0.05 ETH in the ETH share class.
    b = funded("ETH", **{"wallet:token:WETH": 1.0})
    with b.atomic():
        b.flash_borrow("a", "WETH", 100.0)
        b.flash_repay("a", "WETH", 100.0, fee=0.05)
    assert b.attribution()[Category.TRADING_FEES] == pytest.approx(-0.05)
    assert b.balance("a", WALLET_WETH) == pytest.approx(0.95)
    assert b.balance("a", Instrument("aave_v3", Kind.FLASH, "WETH")) == 0.0


def test_liquidation_half_debt_when_hf_between_095_and_1() -> None:
    # Loop E = 10, t = 0.9 (100 ETH of weETH, 90 WETH debt, HF 1.0556). Slash the protocol
    # rate by 6 %: collateral 94 ETH, HF = 94 × 0.95 / 90 = 0.99222 → close factor 0.5:
    # repay 45 WETH, seize 45 × 1.01 = 45.45 ETH of weETH; penalty 0.45 ETH.
    b = loop(equity_eth=10.0, ltv=0.9)
    slashed = 1.05 * 0.94
    b.accrue(hours(1), {f.protocol_rate("weETH"): slashed, f.market_rate("weETH"): slashed})
    supplied = b.balance("a", WEETH_SUPPLY)
    result = b.aave_liquidate("a", "weETH", "WETH")
    assert result.debt_repaid == pytest.approx(45.0, rel=1e-12)
    assert result.collateral_seized * slashed == pytest.approx(45.45, rel=1e-12)
    assert result.penalty == pytest.approx(0.45, rel=1e-9)
    assert b.balance("a", WETH_DEBT) == pytest.approx(45.0, rel=1e-12)
    assert b.balance("a", WEETH_SUPPLY) == pytest.approx(supplied - result.collateral_seized)
    assert b.entries[-1].category is Category.LIQUIDATION
    assert b.entries[-1].amount == pytest.approx(-0.45, rel=1e-9)


def test_liquidation_at_depeg_books_oracle_market_gap_as_price() -> None:
    # As above, but the DEX rate sits 1 % under the slashed oracle rate: the seized weETH
    # was marked at the DEX rate, Aave values it at the oracle rate. price = seized × (r − m).
    b = loop(equity_eth=10.0, ltv=0.9)
    oracle = 1.05 * 0.94
    b.accrue(hours(1), {f.protocol_rate("weETH"): oracle, f.market_rate("weETH"): oracle * 0.99})
    before = b.equity()
    result = b.aave_liquidate("a", "weETH", "WETH")
    gap = result.collateral_seized * (oracle - oracle * 0.99)
    price, liquidation = b.entries[-1], b.entries[-2]
    assert (price.category, liquidation.category) == (Category.PRICE, Category.LIQUIDATION)
    assert price.amount == pytest.approx(gap, rel=1e-9)
    assert b.equity() - before == pytest.approx(liquidation.amount + price.amount, rel=1e-9)


def test_liquidation_of_healthy_account_raises_and_changes_nothing() -> None:
    b = loop()
    before = snapshot(b)
    with pytest.raises(InvalidOperationError, match="not liquidatable"):
        b.aave_liquidate("a", "weETH", "WETH")
    assert snapshot(b) == before
