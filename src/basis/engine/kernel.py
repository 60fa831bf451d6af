"""One kernel for both clocks: the strategy, the book and the decision they share.

The backtest loop, paper trading and live trading each wrap a `Kernel`: they differ only
in the clock, the market feed and the execution (STYLE rule 3). The kernel builds what the
strategy sees (`State`: the book read-only, exposure and risk from the pure functions) and
asks it for intents; running the intents is the runtime's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from basis.book import Book, Exposure, Risk, exposure, risk
from basis.book.utilisation import Regime
from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig
from basis.model.market import Snapshot
from basis.model.orders import ACCOUNT
from basis.model.result import EventKind
from basis.strategies import Intent, State, Strategy, build

__all__ = ["Checked", "Kernel", "build_kernel"]

Checked = tuple[Exposure, Risk]


@dataclass
class Kernel:
    """A strategy over a book, with the hedge venues that have a market."""

    strategy: Strategy
    book: Book
    venues: tuple[str, ...]
    owed: float = 0.0  # share-class amount withdrawn but not yet paid out
    shared: Regime | None = None  # set by a session each tick: the regime of all its accounts
    capacity: float | None = None  # set by a session with shared capacity: equity to deploy
    limited: set[str] = field(default_factory=set)  # capacity limits on record, still binding
    limited_hours: int = 0  # decisions a capacity limit cut

    @classmethod
    def start(cls, strategy: Strategy, venues: Sequence[str], first: Snapshot) -> Kernel:
        """An empty book at `first`, with `strategy` hedging over `venues`, on the market as
        the strategy sees it (its mode may set the venues' margin model)."""
        strategy.use_venues(venues)
        book = Book(strategy.market, strategy.config.share_class, first.time, first.marks)
        return cls(strategy, book, tuple(venues))

    @property
    def config(self) -> ModeConfig:
        return self.strategy.config

    def check(self) -> Checked:
        """Exposure and risk of the book at its marks now."""
        marks = self.book.marks()
        view = exposure(self.book, marks)
        return view, risk(self.book, marks, self.config, view)

    def state(self, snap: Snapshot, checked: Checked | None = None) -> State:
        """The strategy's view at `snap`; `checked` is the book's exposure and risk when
        nothing changed since they were computed."""
        view, assessed = checked if checked is not None else self.check()
        return State(
            snapshot=snap,
            book=self.book,
            exposure=view,
            risk=assessed,
            venues=self.venues,
            owed=self.owed,
            regimes=self.config.regimes,
            shared=self.shared,
            capacity=self.capacity,
        )

    def decide(self, state: State) -> list[Intent]:
        """The strategy's intents, after one order-less `capacity` intent per limit that cut
        them and is not on record already. A limit stays on record (no repeat every hour
        while a reserve stays full) until the book trades without hitting it."""
        intents = self.strategy.decide(state)
        if any(intent.orders for intent in intents):
            self.limited &= set(state.limits)
        if state.limits:
            self.limited_hours += 1
        notes = []
        for key, message in state.limits.items():
            if key not in self.limited:
                self.limited.add(key)
                notes.append(Intent(EventKind.CAPACITY, message, ()))
        return notes + intents

    def deposit(self, amount: float, snap: Snapshot) -> None:
        """Book a deposit of `amount` (share class) where the strategy wants it."""
        for instrument, units in self.strategy.deposit(amount, self.state(snap)).items():
            self.book.deposit(ACCOUNT, instrument, units)


def build_kernel(
    config: ModeConfig, market: MarketConfig, venues: Sequence[str], first: Snapshot
) -> Kernel:
    """The single wiring step of every runtime: the mode's strategy on an empty book."""
    return Kernel.start(build(config, market), venues, first)
