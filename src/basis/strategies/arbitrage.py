"""`funding_arbitrage`: long the perp where funding is cheap, short it where it is rich.

The signal is the trailing 24 h mean funding spread in APR (short venue − long venue, each
rate annualised by its own settlement interval), less the round trip's fees and slippage
amortised over 30 days. Enter above `entry_spread_apr`, exit below `exit_spread_apr`.
Each venue holds half the equity as margin; each leg's notional is
`margin / margin_target`. A venue below `margin_critical` makes both legs shrink.

The spread is read from the funding settled up to t (`FundingHistory`), not from state
kept by `decide`, so `quiet` can prove a span's steps idle and skip them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from basis.book import Instrument
from basis.model.funding import FundingHistory, Times
from basis.model.needs import Needs
from basis.model.orders import ACCOUNT, Order, Perp, Send
from basis.model.result import EventKind
from basis.model.span import Bools, SpanView, clear_above, clear_below
from basis.strategies.base import Intent, State, Strategy

__all__ = ["FundingArbitrage"]

BASE = "ETH"
WINDOW_HOURS = 24
AMORTISE_DAYS = 30.0
HOURS_PER_YEAR = 8760.0

Floats = npt.NDArray[np.float64]


@dataclass
class FundingArbitrage(Strategy):
    """Two opposite perp legs on two venues with different funding."""

    @property
    def venues(self) -> tuple[str, str]:
        arb = self.config.funding_arbitrage
        return arb.long_venue, arb.short_venue

    def needs(self) -> Needs:
        return Needs(prices=(BASE,), perp_base=BASE, perp_venues=self.venues)

    def use_venues(self, venues: Sequence[str]) -> None:
        self.weights = {venue: 0.5 for venue in self.venues if venue in venues}

    def deposit(self, amount: float, state: State) -> dict[Instrument, float]:
        return {Instrument.token(v, self.perp(v, BASE).quote): amount / 2.0 for v in self.venues}

    def spread_apr(self, history: FundingHistory, at: Times | None = None) -> Floats:
        """Trailing 24 h mean of short-venue APR − long-venue APR at each time of `at`
        (epoch seconds; default: the history's now); NaN while a venue has no settled rate
        in the window."""
        long_venue, short_venue = self.venues
        return self._mean_apr(history, short_venue, at) - self._mean_apr(history, long_venue, at)

    def _mean_apr(self, history: FundingHistory, venue: str, at: Times | None) -> Floats:
        """`venue`'s mean funding rate over the window, annualised by its settlement interval."""
        hours = self.market.venue(venue).funding.interval_hours
        rate = history.trailing_mean(self.perp(venue, BASE), WINDOW_HOURS, at)
        apr: Floats = rate * (HOURS_PER_YEAR / hours)
        return apr

    def round_trip_apr(self) -> float:
        """Taker fees and slippage of opening and closing both legs, amortised, in APR."""
        cost = 0.0
        for venue in self.venues:
            config = self.market.venue(venue)
            cost += 2.0 * (config.perp_fees.taker + config.perp_slippage.bps[0] / 1e4)
        return cost * 365.0 / AMORTISE_DAYS

    def decide(self, state: State) -> list[Intent]:
        spread = float(self.spread_apr(state.funding_history)[0]) - self.round_trip_apr()
        long_venue, short_venue = self.venues
        long_perp, short_perp = self.perp(long_venue, BASE), self.perp(short_venue, BASE)
        open_ = state.held(short_perp) != 0.0 or state.held(long_perp) != 0.0
        price = state.price(BASE)
        starving = [m for m in state.risk.margin if m.margin_ratio < self.config.margin_critical]
        if open_ and starving:
            halve = (
                Perp(long_perp, -state.held(long_perp) / 2.0),
                Perp(short_perp, -state.held(short_perp) / 2.0),
            )
            reason = f"{starving[0].venue} margin ratio {starving[0].margin_ratio:.3f}: halve"
            return [Intent(EventKind.MARGIN_TOP_UP, reason, halve)]
        if not open_ and spread > self.config.funding_arbitrage.entry_spread_apr:
            cash = min(
                state.held(Instrument.token(v, self.perp(v, BASE).quote)) for v in self.venues
            )
            size = cash / self.config.margin_target / price
            if size * price <= 1.0:
                return []
            orders: list[Order] = [Perp(long_perp, size), Perp(short_perp, -size)]
            return [
                Intent(EventKind.REBALANCE, f"enter: net spread {spread:.2%} APR", tuple(orders))
            ]
        if open_ and spread < self.config.funding_arbitrage.exit_spread_apr:
            orders = [
                Perp(long_perp, -state.held(long_perp)),
                Perp(short_perp, -state.held(short_perp)),
            ]
            return [
                Intent(
                    EventKind.REBALANCE,
                    f"exit: net spread {spread:.2%} APR",
                    tuple(o for o in orders if isinstance(o, Perp) and o.size != 0.0),
                )
            ]
        return []

    def quiet(self, view: SpanView) -> Bools:
        """`decide` surely returns nothing: open, every margin ratio clear above critical and
        the net spread clear above the exit; flat, the net spread clear below the entry or
        too little cash to enter. Where a venue has no rate in the window the spread is NaN
        (exactly as in `decide`, from the same settlements), and `decide` acts on neither."""
        arb, config = self.config.funding_arbitrage, self.config
        spread = self.spread_apr(view.funding_history, view.times) - self.round_trip_apr()
        unknown = np.isnan(spread)
        perps = [self.perp(venue, BASE) for venue in self.venues]
        if any(view.book.balance(ACCOUNT, perp) != 0.0 for perp in perps):
            quiet = unknown | clear_above(spread, arb.exit_spread_apr)
            for margin in view.risk.margin:
                quiet &= clear_above(margin.ratio, config.margin_critical)
            return quiet
        cash = np.minimum.reduce(
            [view.held(Instrument.token(perp.venue, perp.quote)) for perp in perps]
        )
        price = view.price(BASE)
        size = cash / config.margin_target / price
        return unknown | clear_below(spread, arb.entry_spread_apr) | clear_below(size * price, 1.0)

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        orders: list[Order] = []
        for venue in self.venues:
            perp = self.perp(venue, BASE)
            if state.held(perp) != 0.0:
                orders.append(Perp(perp, -state.held(perp) * fraction))
            cash = Instrument.token(venue, perp.quote)
            orders.append(Send(cash, Instrument.wallet(perp.quote), state.held(cash) * fraction))
        return [Intent(EventKind.REBALANCE, f"unwind {fraction:.2%}", tuple(orders))]
