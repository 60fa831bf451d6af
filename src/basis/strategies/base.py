"""What every strategy shares: the read-only state it decides on, intents, and helpers.

A strategy never touches a venue: it reads `State` and returns `Intent`s (a reason and the
orders that carry it out); the engine hands the orders to the injected execution. The
same object runs in a backtest and live.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from basis.book import Book, Exposure, Instrument, Kind, Risk
from basis.book import factors as f
from basis.book.utilisation import Regime, Utilisation, utilisation, worst
from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig, RegimeThresholds
from basis.mechanics import gas
from basis.model.funding import FundingHistory
from basis.model.history import MarkHistory
from basis.model.market import Snapshot
from basis.model.needs import Needs, perp_instrument
from basis.model.orders import ACCOUNT, Order, Perp
from basis.model.reserves import Room, room
from basis.model.result import EventKind
from basis.model.span import Bools, SpanView

__all__ = ["DUST_USD", "GAS_COVER", "Intent", "State", "Strategy"]

DUST_USD = 10.0  # idle balances below this are not worth a transaction's gas
GAS_COVER = 20.0  # deploy an amount only when it is worth this many times its gas (gas <= 5 %)


@dataclass(frozen=True)
class State:
    """What a strategy sees at one step. `book` is for reading only."""

    snapshot: Snapshot
    book: Book
    exposure: Exposure
    risk: Risk
    venues: tuple[str, ...]  # perp venues with data for the run
    owed: float = 0.0  # share-class amount withdrawn but not yet paid out
    regimes: RegimeThresholds = field(default_factory=RegimeThresholds)
    shared: Regime | None = None  # the session's regime, when this book is one of its accounts
    capacity: float | None = None  # equity the book may deploy (a session's shared capacity)
    limits: dict[str, str] = field(default_factory=dict)  # capacity limits hit while deciding

    @property
    def equity(self) -> float:
        return self.exposure.equity

    def deployable(self) -> float:
        """The share of the book's equity it may deploy: 1, or less under a session's
        shared capacity (the smallest account's equity over this book's)."""
        if self.capacity is None or self.equity <= 0.0:
            return 1.0
        return min(1.0, max(self.capacity, 0.0) / self.equity)

    def utilisation(self) -> Utilisation:
        """Margin use per venue account of this book and its regime (docs/accounts.md)."""
        return utilisation(self.risk.margin, self.book.market, self.regimes)

    @property
    def regime(self) -> Regime:
        """The regime to act on: this book's, or its session's when that is worse."""
        own = self.utilisation().regime
        return own if self.shared is None else worst([own, self.shared])

    @property
    def funding_history(self) -> FundingHistory:
        """The funding settled up to now (as `SpanView.funding_history`)."""
        return self.snapshot.funding_history

    @property
    def mark_history(self) -> MarkHistory:
        """The factor marks up to now (as `SpanView.mark_history`)."""
        return self.snapshot.mark_history

    def price(self, asset: str) -> float:
        """USD price of `asset` now."""
        return self.snapshot.marks[f.price(asset)]

    def mark(self, name: str) -> float:
        """Factor `name` now (as `SpanView.mark`)."""
        return self.snapshot.marks[name]

    def held(self, instrument: Instrument) -> float:
        return self.book.balance(ACCOUNT, instrument)

    def room(self, asset: str) -> Room:
        """What Aave's `asset` reserve lets this book still supply, borrow and withdraw now
        (`model.reserves.room`)."""
        return room(
            self.snapshot.reserves.get(asset),
            self.book.market.aave.caps.get(asset),
            self.held(Instrument.aave_supply(asset)),
            self.held(Instrument.aave_debt(asset)),
        )

    def limit(self, key: str, message: str) -> None:
        """Note that a capacity limit cut an order (`key` names the limit, e.g. "WETH
        borrow"); the kernel records it as an event (`EventKind.CAPACITY`)."""
        self.limits.setdefault(key, message)

    def wallet(self, asset: str) -> float:
        return self.held(Instrument.wallet(asset))

    def gas_cost(self, operation: str) -> float:
        """The gas of `operation` now, in ETH."""
        units = self.book.market.gas.units_for(operation)
        snap = self.snapshot
        return gas.gas_cost_eth(units, snap.base_fee_gwei, snap.priority_fee_gwei)

    def in_transit(self) -> bool:
        """True while a transfer between venues has not arrived."""
        return any(
            h.instrument.kind is Kind.TRANSFER and h.quantity > 0.0 for h in self.book.holdings()
        )


@dataclass(frozen=True)
class Intent:
    """Why the strategy acts (`kind`, `reason`) and the orders that carry it out."""

    kind: EventKind
    reason: str
    orders: tuple[Order, ...]


@dataclass
class Strategy:
    """Base of every mode: configuration, the market, and the shared hedge helpers."""

    config: ModeConfig
    market: MarketConfig
    weights: Mapping[str, float] = field(default_factory=dict)

    def needs(self) -> Needs:
        raise NotImplementedError

    def deposit(self, amount: float, state: State) -> dict[Instrument, float]:
        """Where a deposit of `amount` (share class) lands: instrument → units."""
        return {Instrument.wallet(self.config.share_class): amount}

    def decide(self, state: State) -> list[Intent]:
        raise NotImplementedError

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        """Orders that bring `fraction` of equity to the wallet's share-class token."""
        raise NotImplementedError

    def diagnostics(self, end: State) -> dict[str, float | None]:
        """Mode-specific figures the run adds to its metrics when it ends; `end` is the
        state at the window's end, where the book is valued (none here)."""
        return {}

    def document(self) -> dict[str, Any] | None:
        """What the strategy carries between steps, as a versioned JSON document a paper or
        live run checkpoints with its book; None when it carries nothing (its decisions
        read only the book and the market known at the step), as here."""
        return None

    def restore(self, document: Mapping[str, Any]) -> None:
        """Resume from a `document()` of an earlier run of the same mode (nothing here)."""

    def quiet(self, view: SpanView) -> Bools | None:
        """The span's steps at which `decide` surely returns nothing, positions as they are.

        A mirror of `decide` on the span's arrays, with `clear_below` / `clear_above` for
        every comparison so that a step near a threshold is decided singly. None: no such
        proof, every step is decided singly (always correct, only slower).
        """
        return None

    # -- shared helpers ----------------------------------------------------------------------

    def use_venues(self, venues: Sequence[str]) -> None:
        """Renormalise the hedge allocation over the venues that have data."""
        allocation = {v: w for v, w in self.config.hedge_allocation.items() if v in venues}
        total = math.fsum(allocation.values())
        self.weights = {v: w / total for v, w in allocation.items() if w > 0.0} if total else {}

    def perp(self, venue: str, base: str) -> Instrument:
        return perp_instrument(self.market, venue, base)

    def hedge_orders(self, state: State, base: str, target_short: float) -> list[Order]:
        """Perp orders that bring each venue's size to `−target_short × weight`."""
        orders: list[Order] = []
        for venue, weight in self.weights.items():
            perp = self.perp(venue, base)
            change = -target_short * weight - state.held(perp)
            if abs(change) * state.price(base) > 1.0:
                orders.append(Perp(perp, change))
        return orders

    def spot_delta(self, state: State, base: str) -> float:
        """Units of `base` held outside perps (LSTs count at their market rate in ETH)."""
        perps = math.fsum(state.held(self.perp(v, base)) for v in state.venues if v in self.weights)
        return state.exposure.delta.get(base, 0.0) - perps

    def drift(self, state: State, base: str) -> float:
        """|net delta value| / equity for `base`."""
        if state.equity <= 0.0:
            return math.inf
        return abs(state.exposure.delta_value.get(base, 0.0)) / state.equity

    def deployable(self, state: State | SpanView, asset: str) -> Any:
        """Wallet `asset` above what is owed to withdrawals and the reserve (a float for a
        `State`, an array over the span for a `SpanView`)."""
        reserve = state.owed + self.config.reserve_ratio * _positive(state.equity)
        share = state.price(self.config.share_class)
        return state.wallet(asset) - reserve * share / state.price(asset)

    def spendable(self, state: State | SpanView, asset: str, *operations: str) -> Any:
        """`deployable` less twice the gas of `operations` (bought from it when not ETH)."""
        eth = 2.0 * sum(state.gas_cost(op) for op in operations)
        return self.deployable(state, asset) - eth * state.price("ETH") / state.price(asset)

    def deploy_floor(self, state: State | SpanView, asset: str, *operations: str) -> Any:
        """The least `asset` worth deploying through `operations`: `GAS_COVER` × their gas,
        and `DUST_USD` at least (a float, or an array over a span).

        Below it a deployment pays a large share of itself in gas, as redeploying the
        gas-sized remainder that `spendable` leaves behind would whenever gas dips.
        """
        eth = GAS_COVER * sum(state.gas_cost(op) for op in operations)
        return np.maximum(eth * state.price("ETH"), DUST_USD) / state.price(asset)

    def peg(self, state: State | SpanView) -> Any:
        """The LST's market rate over its protocol rate (1 at par, below 1 in a depeg)."""
        lst = self.config.lst
        return state.mark(f.market_rate(lst)) / state.mark(f.protocol_rate(lst))

    def depegged(self, state: State | SpanView) -> Any:
        """True while the LST trades more than `max_stake_spread_move` below its protocol
        rate: ETH staked now (at the protocol rate) would at once be worth that much less."""
        return self.peg(state) < 1.0 - self.config.max_stake_spread_move


def _positive(value: Any) -> Any:
    """max(value, 0) of a float or, elementwise, of an array."""
    return np.maximum(value, 0.0) if isinstance(value, np.ndarray) else max(value, 0.0)
