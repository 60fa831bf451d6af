"""Property tests of the book's invariants over random operations and market paths.

* the categories (without flows) sum to equity change − net flows, within 1e-9 relative;
* a refused operation (overdraw, over-borrow, bad input) leaves the book unchanged;
* a trade changes equity by exactly its booked slippage and fee;
* scaled balances agree with the indices; funding has the right sign; liquidation reduces
  debt and collateral exactly as Aave's rules say.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from basis.book import PNL_CATEGORIES, Book, Category, Instrument
from basis.book import factors as f
from basis.book.risk import aave_account, oracle_price, perp_liquidations
from basis.errors import InsufficientBalanceError, MechanicsError
from basis.mechanics import aave
from basis.mechanics.perps import settlements_between

from .stubs import (
    BINANCE_USDT,
    ETH_PERP,
    WALLET_ETH,
    WALLET_USDT,
    WALLET_WEETH,
    WALLET_WETH,
    WEETH_SUPPLY,
    WETH_DEBT,
    book,
    funded,
    hours,
    loop,
    market,
    snapshot,
)

ACCOUNTS = ("a", "b")
TOKENS = (WALLET_ETH, WALLET_WETH, WALLET_WEETH, WALLET_USDT, BINANCE_USDT)
BYBIT_USDT = Instrument.token("bybit", "USDT")
BINANCE_ETH = Instrument.parse("binance:spot:ETH")

fractions = st.floats(0.0, 1.3)  # above 1: asks for more than held
Operation = tuple[str, tuple[float, ...]]


def _flows(target: Book) -> float:
    return target.attribution()[Category.FLOWS]


def _pnl(target: Book) -> float:
    attribution = target.attribution()
    return math.fsum(attribution[category] for category in PNL_CATEGORIES)


def _gross(target: Book) -> float:
    values = target.units.quantity[: target.units.n]
    return float(abs(values).sum()) * 3000.0 + 1.0


def _apply(target: Book, account: str, name: str, p: tuple[float, ...]) -> None:
    """One random operation; amounts are fractions of what is held, so some overdraw."""
    eth = target.marks()[f.price("ETH")]

    def held(instrument: Instrument) -> float:
        return target.balance(account, instrument)

    def portion(instrument: Instrument, fraction: float) -> float:
        return fraction * held(instrument) or fraction + 1e-9

    match name:
        case "deposit":
            target.deposit(account, TOKENS[int(p[0] * 4.99)], 1.0 + 10 * p[1])
        case "withdraw":
            instrument = TOKENS[int(p[0] * 4.99)]
            target.withdraw(account, instrument, portion(instrument, p[1]))
        case "swap":
            amount = portion(WALLET_USDT, p[0])
            fee = 0.001 * amount * p[2]
            received = amount / eth * (0.99 + 0.02 * p[1])
            target.swap(account, WALLET_USDT, amount, WALLET_ETH, received, fee, WALLET_USDT)
        case "spot":
            size = (p[0] - 0.5) * 2.0
            if size:
                price = eth * (0.995 + 0.01 * p[1])
                target.spot_trade(account, "binance", "ETH", "USDT", size, price, p[2])
        case "supply":
            target.aave_supply(account, "weETH", portion(WALLET_WEETH, p[0]))
        case "aave_withdraw":
            target.aave_withdraw(account, "weETH", portion(WEETH_SUPPLY, p[0]))
        case "borrow":
            position = aave_account(target, target.marks(), account)
            room = (position.borrowing_power - position.debt_value) / eth
            target.aave_borrow(account, "WETH", max(room, 0.0) * (0.9 + 0.15 * p[0]) + 1e-9)
        case "repay":
            target.aave_repay(account, "WETH", portion(WETH_DEBT, p[0]))
        case "stake":
            target.stake(account, "weETH", portion(WALLET_ETH, p[0]))
        case "exit":
            target.lst_dex_exit(account, "weETH", portion(WALLET_WEETH, p[0]), 30.0 * p[1])
        case "queue":
            target.request_withdrawal(account, "weETH", portion(WALLET_WEETH, p[0]))
        case "claim":
            target.claim_withdrawals(account, "weETH")
        case "rewards":
            target.pay_rewards(account, "weETH", "EIGEN", 0.01 * p[0])
        case "perp":
            size = (p[0] - 0.5) * 4.0
            if size:
                mark = target.marks()[f.mark(ETH_PERP)]
                price = mark * (0.999 + 0.002 * p[1])
                target.perp_trade(account, ETH_PERP, size, price, abs(size) * price * 5e-4 * p[2])
        case "gas":
            target.pay_gas(account, "aave_supply", 5.0 + 50 * p[0], 1.0)
        case "send":
            target.send(account, BINANCE_USDT, BYBIT_USDT, portion(BINANCE_USDT, p[0]))
        case "arrive":
            target.settle_transfers()
        case "liquidate_aave":
            target.aave_liquidate(account, "weETH", "WETH")
        case "liquidate_perp":
            target.perp_liquidate(account, ETH_PERP)
        case "funding":
            target.settle_funding(ETH_PERP, (p[0] - 0.3) * 1e-3)
        case "accrue":
            _move(target, p)
        case "slash":
            rate = target.marks()[f.protocol_rate("weETH")] * (0.9 + 0.1 * p[0])
            target.accrue(
                target.now + timedelta(hours=1),
                {
                    f.protocol_rate("weETH"): rate,
                    f.market_rate("weETH"): rate * (0.98 + 0.02 * p[2]),
                },
            )


def _prepare(target: Book, account: str, name: str, p: tuple[float, ...]) -> None:
    """Move the market to where an operation can happen (an accrual, never refused)."""
    match name:
        case "liquidate_aave":
            _crash_lst(target, account, 0.9 + 0.1 * p[0], 0.98 + 0.02 * p[2])
        case "liquidate_perp":
            _cross_liquidation_price(target, account, 0.01 * p[0])
        case "funding":
            start = target.now
            schedule = market().venue("binance").funding
            target.accrue(settlements_between(start, start + timedelta(hours=8), schedule)[0])


def _crash_lst(target: Book, account: str, health: float, peg: float) -> None:
    """Move weETH's rates so that `account`'s HF becomes `health` (when it has debt)."""
    position = aave_account(target, target.marks(), account)
    if 0.0 < position.health_factor < math.inf:
        rate = target.marks()[f.protocol_rate("weETH")] * health / position.health_factor
        target.accrue(
            target.now + timedelta(hours=1),
            {f.protocol_rate("weETH"): rate, f.market_rate("weETH"): rate * peg},
        )


def _cross_liquidation_price(target: Book, account: str, beyond: float) -> None:
    """Move the ETH mark `beyond` past `account`'s perp liquidation price (if it has one)."""
    for position in perp_liquidations(target, target.marks()):
        if position.account == account and position.liquidation_price is not None:
            side = 1.0 if position.liquidation_price > position.mark else -1.0
            mark = position.liquidation_price * (1.0 + side * beyond)
            target.accrue(target.now + timedelta(hours=1), {f.mark(ETH_PERP): mark})


