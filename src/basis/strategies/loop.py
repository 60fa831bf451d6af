"""The Aave leveraged staking loop as atomic order groups (DESIGN §3.1).

Collateral is the LST in e-mode, debt is WETH. Every change is one flash-loan group, so
it fills whole or not at all: entry/relever (flash WETH → unwrap → stake → supply →
borrow → repay the flash loan) and deleverage (flash WETH → repay debt → withdraw LST →
sell it on the DEX → wrap → repay the flash loan). Sizes solve for the target LTV at the
LST market rate (see `Loop.ltv`) with the flash fee and the DEX slippage of the sale.
"""

from __future__ import annotations

from dataclasses import dataclass

from basis.book import Instrument
from basis.mechanics import trading
from basis.model.orders import ALL, Aave, Flash, Group, LstSell, Order, SetEmode, Stake, Swap
from basis.strategies.base import GAS_COVER, State

__all__ = [
    "EMODE",
    "Loop",
    "borrow_out",
    "borrow_room",
    "delever",
    "enter",
    "gas_kept",
    "loop_state",
    "release",
    "release_fraction",
    "relever",
    "reserve_borrow",
]

EMODE = "ETH"
SALE_BUFFER = 1e-4  # sell this much more LST than the flash repayment needs; the rest stays ETH
DELEVER_HEADROOM = 0.005  # a deleverage's sale must leave HF this much better than break-even
SALE_ITERATIONS = 20  # a large sale's slippage grows with it: re-price until the size settles
DEBT = "WETH"
RELEVER_GAS, DELEVER_GAS = "atomic_entry", "atomic_deleverage_one_swap"  # their groups' gas
USDT_GAS_MARGIN = 0.99  # USDT that buys gas on the DEX: at most this share lands as ETH


@dataclass(frozen=True)
class Loop:
    """The loop now: LST collateral, WETH debt, rates and its oracle LTV."""

    lst: str
    collateral: float  # LST units supplied
    debt: float  # WETH owed
    protocol_rate: float
    market_rate: float

    @property
    def ltv(self) -> float:
        """Debt over collateral at the LST's market rate: what the collateral would sell for.

        Aave values it at the protocol rate (HF is unaffected by a depeg), but a loop that
        must be unwound sells at the market rate, so the band is kept on this, more
        conservative, LTV (it is why the target has the `max_stake_spread_move` buffer).
        """
        value = self.collateral * self.market_rate
        return self.debt / value if value > 0.0 else 0.0

    @property
    def delever_ltv(self) -> float:
        """The LTV the band delevers on: at the market rate, but at the protocol rate (Aave's
        oracle) while the LST trades below it. A depeg leaves HF where it was, and selling
        collateral into it would realise the discount on the whole, ~11× levered, leg."""
        value = self.collateral * max(self.market_rate, self.protocol_rate)
        return self.debt / value if value > 0.0 else 0.0

    @property
    def net_eth(self) -> float:
        """Equity of the loop in ETH at the market rate (what hedging must cover)."""
        return self.collateral * self.market_rate - self.debt


def loop_state(state: State, lst: str) -> Loop:
    marks = state.snapshot.marks
    return Loop(
        lst,
        state.held(Instrument.aave_supply(lst)),
        state.held(Instrument.aave_debt(DEBT)),
        marks[f"protocol_rate:{lst}"],
        marks[f"market_rate:{lst}"],
    )


def enter(state: State, lst: str, eth: float, target_ltv: float) -> list[Order]:
    """Add `eth` of wallet ETH as equity at `target_ltv` (e-mode is entered first if needed).

    Aave's reserves bound it (`State.room`): the LST supplied stays under its supply cap and
    the WETH borrowed within the available liquidity and borrow cap. What the reserves do not
    take is looped at a lower LTV, supplied unlevered, or at worst staked and held in the
    wallet, and the limit is noted (`State.limit`).
    """
    fee = state.book.market.dex.flash_loan_fee
    rate = state.mark(f"protocol_rate:{lst}")
    room = state.room(lst).supply - state.wallet(lst)  # LST units the reserve still takes
    looped = min(eth, max(room, 0.0) * rate)
    wanted = looped * target_ltv / (1.0 - target_ltv)
    flash = min(wanted, _borrowable(state, fee), max(room * rate - looped, 0.0))
    if looped < eth:
        state.limit(f"{lst} supply", f"{lst} supply cap: {eth - looped:,.2f} ETH staked unsupplied")
    if flash < wanted:
        borrows = f"loop entry borrows {flash:,.2f} of {wanted:,.2f} WETH"
        state.limit("WETH borrow", f"Aave WETH liquidity: {borrows}")
    orders: list[Order] = []
    if looped > 0.0 and state.book.emode("main") != EMODE:
        orders.append(SetEmode(EMODE))
    if flash > 0.0:
        orders.append(_relever_group("loop entry", lst, flash, fee, stake=looped + flash))
    elif looped > 0.0:
        orders += [Stake(lst, looped), Aave("supply", lst, ALL)]
    if looped < eth:
        orders.append(Stake(lst, eth - looped))
    return orders


