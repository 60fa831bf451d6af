"""`btc_basis` and `eth_basis`: per venue, hold spot and short the same amount on the perp.

Each venue is its own book: its spot is the hedged asset (bought at the global spot price
with the venue's taker fee and slippage), its cash the perp's margin. On a `cash` margin
account the spot notional targets `venue equity / (1 + margin_target)`, so the cash left
is `margin_target × short notional`. On a `unified` account the spot is collateral for the
short, so the spot targets `venue equity × (1 − buffer)`, the buffer sized from the
liquidation distance the mode requires (`mechanics.unified.required_buffer`). Funding is
earned on the short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from basis.book import Book, Instrument, Kind, factors
from basis.config.venues import UnifiedMargin
from basis.mechanics.unified import Floats, marginal_rates, required_buffer, sliced_steps
from basis.model.needs import Needs
from basis.model.orders import ACCOUNT, ALL, Order, Perp, Send, Spot
from basis.model.result import EventKind
from basis.model.span import Bools, SpanView, clear_above, clear_below
from basis.strategies.base import Intent, State, Strategy

__all__ = ["FULL", "BasisTrade"]

FULL = 0.999  # an unwind of this fraction or more closes everything
AFFORDABLE = 0.99
"""Share of a unified venue's cash a spot purchase may spend (the rest pays its fee and
slippage): the short's unrealised profit backs margin there but buys no spot."""


QUIET_MARGIN = 1e-6
"""Relative margin by which a span step must clear a unified trigger to be called quiet."""


@dataclass(frozen=True)
class Holdings:
    """One venue's basis position as arrays over steps (one step for a decision)."""

    equity: Floats
    price: Floats  # the base's spot price
    mark: Floats  # the perp's mark
    cash: Floats  # venue USDT
    spot: float  # units of the base held on the venue
    size: float  # the perp's size (short < 0)
    entry: float  # the perp's entry price (0 when flat)

    @classmethod
    def now(
        cls, state: State, venue: str, perp: Instrument, spot: float, size: float, equity: float
    ) -> Holdings:
        return cls(
            equity=np.array([equity]),
            price=np.array([state.price(perp.base)]),
            mark=np.array([state.mark(factors.mark(perp))]),
            cash=np.array([state.held(Instrument.token(venue, "USDT"))]),
            spot=spot,
            size=size,
            entry=_entry(state.book, perp),
        )

    @classmethod
    def along(
        cls, view: SpanView, venue: str, perp: Instrument, spot: float, size: float, equity: Floats
    ) -> Holdings:
        return cls(
            equity=equity,
            price=view.price(perp.base),
            mark=view.mark(factors.mark(perp)),
            cash=view.held(Instrument.token(venue, "USDT")),
            spot=spot,
            size=size,
            entry=_entry(view.book, perp),
        )