def _move(target: Book, p: tuple[float, ...]) -> None:
    marks = target.marks()
    eth = marks[f.price("ETH")] * (0.9 + 0.2 * p[0])
    rate = marks[f.protocol_rate("weETH")] * (1.0 + 1e-3 * p[2] - 2e-4)
    target.accrue(
        target.now + timedelta(hours=1 + int(20 * p[3])),
        {
            f.price("ETH"): eth,
            f.mark(ETH_PERP): eth * (0.995 + 0.01 * p[1]),
            f.protocol_rate("weETH"): rate,
            f.market_rate("weETH"): rate * (0.97 + 0.03 * p[1]),
            f.price("USDT"): 0.999 + 0.002 * p[2],
        },
        supply_apr={"weETH": 0.01 * p[1], "WETH": 0.03 * p[2]},
        borrow_apr={"WETH": 0.05 * p[3]},
    )


NAMES = [
    "deposit",
    "withdraw",
    "swap",
    "spot",
    "supply",
    "supply",
    "aave_withdraw",
    "borrow",
    "borrow",
    "repay",
    "stake",
    "exit",
    "queue",
    "claim",
    "rewards",
    "perp",
    "gas",
    "send",
    "arrive",
    "liquidate_aave",
    "liquidate_perp",
    "funding",
    "accrue",
    "accrue",
    "slash",
]

operations = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.sampled_from(NAMES),
        st.tuples(st.floats(0.0, 1.0), fractions, st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    ),
    min_size=10,
    max_size=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["USDT", "ETH"]), operations)
