"""SimulatedExecution: fills priced by hand from the venue and DEX configs, gas bought just in
time, refusals as `rejected` events that leave the book exactly as it was."""

from __future__ import annotations

import math

import pytest

from basis.book import Book, Category, Instrument
from basis.engine.execution import SimulatedExecution
from basis.mechanics import trading
from basis.model.market import Snapshot
from basis.model.orders import ALL, Aave, Flash, Group, Order, Perp, Spot, Stake, Swap
from basis.model.result import Event, EventKind
from tests.book.stubs import MARKS, T0, funded, market, snapshot

ACCOUNT = "main"
BASE_FEE, PRIORITY_FEE = 10.0, 2.0  # gwei: gas is paid at 12 gwei
ETH_PERP = Instrument.perp("binance", "ETHUSDT")
WALLET_USDT = Instrument.wallet("USDT")
WALLET_ETH = Instrument.wallet("ETH")
BINANCE_USDT = Instrument.token("binance", "USDT")
BINANCE_ETH = Instrument.parse("binance:spot:ETH")
USDT_SUPPLY = Instrument.aave_supply("USDT")


def snap() -> Snapshot:
    """Step 0 at the book stubs' marks (ETH 2000, perp mark 2000), gas 10 + 2 gwei."""
    return Snapshot(0, T0, MARKS, {}, BASE_FEE, PRIORITY_FEE, {}, {}, math.nan)


def account(**holdings: float) -> Book:
    """A USDT book whose account `main` (the strategies' account) holds `holdings`."""
    return funded("USDT", ACCOUNT, **holdings)


def execute(book: Book, *orders: Order) -> list[Event]:
    return SimulatedExecution(book).execute(orders, snap())


def test_venue_and_dex_numbers_are_the_ones_the_golden_cases_use() -> None:
    binance = market().venue("binance")
    assert binance.perp_fees.taker == 0.0005
    assert binance.spot_fees is not None and binance.spot_fees.taker == 0.001
    assert tuple(binance.perp_slippage.notional_usd[:2]) == (10_000, 100_000)
    assert tuple(binance.perp_slippage.bps[:2]) == (3, 4)
    assert tuple(market().dex.slippage.notional_usd[:2]) == (10_000, 100_000)
    assert tuple(market().dex.slippage.bps[:2]) == (5, 7)
    assert market().gas.units_for("token_swap") == 180_000
    assert market().gas.units_for("aave_supply") == 250_000


def test_perp_short_fills_below_mark_by_bucket_slippage_and_pays_taker_fee() -> None:
    # Sell 50 ETH perp at mark 2000: notional $100,000, binance's second bucket: 4 bp.
    # Fill 2000 × (1 − 4/1e4) = 1999.2; fee 50 × 1999.2 × 0.0005 = 49.98 USDT;
    # slippage −50 × (2000 − 1999.2) = −40.
    book = account(**{"binance:token:USDT": 100_000.0})
    (event,) = execute(book, Perp(ETH_PERP, -50.0))
    assert event.kind is EventKind.TRADE
    assert event.detail == "perp -50 @ 1999.2"
    assert (event.size, event.value) == (-50.0, -100_000.0)
    assert event.cost == pytest.approx(-89.98, abs=1e-9)
    (perp,) = [h for h in book.holdings() if h.instrument == ETH_PERP]
    assert perp.quantity == -50.0
    assert perp.entry_price == pytest.approx(1999.2, abs=1e-9)
    assert book.balance(ACCOUNT, BINANCE_USDT) == pytest.approx(99_950.02, abs=1e-9)
    booked = book.attribution()
    assert booked[Category.TRADING_FEES] == pytest.approx(-49.98, abs=1e-9)
    assert booked[Category.SLIPPAGE] == pytest.approx(-40.0, abs=1e-9)
    assert book.equity() == pytest.approx(100_000.0 - 89.98, abs=1e-9)


