"""`usdt_market_neutral_no_leverage` and `usdt_market_neutral`: staked ETH hedged with shorts.

Equity splits into the staked leg (`stake_allocation`: ETH bought on the DEX and staked, or
looped on Aave) and USDT margin on the perp venues, where shorts equal the leg's net ETH.
Each step, in DESIGN §5 priority: a venue below `margin_critical` is topped up from the
staked leg (shorts reduced with it); a loop below `hf_critical` is delevered; idle USDT is
deployed; net delta beyond `delta_tolerance` is re-hedged; a leg off its allocation by
more than `rebalance_threshold` is moved back; the loop's LTV is kept in its band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from basis.book import Instrument
from basis.engine.inputs import Needs
from basis.engine.orders import ALL, LstSell, Order, Send, Stake, Swap
from basis.engine.result import EventKind
from basis.engine.span import Bools, SpanView, clear_above, clear_below
from basis.strategies import loop
from basis.strategies.base import Intent, State, Strategy
from basis.strategies.lending import DUST_USD
from basis.strategies.staking import loop_intents, loop_quiet

__all__ = ["MarketNeutral"]

BASE = "ETH"


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
        )

    def deposit(self, amount: float, state: State) -> dict[Instrument, float]:
        staked = self.config.stake_allocation
        landing = {Instrument.wallet("USDT"): amount * staked}
        for venue, weight in self.weights.items():
            quote = self.perp(venue, BASE).quote
            landing[Instrument.token(venue, quote)] = amount * (1.0 - staked) * weight
        return landing

    # -- the staked leg ----------------------------------------------------------------------

    def leg_eth(self, state: State) -> float:
        """Net ETH of the staked leg at the market rate."""
        if self.leveraged:
            return loop.loop_state(state, self.config.lst).net_eth
        return (
            state.wallet(self.config.lst) * state.snapshot.marks[f"market_rate:{self.config.lst}"]
        )

    def release(self, state: State, eth: float) -> list[Order]:
        """Orders that turn `eth` of the staked leg into wallet ETH."""
        held = self.leg_eth(state)
        if held <= 0.0 or eth <= 0.0:
            return []
        if self.leveraged:
            current = loop.loop_state(state, self.config.lst)
            return loop.release(state, current, loop.release_fraction(state, current, eth))
        fraction = min(eth / held, 1.0)
        return [LstSell(self.config.lst, state.wallet(self.config.lst) * fraction)]

    def add(self, state: State, eth: float) -> list[Order]:
        if self.leveraged:
            return loop.enter(state, self.config.lst, eth, self.config.effective_target_ltv)
        return [Stake(self.config.lst, eth)]

    # -- decisions ---------------------------------------------------------------------------

    def decide(self, state: State) -> list[Intent]:
        price = state.price(BASE)
        starving = [m for m in state.risk.margin if m.margin_ratio < self.config.margin_critical]
        if starving and not state.in_transit():
            return [
                self._top_up(
                    state,
                    starving[0].venue,
                    starving[0].margin_balance,
                    starving[0].notional,
                    starving[0].margin_ratio,
                )
            ]
        if self.leveraged:
            intents = loop_intents(self, state)
            if intents and intents[0].kind is EventKind.DELEVERAGE:
                return intents + self._rehedge(state)
        else:
            intents = []
        idle = self.spendable(state, "USDT", "token_swap", "atomic_entry", "set_emode")
        if idle > DUST_USD:
            eth = idle / price * 0.99  # bought ETH after DEX slippage, conservatively
            orders: list[Order] = [Swap("USDT", BASE, idle), *self.add(state, eth)]
            target = self.spot_delta(state, BASE) + eth
            orders += self.hedge_orders(state, BASE, target)
            return [
                Intent(
                    EventKind.REBALANCE,
                    f"deploy {idle:,.2f} USDT into the staked leg",
                    tuple(orders),
                )
            ]
        if self.drift(state, BASE) > self.config.delta_tolerance:
            return self._rehedge(state)
        if not state.in_transit() and state.equity > 0.0:
            share = self.leg_eth(state) * price / state.equity
            excess = share - self.config.stake_allocation
            if abs(excess) > self.config.rebalance_threshold:
                return [self._rebalance(state, excess * state.equity)]
        return intents

    def quiet(self, view: SpanView) -> Bools:
        """`decide` surely returns nothing: every margin above critical, the loop in its
        band, no idle USDT to deploy, delta within tolerance, and the legs on allocation."""
        config = self.config
        quiet = np.ones(view.steps, dtype=bool)
        for margin in view.risk.margin:
            quiet &= clear_above(margin.ratio, config.margin_critical)
        if self.leveraged:
            quiet &= loop_quiet(self, view)
        idle = self.spendable(view, "USDT", "token_swap", "atomic_entry", "set_emode")
        quiet &= clear_below(idle, DUST_USD)
        quiet &= clear_below(view.drift(BASE), config.delta_tolerance)
        if not view.in_transit:
            lst = config.lst
            rate = view.mark(f"market_rate:{lst}")
            if self.leveraged:
                leg = view.held(Instrument.aave_supply(lst)) * rate - view.held(
                    Instrument.aave_debt(loop.DEBT)
                )
            else:
                leg = view.wallet(lst) * rate
            equity = view.equity
            with np.errstate(divide="ignore", invalid="ignore"):
                excess = np.abs(leg * view.price(BASE) / equity - config.stake_allocation)
            quiet &= (equity > 0.0) & clear_below(excess, config.rebalance_threshold)
        return quiet

    def _rehedge(self, state: State) -> list[Intent]:
        """Perp orders that bring net delta back to zero, when it drifted beyond tolerance."""
        if self.drift(state, BASE) <= self.config.delta_tolerance:
            return []
        orders = self.hedge_orders(state, BASE, self.spot_delta(state, BASE))
        reason = f"net delta {self.drift(state, BASE):.4f} of equity: re-hedge"
        return [Intent(EventKind.REBALANCE, reason, tuple(orders))] if orders else []

    def _top_up(
        self, state: State, venue: str, balance: float, notional: float, ratio: float
    ) -> Intent:
        """Move USDT from the staked leg to `venue` to restore its margin target."""
        price = state.price(BASE)
        need = self.config.margin_target * notional - balance
        eth = need / price
        orders = [*self.release(state, eth), Swap(BASE, "USDT", ALL)]
        perp = self.perp(venue, BASE)
        orders += self._send_to(venue, perp.quote, need * 0.99)
        orders += self.hedge_orders(state, BASE, self.spot_delta(state, BASE) - eth)
        reason = f"{venue} margin ratio {ratio:.3f} below {self.config.margin_critical}: top up"
        return Intent(EventKind.MARGIN_TOP_UP, reason, tuple(orders))

    def _rebalance(self, state: State, excess_usd: float) -> Intent:
        price = state.price(BASE)
        if excess_usd > 0.0:  # staked leg too big: sell some, move the USDT to the venues
            eth = excess_usd / price
            orders = [*self.release(state, eth), Swap(BASE, "USDT", ALL)]
            for venue, weight in self.weights.items():
                orders += self._send_to(
                    venue, self.perp(venue, BASE).quote, excess_usd * weight * 0.99
                )
            orders += self.hedge_orders(state, BASE, self.spot_delta(state, BASE) - eth)
            return Intent(
                EventKind.REBALANCE, f"staked leg {excess_usd:,.2f} USDT over target", tuple(orders)
            )
        orders = []
        for venue, weight in self.weights.items():  # margin too big: bring USDT home
            quote = self.perp(venue, BASE).quote
            orders.append(
                Send(Instrument.token(venue, quote), Instrument.wallet(quote), -excess_usd * weight)
            )
        return Intent(
            EventKind.REBALANCE, f"margin {-excess_usd:,.2f} USDT over target", tuple(orders)
        )

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
        orders = [*self.release(state, eth), Swap(BASE, "USDT", ALL)]
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
