"""`btc_basis` and `eth_basis`: per venue, hold spot and short the same amount on the perp.

Each venue is its own book: its cash is the perp's margin, its spot the hedged asset
(bought at the global spot price with the venue's taker fee and slippage). Per venue the
spot notional targets `venue equity / (1 + margin_target)`, so the cash left is
`margin_target × short notional`. Funding is earned on the short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from basis.book import Instrument, Kind
from basis.model.needs import Needs
from basis.model.orders import ACCOUNT, ALL, Order, Perp, Send, Spot
from basis.model.result import EventKind
from basis.model.span import Bools, SpanView, clear_above, clear_below
from basis.strategies.base import Intent, State, Strategy

__all__ = ["FULL", "BasisTrade"]

FULL = 0.999  # an unwind of this fraction or more closes everything


@dataclass
class BasisTrade(Strategy):
    """Spot long + perp short of one asset on every hedge venue."""

    @property
    def base(self) -> str:
        return "BTC" if self.config.mode == "btc_basis" else "ETH"

    def needs(self) -> Needs:
        return Needs(
            prices=(self.base,),
            perp_base=self.base,
            perp_venues=tuple(self.config.hedge_allocation),
        )

    def deposit(self, amount: float, state: State) -> dict[Instrument, float]:
        return {Instrument.token(v, "USDT"): amount * w for v, w in self.weights.items()}

    def venue_equity(self, state: State, venue: str) -> float:
        """Cash + spot + perp P&L on `venue`, in USDT."""
        return math.fsum(p.value for p in state.exposure.positions if p.instrument.venue == venue)

    def decide(self, state: State) -> list[Intent]:
        intents = []
        for venue in self.weights:
            intent = self._venue(state, venue)
            if intent is not None:
                intents.append(intent)
        return intents

    def _venue(self, state: State, venue: str) -> Intent | None:
        price = state.price(self.base)
        perp = self.perp(venue, self.base)
        spot = state.held(Instrument(venue, Kind.SPOT, self.base))
        size = state.held(perp)
        equity = self.venue_equity(state, venue)
        margin = next((m for m in state.risk.margin if m.venue == venue), None)
        # a session's shared capacity sizes every account like the smallest (backtests: 1)
        target = equity * state.deployable() / (1.0 + self.config.margin_target) / price
        orders: list[Order] = []
        kind, reason = EventKind.REBALANCE, ""
        ratio = math.inf if margin is None else margin.margin_ratio
        critical = ratio < self.config.margin_critical
        off = equity > 0 and abs(spot - target) * price / equity > self.config.rebalance_threshold
        if critical or off or spot == 0.0:
            change = target - spot
            if abs(change) * price > 1.0:
                orders.append(Spot(venue, self.base, "USDT", change))
                spot += change
            if critical:
                kind = EventKind.MARGIN_TOP_UP
                reason = f"{venue} margin ratio {ratio:.3f} below critical"
            else:
                reason = f"{venue}: spot to {target:,.6g} {self.base}"
        unhedged = abs(spot + size) * price
        if (unhedged > self.config.delta_tolerance * max(equity, 0.0) or orders) and unhedged > 1.0:
            orders.append(Perp(perp, -spot - size))
            reason = reason or f"{venue}: re-hedge {spot + size:+.6g} {self.base}"
        return Intent(kind, reason, tuple(orders)) if orders else None

    def quiet(self, view: SpanView) -> Bools:
        """`_venue` returns None on every venue: margin above critical, spot on target within
        the threshold, and the hedge within tolerance (or below a dollar)."""
        price = view.price(self.base)
        quiet = np.ones(view.steps, dtype=bool)
        for venue in self.weights:
            spot = float(view.book.balance(ACCOUNT, Instrument(venue, Kind.SPOT, self.base)))
            size = view.book.balance(ACCOUNT, self.perp(venue, self.base))
            if spot == 0.0:
                return np.zeros(view.steps, dtype=bool)
            equity = view.venue_equity(venue)
            margin = view.margin(venue)
            if margin is not None:
                quiet &= clear_above(margin.ratio, self.config.margin_critical)
            target = equity / (1.0 + self.config.margin_target) / price
            with np.errstate(divide="ignore", invalid="ignore"):
                off = np.abs(spot - target) * price / equity
            quiet &= (equity > 0.0) & clear_below(off, self.config.rebalance_threshold)
            unhedged = abs(spot + size) * price
            quiet &= clear_below(
                unhedged, self.config.delta_tolerance * np.maximum(equity, 0.0)
            ) | clear_below(unhedged, 1.0)
        return quiet

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        intents = []
        for venue in self.weights:
            perp = self.perp(venue, self.base)
            spot = state.held(Instrument(venue, Kind.SPOT, self.base))
            orders: list[Order] = []
            if spot > 0.0:
                orders.append(Spot(venue, self.base, "USDT", -spot * fraction))
            if state.held(perp) != 0.0:
                orders.append(Perp(perp, -state.held(perp) * fraction))
            cash = Instrument.token(venue, "USDT")
            equity = self.venue_equity(state, venue)
            amount = ALL if fraction >= FULL else equity * fraction
            orders.append(Send(cash, Instrument.wallet("USDT"), amount))
            intents.append(
                Intent(EventKind.REBALANCE, f"{venue}: unwind {fraction:.2%}", tuple(orders))
            )
        return intents