def test_spot_buy_fills_above_mark_and_pays_the_fee_in_quote() -> None:
    # Buy 5 ETH at 2000: $10,000, at the first bucket: 3 bp → 2000.6;
    # cost 5 × 2000.6 = 10,003 USDT, fee 0.1 % of it = 10.003 USDT; slippage 5 × 0.6 = 3.
    book = account(**{"binance:token:USDT": 20_000.0})
    (event,) = execute(book, Spot("binance", "ETH", "USDT", 5.0))
    assert event.detail == "spot +5 ETH @ 2000.6"
    assert (event.size, event.value) == (5.0, 10_000.0)
    assert event.cost == pytest.approx(-13.003, abs=1e-9)
    assert book.balance(ACCOUNT, BINANCE_ETH) == 5.0
    assert book.balance(ACCOUNT, BINANCE_USDT) == pytest.approx(9_986.997, abs=1e-9)
    assert book.equity() == pytest.approx(20_000.0 - 13.003, abs=1e-9)


def test_dex_swap_usdt_to_eth_uses_the_dex_curve_and_buys_its_gas_just_in_time() -> None:
    # $100,000 on the DEX curve: 7 bp → 100,000 × 0.9993 / 2000 = 49.965 ETH.
    # Gas: 180,000 units × 12 gwei = 0.00216 ETH = $4.32, bought first with USDT at the
    # curve's flat 5 bp: 4.32 / 0.9995 USDT; the ETH bought is burnt, none is left over.
    gas_usdt = 4.32 / (1.0 - 5e-4)
    book = account(**{"wallet:token:USDT": 200_000.0})
    (event,) = execute(book, Swap("USDT", "ETH", 100_000.0))
    assert event.detail == "swap 100000 USDT → 49.965 ETH"
    assert book.balance(ACCOUNT, WALLET_ETH) == pytest.approx(49.965, abs=1e-12)
    assert book.balance(ACCOUNT, WALLET_USDT) == pytest.approx(100_000.0 - gas_usdt, abs=1e-9)
    booked = book.attribution()
    assert booked[Category.GAS] == pytest.approx(-4.32, abs=1e-12)
    assert booked[Category.SLIPPAGE] == pytest.approx(-70.0 - (gas_usdt - 4.32), abs=1e-9)
    assert event.cost == pytest.approx(-4.32 - 70.0 - (gas_usdt - 4.32), abs=1e-9)


def test_gas_bought_just_in_time_equals_units_times_base_plus_p50_priority() -> None:
    # Aave supply: 250,000 units × (10 + 2) gwei × 1e−9 = 0.003 ETH = $6 at ETH 2000.
    units = market().gas.units_for("aave_supply")
    gas_usd = units * (BASE_FEE + PRIORITY_FEE) * 1e-9 * MARKS["price:ETH"]
    assert gas_usd == pytest.approx(6.0, abs=1e-12)
    book = account(**{"wallet:token:USDT": 5_000.0})
    (event,) = execute(book, Aave("supply", "USDT", 1_000.0))
    assert event.detail == "aave supply 1000 USDT"
    assert book.balance(ACCOUNT, WALLET_ETH) == 0.0  # bought exactly the gas, no ETH float
    assert book.balance(ACCOUNT, USDT_SUPPLY) == pytest.approx(1_000.0, abs=1e-9)
    spent = 5_000.0 - 1_000.0 - book.balance(ACCOUNT, WALLET_USDT)
    assert spent == pytest.approx(gas_usd / (1.0 - 5e-4), abs=1e-9)  # at the DEX's 5 bp
    assert book.attribution()[Category.GAS] == pytest.approx(-gas_usd, abs=1e-12)


def test_gas_comes_from_wallet_eth_when_there_is_enough() -> None:
    book = account(**{"wallet:token:USDT": 5_000.0, "wallet:token:ETH": 1.0})
    execute(book, Aave("supply", "USDT", 1_000.0))
    assert book.balance(ACCOUNT, WALLET_ETH) == pytest.approx(1.0 - 0.003, abs=1e-15)
    assert book.balance(ACCOUNT, WALLET_USDT) == 4_000.0
    assert book.attribution()[Category.SLIPPAGE] == 0.0  # nothing bought