def relever(state: State, loop: Loop, target_ltv: float) -> list[Order]:
    """Borrow more to bring the LTV up to `target_ltv` (keeping its gas, see `gas_kept`), as
    far as Aave's reserves allow (see `enter`)."""
    fee = state.book.market.dex.flash_loan_fee
    value = loop.collateral * loop.market_rate
    peg = loop.market_rate / loop.protocol_rate  # staked ETH is worth this at market
    keep = gas_kept(state, RELEVER_GAS)
    wanted = (target_ltv * (value - peg * keep) - loop.debt) / (1.0 + fee - target_ltv * peg)
    if wanted <= keep:
        return []
    room = state.room(loop.lst).supply - state.wallet(loop.lst)
    extra = min(wanted, _borrowable(state, fee), max(room * loop.protocol_rate, 0.0) + keep)
    if extra < wanted:
        state.limit(
            "WETH borrow", f"Aave reserves: relever borrows {extra:,.2f} of {wanted:,.2f} WETH"
        )
        if extra - keep < GAS_COVER * state.gas_cost(RELEVER_GAS):
            return []  # what the reserves leave is not worth the transaction
    if extra <= keep:
        return []
    return [_relever_group("relever", loop.lst, extra, fee, stake=extra - keep)]


def delever(state: State, loop: Loop, target_ltv: float) -> list[Order]:
    """Repay debt with sold collateral to bring the LTV down to `target_ltv` (selling its
    gas too, see `gas_kept`)."""
    fee = state.book.market.dex.flash_loan_fee
    keep = gas_kept(state, DELEVER_GAS)
    cost = _sale_factor(state, loop, loop.debt * 0.1)
    k = loop.market_rate * (1.0 + fee) / cost
    owed = loop.debt - target_ltv * (loop.collateral - keep / cost) * loop.market_rate
    repay = owed / (1.0 - k * target_ltv)
    if repay <= 0.0:
        return []
    sell = (repay * (1.0 + fee) + keep) / cost
    for _ in range(SALE_ITERATIONS):  # the sale's own size sets its price: a fixed point
        cost = _sale_factor(state, loop, sell * loop.market_rate)
        sized, sell = sell, (repay * (1.0 + fee) + keep) / cost
        if sell - sized <= 1e-9 * sized:
            break
    largest = _largest_sale(state, loop, fee)
    if not 0.0 < sell * (1.0 + SALE_BUFFER) <= largest:  # (≤ 0: past the curve's 100 %)
        wanted = (repay * (1.0 + fee) + keep) / _sale_factor(state, loop, 0.0)
        sell = largest / (1.0 + SALE_BUFFER)
        cost = _sale_factor(state, loop, largest * loop.market_rate)
        repay = (sell * cost - keep) / (1.0 + fee)
        state.limit(
            f"{loop.lst} sale",
            f"DEX depth: deleverage sells {largest:,.2f} of at least {wanted:,.2f} "
            f"{loop.lst} (a larger sale would cost more than it frees); the rest in later hours",
        )
        if repay <= 0.0:
            return []
    sell *= 1.0 + SALE_BUFFER
    return [_delever_group("deleverage", loop.lst, repay, min(sell, loop.collateral), fee)]


def _largest_sale(state: State, loop: Loop, fee: float) -> float:
    """The most LST a deleverage may sell at once: past it the DEX's slippage is so large
    that repaying debt with the sale lowers the health factor instead of raising it.

    Selling W LST at `m·(1 − s)` ETH each to repay R = W·m·(1 − s)/(1 + fee) raises
    HF = LT·C·p/D only while W/R < C/D, i.e. while `1 − s > (1 + fee)·D/(C·m)`, the LTV at
    the market rate grossed up by the flash fee; `DELEVER_HEADROOM` more is kept. The
    slippage curve's inverse (`trading.max_notional`) turns that into a size.
    """
    ltv = loop.ltv * (1.0 + fee) + DELEVER_HEADROOM
    curve = state.book.market.lsts[loop.lst].dex_slippage
    usd = trading.max_notional(curve, (1.0 - ltv) * 1e4)
    return usd / (loop.market_rate * state.price("ETH"))