def test_categories_sum_to_equity_change_less_flows(
    share_class: str, steps: list[tuple[str, str, tuple[float, ...]]]
) -> None:
    target = book(share_class)  # type: ignore[arg-type]
    for account in ACCOUNTS:
        for instrument, amount in ((WALLET_ETH, 20.0), (WALLET_WEETH, 20.0), (WALLET_USDT, 5e4)):
            target.deposit(account, instrument, amount)
        target.deposit(account, BINANCE_USDT, 2e4)
        target.set_emode(account, "ETH")
    start = target.equity() - _flows(target)  # 0: everything came in as flows
    for account, name, parameters in steps:
        _prepare(target, account, name, parameters)
        before = snapshot(target)
        try:
            _apply(target, account, name, parameters)
        except MechanicsError:
            assert snapshot(target) == before, f"{name} raised but changed the book"
        change = target.equity() - _flows(target) - start
        tolerance = 1e-9 * max(abs(target.equity()), abs(_flows(target)), _gross(target))
        assert _pnl(target) == pytest.approx(change, abs=tolerance), name


@settings(max_examples=100, deadline=None)
@given(
    st.floats(1.0, 1e6),
    st.floats(0.9, 1.1),
    st.floats(0.0, 0.01),
    st.sampled_from(["USDT", "ETH"]),
)
def test_trade_moves_value_less_its_explicit_costs(
    amount: float, price_factor: float, fee_rate: float, share_class: str
) -> None:
    target = funded(share_class, **{"wallet:token:USDT": amount * 1.02})  # type: ignore[arg-type]
    before = target.equity()
    received = amount / 2000.0 * price_factor
    fee = amount * fee_rate
    slippage = target.swap("a", WALLET_USDT, amount, WALLET_ETH, received, fee, WALLET_USDT)
    share = 1.0 if share_class == "USDT" else 2000.0
    assert slippage == pytest.approx((received * 2000.0 - amount) / share, rel=1e-9, abs=1e-9)
    costs = sum(e.amount for e in target.entries[1:])  # after the deposit
    assert target.equity() - before == pytest.approx(costs, rel=1e-9, abs=1e-9)
    assert target.equity() - before == pytest.approx((received * 2000 - amount - fee) / share)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0.5, 3.0),
    st.floats(1e-3, 1e6),
    st.lists(
        st.tuples(st.floats(0.0, 0.5), st.floats(0.0, 0.5), st.integers(1, 24 * 30), st.booleans()),
        min_size=1,
        max_size=20,
    ),
)
def test_scaled_balances_agree_with_indices(
    index: float, amount: float, path: list[tuple[float, float, int, bool]]
) -> None:
    target = book("ETH", **{f.liquidity_index("WETH"): index, f.borrow_index("WETH"): index})
    target.deposit("a", WALLET_WETH, amount)
    target.aave_supply("a", "WETH", amount)
    target.aave_borrow("a", "WETH", amount / 2)
    for supply_apr, borrow_apr, step, snap in path:
        at = target.now + timedelta(hours=step)
        if snap:
            observed = target.marks()[f.liquidity_index("WETH")] * (1 + supply_apr * 1e-3)
            target.accrue(
                at, {f.liquidity_index("WETH"): observed}, borrow_apr={"WETH": borrow_apr}
            )
        else:
            target.accrue(at, supply_apr={"WETH": supply_apr}, borrow_apr={"WETH": borrow_apr})
    marks = target.marks()
    supply_growth = marks[f.liquidity_index("WETH")] / index
    debt_growth = marks[f.borrow_index("WETH")] / index
    assert target.balance("a", Instrument.aave_supply("WETH")) == pytest.approx(
        amount * supply_growth, rel=1e-12
    )
    assert target.balance("a", WETH_DEBT) == pytest.approx(amount / 2 * debt_growth, rel=1e-12)
    pnl = target.attribution()
    tolerance = 1e-12 * amount  # growth − 1 may be ~1e-9: compare on the amount's scale
    assert pnl[Category.SUPPLY_INTEREST] == pytest.approx(
        amount * (supply_growth - 1), abs=tolerance
    )
    assert pnl[Category.BORROW_INTEREST] == pytest.approx(
        -amount / 2 * (debt_growth - 1), abs=tolerance
    )


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-5.0, 5.0).filter(lambda size: abs(size) > 1e-6),
    st.floats(100.0, 1e5),
    st.floats(-0.01, 0.01).filter(lambda rate: rate != 0.0),
)
def test_funding_shorts_receive_when_rate_positive(size: float, mark: float, rate: float) -> None:
    target = book(**{f.mark(ETH_PERP): mark, f.price("ETH"): mark})
    target.deposit("a", BINANCE_USDT, abs(size) * mark)
    target.perp_trade("a", ETH_PERP, size, mark, 0.0)
    target.accrue(hours(8))
    paid = target.settle_funding(ETH_PERP, rate)
    assert paid == pytest.approx(-size * mark * rate, rel=1e-12)
    assert (paid > 0) == ((size < 0) == (rate > 0))