@pytest.mark.parametrize(
    ("holdings", "order", "reason"),
    [
        (
            {"binance:token:USDT": 1_000.0, "binance:spot:ETH": 5.0},
            Spot("binance", "ETH", "USDT", -10.0),
            "spot: [INSUFFICIENT_BALANCE] account 'main': cannot sell 10.0 of "
            "binance:spot:ETH; it holds 5.0",
        ),
        (
            {"wallet:token:USDT": 1_000.0},
            Swap("USDT", "ETH", 2_000.0),
            "swap: [INSUFFICIENT_BALANCE] account 'main': cannot sell 2000.0 of "
            "wallet:token:USDT; it holds ",
        ),
        (
            {"wallet:token:USDT": 1_000.0},
            Aave("withdraw", "USDT", 10.0),
            "aave: [INSUFFICIENT_BALANCE] account 'main': cannot withdraw 10.0 of "
            "aave_v3:supply:USDT; it holds 0.0",
        ),
    ],
    ids=["spot-sell-beyond-holding", "swap-beyond-wallet", "aave-withdraw-nothing"],
)
def test_unfillable_order_is_one_rejected_event_and_changes_nothing(
    holdings: dict[str, float], order: Order, reason: str
) -> None:
    book = account(**holdings)
    before, equity, held = snapshot(book), book.equity(), book.holdings()
    events = execute(book, order)
    assert [e.kind for e in events] == [EventKind.REJECTED]
    assert events[0].detail.startswith(reason)
    assert (events[0].size, events[0].value, events[0].cost) == (0.0, 0.0, 0.0)
    assert book.equity() == equity
    assert book.holdings() == held
    assert snapshot(book) == before  # no gas paid, no entry booked


def test_rejected_order_does_not_stop_the_next_one() -> None:
    book = account(**{"binance:token:USDT": 20_000.0})
    events = execute(
        book, Spot("binance", "ETH", "USDT", -1.0), Spot("binance", "ETH", "USDT", 5.0)
    )
    assert [e.kind for e in events] == [EventKind.REJECTED, EventKind.TRADE]
    assert book.balance(ACCOUNT, BINANCE_ETH) == 5.0


def test_group_with_flash_loan_not_repaid_rolls_back_everything_inside_it() -> None:
    # Every order but the repayment fills; the group (and its gas) must vanish whole.
    book = account(**{"wallet:token:USDT": 10_000.0, "wallet:token:ETH": 1.0})
    book.set_emode(ACCOUNT, "ETH")
    before = snapshot(book)
    group = Group(
        "loop entry",
        (
            Flash("WETH", 10.0),
            Swap("WETH", "ETH", 10.0),
            Stake("weETH", 11.0),
            Aave("supply", "weETH", ALL),
            Aave("borrow", "WETH", 9.0),
        ),
        gas="atomic_entry",
    )
    (event,) = execute(book, group)
    assert event.kind is EventKind.REJECTED
    assert event.subject == "loop entry"
    assert event.detail == (
        "group 'loop entry': [INVALID_OPERATION] account 'main': flash loan "
        "aave_v3:flash:WETH of 10.0 not repaid at the end of the atomic group"
    )
    assert snapshot(book) == before


def test_group_whose_last_order_fails_rolls_back_the_orders_before_it() -> None:
    book = account(**{"wallet:token:USDT": 10_000.0})
    before = snapshot(book)
    group = Group(
        "swap then supply",
        (Swap("USDT", "ETH", 1_000.0), Aave("supply", "USDT", 50_000.0)),
        gas="token_swap",
    )
    (event,) = execute(book, group)
    assert event.kind is EventKind.REJECTED
    assert "cannot supply 50000.0 of wallet:token:USDT" in event.detail
    assert snapshot(book) == before