def gas_kept(state: State, operation: str) -> float:
    """ETH a relever or deleverage group keeps in the wallet for its own `operation` gas.

    None while the wallet can pay the gas as execution does (its ETH, else WETH for the
    rest, else USDT bought at the DEX): then the group is sized as it always was. Else
    twice the gas less the wallet's ETH, so the group pays its gas from what it brings in
    and the next one finds its gas too; without it the group would be rejected (a loop
    moved several times in a row drains the gas reserve its entry kept).
    """
    gas = state.gas_cost(operation)
    short = gas - state.wallet("ETH")
    usdt = state.wallet("USDT") * state.price("USDT") / state.price("ETH")
    if short <= 0.0 or state.wallet("WETH") >= short or usdt * USDT_GAS_MARGIN >= short:
        return 0.0
    return 2.0 * gas - state.wallet("ETH")


def borrow_room(loop: Loop, ceiling: float) -> float:
    """WETH the loop can borrow before its LTV at the market rate reaches `ceiling`."""
    return max(ceiling * loop.collateral * loop.market_rate - loop.debt, 0.0)


def reserve_borrow(state: State, eth: float) -> float:
    """`eth`, cut to what Aave's WETH reserve still lends (the cut is noted)."""
    room = state.room(DEBT).borrow
    if room < eth:
        state.limit("WETH borrow", f"Aave WETH liquidity: borrows {room:,.2f} of {eth:,.2f} WETH")
    return min(eth, room)


def borrow_out(eth: float) -> list[Order]:
    """Borrow `eth` WETH against the loop and unwrap it: equity out of the loop through
    one small swap later, where a release sells ≈ 11× as much LST through the DEX."""
    return [Aave("borrow", DEBT, eth), Swap(DEBT, "ETH", eth)]


def release(state: State, loop: Loop, fraction: float) -> list[Order]:
    """Unwind `fraction` of the loop pro rata; the freed equity lands as wallet ETH."""
    fee = state.book.market.dex.flash_loan_fee
    fraction = min(fraction, 1.0)
    repay = loop.debt * fraction
    withdraw = loop.collateral * fraction
    if fraction >= 1.0:
        return [_delever_group("loop exit", loop.lst, repay, ALL, fee, repay_all=True)]
    return [_delever_group("loop release", loop.lst, repay, withdraw, fee)]


def release_fraction(state: State, loop: Loop, eth: float) -> float:
    """The share of the loop to unwind so that about `eth` of ETH lands in the wallet."""
    fee = state.book.market.dex.flash_loan_fee
    sold = loop.collateral * _sale_factor(state, loop, loop.collateral * loop.market_rate)
    freed = sold - loop.debt * (1.0 + fee)
    return 1.0 if freed <= 0.0 else min(eth / freed, 1.0)


def _borrowable(state: State, fee: float) -> float:
    """The largest flash loan whose repayment, borrowed from Aave, the WETH reserve lends."""
    return state.room(DEBT).borrow / (1.0 + fee)


def _relever_group(label: str, lst: str, flash: float, fee: float, stake: float) -> Group:
    return Group(
        label,
        (
            Flash(DEBT, flash),
            Swap(DEBT, "ETH", flash),
            Stake(lst, stake),
            Aave("supply", lst, ALL),
            Aave("borrow", DEBT, flash + flash * fee),  # the same float the flash repayment takes
            Flash(DEBT, flash, repay=True),
        ),
        gas=RELEVER_GAS,
    )


def _delever_group(
    label: str, lst: str, repay: float, withdraw: float, fee: float, *, repay_all: bool = False
) -> Group:
    return Group(
        label,
        (
            Flash(DEBT, repay),
            Aave("repay", DEBT, ALL if repay_all else repay),
            Aave("withdraw", lst, withdraw),
            LstSell(lst, ALL),
            Swap("ETH", DEBT, repay + repay * fee),
            Flash(DEBT, repay, repay=True),
        ),
        gas=DELEVER_GAS,
    )


def _sale_factor(state: State, loop: Loop, eth: float) -> float:
    """ETH received per LST sold, over the market rate: 1 − DEX slippage at that size."""
    curve = state.book.market.lsts[loop.lst].dex_slippage
    bps = trading.slippage_bps(curve, eth * state.price("ETH"))
    return loop.market_rate * (1.0 - bps / 1e4)