def _entry(book: Book, perp: Instrument) -> float:
    row = book.perps.rows.get((ACCOUNT, perp))
    return 0.0 if row is None else float(book.perps.entry[row])


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
        orders: list[Order] = []
        kind, reason = EventKind.REBALANCE, ""
        ratio = math.inf if margin is None else margin.margin_ratio
        critical = ratio < self.config.margin_critical
        # a session's shared capacity sizes every account like the smallest (backtests: 1)
        if self.unified(venue) is None:
            target = equity * state.deployable() / (1.0 + self.config.margin_target) / price
            off = (
                equity > 0 and abs(spot - target) * price / equity > self.config.rebalance_threshold
            )
        else:
            held = Holdings.now(state, venue, perp, spot, size, equity * state.deployable())
            targets, acts = self.unified_targets(venue, held)
            target, off = float(targets[0]), bool(acts[0])
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
            if self.unified(venue) is None:
                target = equity / (1.0 + self.config.margin_target) / price
                with np.errstate(divide="ignore", invalid="ignore"):
                    off = np.abs(spot - target) * price / equity
                quiet &= (equity > 0.0) & clear_below(off, self.config.rebalance_threshold)
            else:
                perp = self.perp(venue, self.base)
                held = Holdings.along(view, venue, perp, spot, float(size), equity)
                quiet &= ~self.unified_targets(venue, held, margin=QUIET_MARGIN)[1]
            unhedged = abs(spot + size) * price
            quiet &= clear_below(
                unhedged, self.config.delta_tolerance * np.maximum(equity, 0.0)
            ) | clear_below(unhedged, 1.0)
        return quiet

    def unified(self, venue: str) -> UnifiedMargin | None:
        """The venue's unified-margin parameters when its account runs on that model."""
        return self.market.venue(venue).margin.unified_terms

    def unified_targets(
        self, venue: str, held: Holdings, margin: float = 0.0
    ) -> tuple[Floats, Bools]:
        """Spot target and whether to act, per step, on a unified venue.

        The hedge is exact in units, so a price move needs no trade: the spot's gain backs
        the short's loss. The book buys spot when the cash it has (funding, deposits) can
        lift the spot by more than `rebalance_threshold` of equity towards
        `equity × (1 − buffer)`. It sells down to that target when the spot has outgrown
        it by `spot_band` of equity (a rally), the account borrows (cash below
        −threshold × equity), or a rise of `liquidation_distance` would liquidate it.
        `margin` widens every trigger (the span path's proof of quiet: decide is re-run
        where it is not clear).
        """
        unified = self.unified(venue)
        assert unified is not None  # callers branch on it
        config, equity, price = self.config, held.equity, held.price
        limit = config.rebalance_threshold * np.maximum(equity, 0.0)
        full = equity * self.spot_share(venue, equity, price) / price
        affordable = held.spot + np.maximum(held.cash, 0.0) * AFFORDABLE / price
        buy = np.minimum(full, affordable)
        band = config.spot_band * np.maximum(equity, 0.0)
        buying = ((full - held.spot) * price > band * (1.0 - margin)) & (
            (buy - held.spot) * price > limit * (1.0 - margin)
        )
        rise = 1.0 + config.liquidation_distance
        tiers = unified.collateral.get(self.base, ())
        collateral = sliced_steps(np.full_like(price, held.spot), tiers) * price * rise
        notional = abs(held.size) * held.mark * rise
        stressed = (
            held.cash
            + collateral
            + held.size * (held.mark * rise - held.entry)
            - unified.liquidation_at * sliced_steps(notional, unified.maintenance)
        )
        selling = (
            (stressed <= margin * notional)
            | (held.cash < -limit * (1.0 - margin))
            | ((held.spot - full) * price > band * (1.0 - margin))
        )
        restore = held.spot + (held.cash - config.margin_buffer * equity) / price
        target = np.where(selling, np.minimum(full, restore), np.where(buying, buy, held.spot))
        act = (equity > 0.0) & (buying | selling)
        return target, act

    def spot_share(self, venue: str, equity: Floats, price: Floats) -> Floats:
        """Share of a unified venue's equity held as spot, `1 − buffer`, per element.

        The buffer is the larger of `margin_buffer` and the one that survives a rise of
        `liquidation_distance` (`mechanics.unified.required_buffer`), with the collateral
        ratio of all the equity in spot (tiers fall with the amount, so this errs safe) and
        the maintenance rate of the short's notional after that rise.
        """
        unified = self.unified(venue)
        assert unified is not None  # callers branch on it
        distance = self.config.liquidation_distance
        amount = np.maximum(equity, 0.0) / price
        tiers = unified.collateral.get(self.base)
        if tiers is None:
            haircut = np.zeros(np.shape(amount))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                haircut = np.where(
                    amount > 0.0, sliced_steps(amount, tiers) / amount, tiers[0].rate
                )
        rate = marginal_rates((1.0 + distance) * amount * price, unified.maintenance)
        needed = required_buffer(distance, haircut, rate, unified.liquidation_at)
        share: Floats = 1.0 - np.maximum(self.config.margin_buffer, needed)
        return share

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