@settings(max_examples=100, deadline=None)
@given(st.floats(0.5, 0.929), st.floats(0.0, 0.2), st.floats(0.9, 1.0))
def test_liquidation_reduces_debt_and_collateral_as_aave_says(
    ltv: float, slash: float, peg: float
) -> None:
    target = loop("ETH", equity_eth=10.0, ltv=ltv)
    rate = 1.05 * (1 - slash)
    target.accrue(hours(1), {f.protocol_rate("weETH"): rate, f.market_rate("weETH"): rate * peg})
    marks = target.marks()
    position = aave_account(target, marks, "a")
    debt, collateral = target.balance("a", WETH_DEBT), target.balance("a", WEETH_SUPPLY)
    if position.health_factor >= 1.0:
        before = snapshot(target)
        with pytest.raises(MechanicsError, match="not liquidatable"):
            target.aave_liquidate("a", "weETH", "WETH")
        assert snapshot(target) == before
        return
    expected = aave.liquidate(
        collateral,
        oracle_price(target, marks, "weETH"),
        debt,
        oracle_price(target, marks, "WETH"),
        position.health_factor,
        0.01,
        market().aave,
    )
    before, count = target.equity(), len(target.entries)
    result = target.aave_liquidate("a", "weETH", "WETH")
    assert result == expected
    assert target.balance("a", WETH_DEBT) == pytest.approx(debt - expected.debt_repaid, abs=1e-9)
    assert target.balance("a", WEETH_SUPPLY) == pytest.approx(
        collateral - expected.collateral_seized, abs=1e-9
    )
    liquidation = [e for e in target.entries if e.category is Category.LIQUIDATION]
    assert liquidation[-1].amount == pytest.approx(-expected.penalty, rel=1e-12)  # WETH = ETH
    booked = sum(e.amount for e in target.entries[count:])
    assert target.equity() - before == pytest.approx(booked, rel=1e-9, abs=1e-9)


OVERDRAWS: dict[str, Callable[[Book, float], object]] = {
    "withdraw": lambda b, x: b.withdraw("a", WALLET_USDT, x),
    "sell": lambda b, x: b.swap("a", WALLET_USDT, x, WALLET_ETH, 1.0),
    "repay": lambda b, x: b.aave_repay("a", "WETH", x),
    "aave_withdraw": lambda b, x: b.aave_withdraw("a", "WETH", x),
    "transfer": lambda b, x: b.send("a", BINANCE_USDT, BYBIT_USDT, x),
    "stake": lambda b, x: b.stake("a", "weETH", x),
}


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(OVERDRAWS)), st.floats(1.0 + 1e-12, 1e3))
def test_nothing_leaves_beyond_a_balance(operation: str, excess: float) -> None:
    target = funded(
        "USDT",
        **{"wallet:token:USDT": 100.0, "wallet:token:WETH": 200.0, "binance:token:USDT": 100.0},
    )
    target.deposit("a", WALLET_ETH, 100.0)
    target.aave_supply("a", "WETH", 100.0)
    target.aave_borrow("a", "WETH", 50.0)
    held = {
        "withdraw": 100.0,
        "sell": 100.0,
        "repay": 50.0,
        "aave_withdraw": 100.0,
        "transfer": 100.0,
        "stake": 100.0,
    }[operation]
    before = snapshot(target)
    with pytest.raises(InsufficientBalanceError, match=r"account 'a': cannot .* it holds"):
        OVERDRAWS[operation](target, held * excess)
    assert snapshot(target) == before