def test_group_that_fills_is_one_trade_event_with_its_costs() -> None:
    # Two DEX swaps of $1,000 and $2,000 at 5 bp (slippage 0.5 + 1.0) and one token_swap
    # gas: 180,000 × 12 gwei = 0.00216 ETH = $4.32, paid after the swaps from their ETH.
    book = account(**{"wallet:token:USDT": 3_000.0})
    group = Group(
        "two swaps",
        (Swap("USDT", "ETH", 1_000.0), Swap("USDT", "ETH", 2_000.0)),
        gas="token_swap",
    )
    (event,) = execute(book, group)
    assert event.kind is EventKind.TRADE
    assert event.value == 3_000.0
    assert event.cost == pytest.approx(-1.5 - 4.32, abs=1e-9)
    assert book.balance(ACCOUNT, WALLET_ETH) == pytest.approx(3_000.0 * 0.9995 / 2000 - 0.00216)


def test_group_retried_after_gas_counts_its_traded_notional_once() -> None:
    # Gas first leaves 3,000 − 4.32 / 0.9995 USDT: the 2,000 swap fails, the group is rolled
    # back and retried with the gas paid after; only the retry's 3,000 was traded.
    book = account(**{"wallet:token:USDT": 3_000.0})
    execution = SimulatedExecution(book)
    group = Group(
        "two swaps",
        (Swap("USDT", "ETH", 1_000.0), Swap("USDT", "ETH", 2_000.0)),
        gas="token_swap",
    )
    execution.execute([group], snap())
    assert execution.traded == pytest.approx(3_000.0)


def test_all_resolves_to_the_wallet_balance_left_after_gas() -> None:
    # Gas first: $4.32 of ETH bought for 4.32 / 0.9995 USDT; ALL is the rest, swapped at
    # 5 bp (under $10,000) into (10,000 − 4.32 / 0.9995) × 0.9995 / 2000 ETH.
    rest = 10_000.0 - 4.32 / 0.9995
    book = account(**{"wallet:token:USDT": 10_000.0})
    (event,) = execute(book, Swap("USDT", "ETH", ALL))
    assert event.size == pytest.approx(-rest, abs=1e-9)
    assert book.balance(ACCOUNT, WALLET_USDT) == 0.0
    assert book.balance(ACCOUNT, WALLET_ETH) == pytest.approx(rest * 0.9995 / 2000, abs=1e-12)


def test_all_withdraws_the_whole_aave_supply() -> None:
    book = account(**{"wallet:token:USDT": 10_000.0, "wallet:token:ETH": 1.0})
    execute(book, Aave("supply", "USDT", 4_000.0))
    (event,) = execute(book, Aave("withdraw", "USDT", ALL))
    assert event.detail == "aave withdraw 4000 USDT"
    assert book.balance(ACCOUNT, USDT_SUPPLY) == 0.0
    assert USDT_SUPPLY not in {h.instrument for h in book.holdings()}
    assert book.balance(ACCOUNT, WALLET_USDT) == 10_000.0


def test_slippage_between_buckets_is_interpolated_as_the_mechanics_say() -> None:
    # $20,000 lies between the $10k (3 bp) and $100k (4 bp) buckets: 3 + log10(2) bp.
    bps = trading.slippage_bps(market().venue("binance").perp_slippage, 20_000.0)
    assert bps == pytest.approx(3.0 + math.log10(2.0), abs=1e-12)
    book = account(**{"binance:token:USDT": 100_000.0})
    (event,) = execute(book, Perp(ETH_PERP, 10.0))
    fill = 2000.0 * (1.0 + bps / 1e4)
    assert event.detail == f"perp +10 @ {fill:.6g}"
    assert event.cost == pytest.approx(-(10 * fill * 0.0005) - 10 * (fill - 2000.0), abs=1e-9)
