"""`usdt_market_neutral_no_leverage` and `usdt_market_neutral`: staked ETH hedged with shorts.

Equity splits into the staked leg (`stake_allocation`: ETH bought on the DEX and staked, or
looped on Aave) and USDT margin on the perp venues, where shorts equal the leg's net ETH.
Each step, in DESIGN §5 priority, the first that applies acts:

1. a venue whose margin (with transfers on their way to it) is below `margin_critical` of
   its short, or of the short it should hold, is topped up from the staked leg; every such
   venue at once, sized so that each lands at `margin_target` after the shorts shrink with
   the leg (a venue that lost its short to a liquidation is refunded this way);
2. a loop below `hf_critical` or above its LTV band is delevered (then re-hedged);
3. idle USDT worth `GAS_COVER` × its gas is deployed into the staked leg;
4. net delta beyond `delta_tolerance` is re-hedged;
5. a venue whose margin ratio left `margin_band` is brought back to `margin_target`: below
   the band the staked leg tops it up (as 1), above it the surplus comes home to be staked;
6. a loop below its LTV band is relevered.

The margin band is the mode's only rebalancing trigger between the legs. The split of
equity between them does not matter to a hedged book; only the margin's safety (low) and
idle cash (high) do, and each move through a loop unwinds or rebuilds about eleven times
the amount through the DEX. At the default band (0.3, 3.0) around `margin_target` 1.0 the
legs move when ETH has risen about 54 % or fallen about 50 % since the last move
(`(1 − x) / (1 + x)` is the ratio after a move x); docs/strategies.md has the evidence.

While the LST trades more than `max_stake_spread_move` below its protocol rate, nothing
stakes new ETH (3, the margin-to-leg move of 5, and 6 wait) and the step's intent says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from basis.book import Instrument, Kind
from basis.mechanics import trading
from basis.model.needs import Needs
from basis.model.orders import ACCOUNT, ALL, LstSell, Order, Perp, Send, Stake, Swap
from basis.model.result import EventKind
from basis.model.span import Bools, Floats, SpanView, clear_above, clear_below
from basis.strategies import loop
from basis.strategies.base import DUST_USD, Intent, State, Strategy
from basis.strategies.staking import loop_intents, loop_quiet, loop_target

__all__ = ["MarketNeutral", "VenueMargin", "bring_home_sizes", "top_up_sizes"]

BASE = "ETH"
SEND_SHARE = 0.99  # send this share of what a release should free: it may free a little less
BORROW_HEADROOM = 0.002  # a top-up borrows to this far (LTV) below the loop band's top


@dataclass(frozen=True)
class VenueMargin:
    """A hedge venue's margin as the strategy sizes it, in USD.

    `balance` is the margin balance plus transfers on their way to the venue; `notional`
    the larger of its open shorts and its share of the hedge, so that a venue which lost
    its short still needs margin for the next one; `cash` what it holds now.
    """

    venue: str
    weight: float
    balance: float
    notional: float
    cash: float

    @property
    def ratio(self) -> float:
        return self.balance / self.notional if self.notional > 0.0 else math.inf


def top_up_sizes(
    margin_target: float, hedge: float, starving: Sequence[VenueMargin]
) -> tuple[float, dict[str, float]]:
    """The USD to free from the staked leg and to send to each starving venue.

    Freeing `X` shrinks the hedge `H` to `H − X`, spread by weight, so venue v lands at
    `margin_target` m when it receives `x_v = m·w_v·(H − X) − b_v`; summed over the venues
    topped up, `X = (m·W·H − B) / (1 + m·W)` (W, B: their weights and balances). A venue
    that needs nothing once the others' top-ups shrink the shorts is left out and the
    rest sized again. Returns (X, {venue: x_v}), empty when none needs anything.
    """
    chosen = list(starving)
    while chosen:
        weight = math.fsum(m.weight for m in chosen)
        balance = math.fsum(m.balance for m in chosen)
        freed = (margin_target * weight * hedge - balance) / (1.0 + margin_target * weight)
        needs = {m.venue: margin_target * m.weight * (hedge - freed) - m.balance for m in chosen}
        if all(need > 0.0 for need in needs.values()):
            return freed, needs
        chosen = [m for m in chosen if needs[m.venue] > 0.0]
    return 0.0, {}


def bring_home_sizes(
    margin_target: float, hedge: float, rich: Sequence[VenueMargin]
) -> tuple[float, dict[str, float]]:
    """The USD to bring home from the venues and to stake, and what each venue sends.

    `top_up_sizes` turned round: bringing `X` home grows the hedge `H` to `H + X`, so
    venue v keeps `m·w_v·(H + X)` and sends `x_v = b_v − m·w_v·(H + X)`; summed,
    `X = (B − m·W·H) / (1 + m·W)`. A venue left with nothing to send is left out and the
    rest sized again. Returns (X, {venue: x_v}), empty when none has a surplus.
    """
    chosen = list(rich)
    while chosen:
        weight = math.fsum(m.weight for m in chosen)
        balance = math.fsum(m.balance for m in chosen)
        home = (balance - margin_target * weight * hedge) / (1.0 + margin_target * weight)
        sends = {m.venue: m.balance - margin_target * m.weight * (hedge + home) for m in chosen}
        if all(amount > 0.0 for amount in sends.values()):
            return home, sends
        chosen = [m for m in chosen if sends[m.venue] > 0.0]
    return 0.0, {}


@dataclass
class MarketNeutral(Strategy):
    """Staked (optionally looped) ETH, hedged with perp shorts across venues."""

    @property
    def leveraged(self) -> bool:
        return self.config.mode == "usdt_market_neutral"

    def needs(self) -> Needs:
        lst = self.config.lst
        return Needs(
            prices=(BASE,),
            lst=lst,
            aave_assets=(lst, "WETH") if self.leveraged else (),
            perp_base=BASE,
            perp_venues=tuple(self.config.hedge_allocation),
            onchain=True,
            rewards=True,
            estimated_rewards=not self.config.exclude_estimated_rewards,
        )

    def deposit(self, amount: float, state: State) -> dict[Instrument, float]:
        staked = self.config.stake_allocation
        landing = {Instrument.wallet("USDT"): amount * staked}
        for venue, weight in self.weights.items():
            quote = self.perp(venue, BASE).quote
            landing[Instrument.token(venue, quote)] = amount * (1.0 - staked) * weight
        return landing

    @property
    def deploy_operations(self) -> tuple[str, ...]:
        """The gas operations of a deployment: the DEX buy, then the stake or loop entry."""
        if self.leveraged:
            return ("token_swap", "atomic_entry", "set_emode")
        return ("token_swap", "stake_deposit")

    # -- the staked leg ----------------------------------------------------------------------

    def leg_eth(self, state: State) -> float:
        """Net ETH of the staked leg at the market rate."""
        if self.leveraged:
            return loop.loop_state(state, self.config.lst).net_eth
        return (
            state.wallet(self.config.lst) * state.snapshot.marks[f"market_rate:{self.config.lst}"]
        )

    def release(
        self, state: State, eth: float, borrow_first: bool = False
    ) -> tuple[list[Order], float]:
        """Orders that turn about `eth` of the staked leg into wallet ETH, and the ETH of the
        leg they take away (more than `eth` from a loop: unwinding it costs).

        `borrow_first` (a margin top-up): a loop first borrows WETH up to its LTV band's top
        (less `BORROW_HEADROOM`), which frees ETH at the cost of one swap, and unwinds pro
        rata only for the rest (a withdrawal unwinds pro rata, leaving the LTV as it was).
        """
        held = self.leg_eth(state)
        if held <= 0.0 or eth <= 0.0:
            return [], 0.0
        if self.leveraged:
            current = loop.loop_state(state, self.config.lst)
            orders: list[Order] = []
            borrowed = 0.0
            if borrow_first:
                top = loop_target(self, state) + self.config.ltv_band[1]
                borrowed = loop.reserve_borrow(
                    state, min(eth, loop.borrow_room(current, top - BORROW_HEADROOM))
                )
                if borrowed * state.price(BASE) > DUST_USD:
                    orders += loop.borrow_out(borrowed)
                    current = replace(current, debt=current.debt + borrowed)
                else:
                    borrowed = 0.0
            rest = eth - borrowed
            if rest * state.price(BASE) <= DUST_USD:
                return orders, borrowed
            fraction = loop.release_fraction(state, current, rest)
            orders += loop.release(state, current, fraction)
            return orders, borrowed + min(fraction, 1.0) * (held - borrowed)
        fraction = min(eth / held, 1.0)
        return [LstSell(self.config.lst, state.wallet(self.config.lst) * fraction)], fraction * held

    def add(self, state: State, eth: float, target_ltv: float) -> list[Order]:
        """Orders that stake `eth` of wallet ETH (a loop: entered at `target_ltv`)."""
        if self.leveraged:
            return loop.enter(state, self.config.lst, eth, target_ltv)
        return [Stake(self.config.lst, eth)]

    def venue_margins(self, state: State) -> list[VenueMargin]:
        """Each hedge venue's margin (see `VenueMargin`)."""
        hedge = max(self.spot_delta(state, BASE), 0.0) * state.price(BASE)
        held: dict[str, tuple[float, float]] = {}
        for margin in state.risk.margin:
            if margin.account == ACCOUNT:
                balance, notional = held.get(margin.venue, (0.0, 0.0))
                held[margin.venue] = (balance + margin.margin_balance, notional + margin.notional)
        result = []
        for venue, weight in self.weights.items():
            quote = self.perp(venue, BASE).quote
            usd = state.price(quote)
            cash = state.held(Instrument.token(venue, quote)) * usd
            inbound = state.held(Instrument(venue, Kind.TRANSFER, quote)) * usd
            balance, notional = held.get(venue, (cash, 0.0))
            result.append(
                VenueMargin(venue, weight, balance + inbound, max(notional, weight * hedge), cash)
            )
        return result

    # -- decisions ---------------------------------------------------------------------------

    def decide(self, state: State) -> list[Intent]:
        margins = self.venue_margins(state)
        starving = [m for m in margins if m.ratio < self.config.margin_critical]
        if starving:
            top_up = self._top_up(state, starving)
            if top_up:
                return top_up
        depegged = bool(self.depegged(state))
        intents = loop_intents(self, state, relever=not depegged) if self.leveraged else []
        if intents and intents[0].kind is EventKind.DELEVERAGE:
            return self._noted(state, intents + self._rehedge(state))
        operations = self.deploy_operations
        idle = self.spendable(state, "USDT", *operations)
        if not depegged and idle > self.deploy_floor(state, "USDT", *operations):
            return [self._deploy(state, idle)]
        if self.drift(state, BASE) > self.config.delta_tolerance:
            return self._noted(state, self._rehedge(state))
        if not state.in_transit() and state.equity > 0.0:
            low, high = self.config.margin_band
            thin = [m for m in margins if m.ratio < low]
            top_up = self._top_up(state, thin, low) if thin else []
            if top_up:
                return self._noted(state, top_up)
            rich = [m for m in margins if high < m.ratio < math.inf]
            home = self._bring_home(state, rich) if rich and not depegged else None
            if home is not None:
                return [home]
        return intents

    def quiet(self, view: SpanView) -> Bools:
        """`decide` surely returns nothing: every venue's margin ratio (as `venue_margins`)
        above critical and inside its band (above it allowed while the LST is depegged), the
        loop in its band, idle USDT below the deployment floor (or the LST depegged), and
        delta within tolerance."""
        config = self.config
        quiet = np.ones(view.steps, dtype=bool)
        ratios = self._margin_ratios(view)
        for ratio in ratios:
            quiet &= clear_above(ratio, config.margin_critical)
        if self.leveraged:
            quiet &= loop_quiet(self, view)
        operations = self.deploy_operations
        idle = self.spendable(view, "USDT", *operations)
        floor = self.deploy_floor(view, "USDT", *operations)
        depegged = clear_below(self.peg(view), 1.0 - config.max_stake_spread_move)
        quiet &= clear_below(idle, floor) | depegged
        quiet &= clear_below(view.drift(BASE), config.delta_tolerance)
        if not view.in_transit:
            low, high = config.margin_band
            for ratio in ratios:
                quiet &= clear_above(ratio, low) & (clear_below(ratio, high) | depegged)
        return quiet

    def _margin_ratios(self, view: SpanView) -> list[Floats]:
        """`VenueMargin.ratio` of every hedge venue along the span."""
        price = view.price(BASE)
        perps = math.fsum(
            view.book.balance(ACCOUNT, self.perp(v, BASE)) for v in view.venues if v in self.weights
        )
        spot = view.risk.delta.get(BASE, np.zeros(view.steps)) - perps
        hedge = np.maximum(spot, 0.0) * price
        ratios = []
        for venue, weight in self.weights.items():
            quote = self.perp(venue, BASE).quote
            usd = view.price(quote)
            cash = view.held(Instrument.token(venue, quote)) * usd
            inbound = view.held(Instrument(venue, Kind.TRANSFER, quote)) * usd
            paths = [m for m in view.risk.margin if m.account == ACCOUNT and m.venue == venue]
            balance = sum((m.balance for m in paths), np.zeros(view.steps)) if paths else cash
            notional = sum((m.notional for m in paths), np.zeros(view.steps))
            notional = np.maximum(notional, weight * hedge)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios.append(np.where(notional > 0.0, (balance + inbound) / notional, np.inf))
        return ratios

    def _noted(self, state: State, intents: list[Intent]) -> list[Intent]:
        """`intents`, the first one saying that staking waits while the LST is depegged."""
        if not intents or not self.depegged(state):
            return intents
        floor = 1.0 - self.config.max_stake_spread_move
        note = (
            f"staking deferred: {self.config.lst} at {self.peg(state):.4f} of its protocol "
            f"rate, below {floor:.4f}"
        )
        return [replace(intents[0], reason=f"{intents[0].reason}; {note}"), *intents[1:]]

    def _deploy(self, state: State, idle: float) -> Intent:
        """Buy ETH with `idle` USDT, stake (or loop) it and short the ETH this adds.

        The ETH bought is priced as execution prices the swap; all of it but twice the
        entry's gas is staked. The hedge covers what lands: the gas-sized rest in the wallet
        and the leg at the LST's market rate (a loop entered at a small discount to par
        loses that discount on its whole collateral, about 11 times its equity).
        """
        price, usd = state.price(BASE), idle * state.price("USDT")
        bps = trading.slippage_bps(state.book.market.dex.slippage, usd)
        bought = usd * (1.0 - bps / 1e4) / price
        entry = ["atomic_entry"] if self.leveraged else ["stake_deposit"]
        if self.leveraged and state.book.emode(ACCOUNT) != loop.EMODE:
            entry.append("set_emode")
        gas = sum(state.gas_cost(op) for op in entry)
        eth = bought * (1.0 - 1e-9) - 2.0 * gas  # a hair under: float noise never overdraws
        target = loop_target(self, state) if self.leveraged else 0.0
        flash = eth * target / (1.0 - target)
        fee = state.book.market.dex.flash_loan_fee
        added = (eth + flash) * self.peg(state) - flash * (1.0 + fee) + gas
        orders: list[Order] = [Swap("USDT", BASE, idle), *self.add(state, eth, target)]
        orders += self.hedge_orders(state, BASE, self.spot_delta(state, BASE) + added)
        return Intent(
            EventKind.REBALANCE, f"deploy {idle:,.2f} USDT into the staked leg", tuple(orders)
        )

    def _rehedge(self, state: State) -> list[Intent]:
        """Perp orders that bring net delta back to zero, when it drifted beyond tolerance."""
        if self.drift(state, BASE) <= self.config.delta_tolerance:
            return []
        orders = self.hedge_orders(state, BASE, self.spot_delta(state, BASE))
        reason = f"net delta {self.drift(state, BASE):.4f} of equity: re-hedge"
        return [Intent(EventKind.REBALANCE, reason, tuple(orders))] if orders else []

    def _top_up(
        self, state: State, starving: list[VenueMargin], limit: float | None = None
    ) -> list[Intent]:
        """Move USDT from the staked leg to every starving venue, shrinking the shorts with it
        (sized by `top_up_sizes`).

        One intent per venue; the first frees the whole amount and reduces the shorts. A
        risk override only reduces risk: shorts a venue lost are restored by the next
        step's re-hedge, once its margin has arrived.
        """
        price = state.price(BASE)
        hedge = max(self.spot_delta(state, BASE), 0.0) * price
        freed, needs = top_up_sizes(self.config.margin_target, hedge, starving)
        chosen = [m for m in starving if m.venue in needs]
        available = self.leg_eth(state) * price
        if not chosen or freed <= 0.0 or available <= 0.0:
            return []
        scale = min(1.0, available / freed)
        release, removed = self.release(state, freed * scale / price, borrow_first=True)
        first: list[Order] = [*release, Swap(BASE, "USDT", ALL)]
        short = max(self.spot_delta(state, BASE) - state.wallet(BASE) - removed, 0.0)
        first += [
            order
            for order in self.hedge_orders(state, BASE, short)
            if isinstance(order, Perp) and order.size * state.held(order.instrument) < 0.0
        ]
        intents = []
        for i, margin in enumerate(chosen):
            quote = self.perp(margin.venue, BASE).quote
            sends = self._send_to(margin.venue, quote, needs[margin.venue] * scale * SEND_SHARE)
            below = self.config.margin_critical if limit is None else limit
            reason = f"{margin.venue} margin ratio {margin.ratio:.3f} below {below}: top up"
            orders = [*first, *sends] if i == 0 else sends
            intents.append(Intent(EventKind.MARGIN_TOP_UP, reason, tuple(orders)))
        return intents

    def _bring_home(self, state: State, rich: list[VenueMargin]) -> Intent | None:
        """Bring home what `rich` venues hold above `margin_target` of the short they will
        hold once it is staked (sized by `bring_home_sizes`); each sends at most its cash,
        since a short's unrealised profit backs margin but cannot be withdrawn."""
        hedge = max(self.spot_delta(state, BASE), 0.0) * state.price(BASE)
        _, sends = bring_home_sizes(self.config.margin_target, hedge, rich)
        orders: list[Order] = []
        for margin in rich:
            amount = min(sends.get(margin.venue, 0.0), margin.cash)
            if amount > DUST_USD:
                quote = self.perp(margin.venue, BASE).quote
                cash = Instrument.token(margin.venue, quote)
                orders.append(Send(cash, Instrument.wallet(quote), amount / state.price(quote)))
        if not orders:
            return None
        moved = ", ".join(f"{m.venue} {m.ratio:.3f}" for m in rich if m.venue in sends)
        reason = f"margin ratio above {self.config.margin_band[1]} ({moved}): bring surplus home"
        return Intent(EventKind.REBALANCE, reason, tuple(orders))

    def _send_to(self, venue: str, quote: str, amount: float) -> list[Order]:
        if amount <= DUST_USD:
            return []
        orders: list[Order] = []
        if quote != "USDT":
            orders.append(Swap("USDT", quote, amount))
            amount *= 0.999
        orders.append(Send(Instrument.wallet(quote), Instrument.token(venue, quote), amount))
        return orders

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        eth = self.leg_eth(state) * fraction
        release, _ = self.release(state, eth)
        orders = [*release, Swap(BASE, "USDT", ALL)]
        orders += self.hedge_orders(state, BASE, self.spot_delta(state, BASE) - eth)
        for venue in self.weights:
            quote = self.perp(venue, BASE).quote
            cash = Instrument.token(venue, quote)
            venue_cash = state.held(cash) * fraction
            if venue_cash > DUST_USD:
                orders.append(Send(cash, Instrument.wallet(quote), venue_cash))
        return [
            Intent(EventKind.REBALANCE, f"unwind {fraction:.2%} for a withdrawal", tuple(orders))
        ]
