"""What simulated venues do to a book at each step, before the strategy decides.

Transfers between venues arrive; funding settles on each venue's schedule at the rate the
market data gives (a settlement missing in the data is never filled, only counted); reward
programmes pay out and are sold into the share class; Aave and the perp venues liquidate
what the path has made liquidatable. The backtest loop and paper trading run this same
code, so a paper book lives through exactly what a backtest books.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from basis.book import Book, Instrument, Kind, factors
from basis.book.risk import perp_liquidations
from basis.engine.execution import SimulatedExecution
from basis.engine.kernel import Checked, Kernel
from basis.engine.own_rates import OwnRates
from basis.errors import BasisError, DataError
from basis.model.market import RewardPayout, Snapshot
from basis.model.orders import ACCOUNT, Swap
from basis.model.result import Event, EventKind

__all__ = ["SimulatedVenues", "time_weighted"]


class SimulatedVenues:
    """The venue side of a simulated step: `step` runs it; events and warnings accumulate."""

    def __init__(
        self,
        kernel: Kernel,
        execution: SimulatedExecution,
        rewards: Sequence[RewardPayout],
        events: list[Event],
        warnings: list[str],
    ) -> None:
        self.kernel, self.book, self.execution = kernel, kernel.book, execution
        self.config = kernel.config
        models = self.book.market.aave.rate_models if self.config.own_rate_impact else {}
        self.rates = OwnRates(self.book, models)
        self.events, self.warnings = events, warnings
        self.rewards: dict[int, list[RewardPayout]] = {}
        self.estimated_rewards = 0.0  # share-class value of the estimated payouts booked
        for payout in rewards:
            self.rewards.setdefault(int(payout.time.timestamp()), []).append(payout)
        self.reward_lsts = sorted({payout.lst for payout in rewards})  # whose holding is noted
        self.missing_funding: dict[str, int] = {}
        # per LST: (epoch seconds, LST held from then on), appended when the holding changes
        self.holdings: dict[str, list[tuple[float, float]]] = {}
        self._noted: dict[str, tuple[float, ...]] = {}  # the units behind the last entry

    def accrue(self, snap: Snapshot) -> None:
        """Move the book to `snap`: its marks, with Aave's indices grown at the rates the
        book's own size implies (`OwnRates`)."""
        self.book.accrue(snap.time, self.rates.marks(snap))

    def step(self, snap: Snapshot) -> tuple[dict[str, float], Checked | None]:
        """Arrivals, funding, rewards and liquidations at `snap` (the book accrued to it).

        Returns the funding paid per venue (share class) and the book's exposure and risk
        when nothing was liquidated (still current for the strategy's state)."""
        self.book.settle_transfers()
        paid = self.settle_funding(snap)
        self.pay_rewards(snap)
        return paid, self.liquidate(snap)

    def missing_funding_warnings(self) -> list[str]:
        return [
            f"{venue}: {count} funding settlement(s) missing in the data while a position "
            "was open; no funding booked for them (never filled)"
            for venue, count in sorted(self.missing_funding.items())
        ]

    def settle_funding(self, snap: Snapshot) -> dict[str, float]:
        paid: dict[str, float] = {}
        for perp, rate in snap.funding.items():
            if self.book.balance(ACCOUNT, perp) == 0.0:
                continue
            if not math.isfinite(rate):
                self.missing_funding[perp.venue] = self.missing_funding.get(perp.venue, 0) + 1
                continue
            paid[perp.venue] = self.book.settle_funding(perp, rate)
        return paid

    def note_holdings(self, time: datetime) -> None:
        """Record the LSTs held after the step at `time` acted, where a trade changed them
        (called after every decided step; spans trade nothing, so they need no note). A
        change is one of the units held, not of Aave's index: the log is the same whether
        the hours between trades ran one by one or as a span."""
        units = self.book.units
        for lst in self.reward_lsts:
            held_as = (Instrument.wallet(lst), Instrument.aave_supply(lst))
            rows = (units.rows.get((ACCOUNT, instrument)) for instrument in held_as)
            quantities = tuple(0.0 if row is None else float(units.quantity[row]) for row in rows)
            if self._noted.get(lst) != quantities:
                self._noted[lst] = quantities
                held = self.book.lst_held(ACCOUNT, lst)
                self.holdings.setdefault(lst, []).append((time.timestamp(), held))

    def holdings_document(self) -> dict[str, Any]:
        """The holding log and the book's own-rate multipliers as JSON, for a paper run's
        checkpoint."""
        return {
            "holdings": {lst: [list(entry) for entry in log] for lst, log in self.holdings.items()},
            "noted": {lst: list(units) for lst, units in self._noted.items()},
            "own_rates": self.rates.document(),
        }

    def restore_holdings(self, document: Mapping[str, Any]) -> None:
        """Resume the holding log a checkpoint kept (empty for a checkpoint without one)."""
        self.holdings = {
            lst: [(float(t), float(h)) for t, h in log]
            for lst, log in document.get("holdings", {}).items()
        }
        noted = document.get("noted", {})
        self._noted = {lst: tuple(map(float, units)) for lst, units in noted.items()}
        self.rates.restore(document.get("own_rates", {}))

    def held_over(self, payout: RewardPayout, now: datetime) -> float:
        """The LST a payout pays on: the time-weighted holding over its period (0 before the
        first note), or what is held now when the row has no period."""
        start, end = payout.period_start, payout.period_end
        if start is None or end is None or end <= start:
            return self.book.lst_held(ACCOUNT, payout.lst)
        return time_weighted(self.holdings.get(payout.lst, []), start.timestamp(), end.timestamp())

    def pay_rewards(self, snap: Snapshot) -> None:
        for payout in self.rewards.get(int(snap.time.timestamp()), ()):
            lst = payout.lst
            held = self.held_over(payout, snap.time)
            if held <= 0.0:
                continue
            eth_usd = snap.marks["price:ETH"]
            usd = payout.price_eth * eth_usd if payout.price_eth is not None else payout.price_usd
            if usd is None:
                raise DataError(
                    f"reward payout of {payout.token} at {snap.time:%Y-%m-%d %H:%M} has no price"
                )
            self.book.accrue(snap.time, {f"price:{payout.token}": usd})
            paid = self.book.pay_rewards(ACCOUNT, lst, payout.token, payout.amount_per_lst, held)
            value = paid * usd / snap.marks[f"price:{self.config.share_class}"]
            if payout.estimated:
                self.estimated_rewards += value
            self.events.append(
                Event(
                    snap.time,
                    EventKind.REWARDS,
                    ACCOUNT,
                    f"wallet:token:{payout.token}",
                    f"{paid:.6g} {payout.token} on {held:.6g} {lst}"
                    + (" (estimated by the vendor)" if payout.estimated else ""),
                    paid,
                    value,
                )
            )
            sale = Swap(payout.token, "ETH" if self.config.share_class == "ETH" else "USDT", paid)
            self.events += self.execution.execute([sale], snap)

    def liquidate(self, snap: Snapshot) -> Checked | None:
        """Liquidate what the path has made liquidatable: Aave accounts, then perps.

        Returns the book's exposure and risk when nothing was liquidated (still current).
        """
        book = self.book
        view, checked = self.kernel.check()
        liquidated = False
        for position in checked.aave:
            if position.health_factor < 1.0:
                self._liquidate_aave(position.account, position.health_factor, snap)
                liquidated = True
        perps = perp_liquidations(book, book.marks()) if liquidated else checked.perps
        for perp in perps:
            level = perp.liquidation_price
            size = book.balance(perp.account, perp.instrument)
            if level is None or size == 0.0:
                continue
            if perp.reached:
                liquidated = True
                closed = book.perp_liquidate(perp.account, perp.instrument)
                detail = (
                    f"perp liquidated at {level:.6g} (mark {perp.mark:.6g}), fee {closed.fee:.6g}"
                )
                self.events.append(
                    Event(
                        snap.time,
                        EventKind.LIQUIDATION,
                        perp.account,
                        str(perp.instrument),
                        detail,
                        size,
                        cost=-closed.fee,
                    )
                )
        return None if liquidated else (view, checked)

    def _liquidate_aave(self, account: str, health: float, snap: Snapshot) -> None:
        book = self.book
        collateral, debt = _aave_pair(book, account)
        marks = book.marks()
        debt_value = marks[factors.price(debt)] / marks[factors.price(self.config.share_class)]
        try:
            done = book.aave_liquidate(account, collateral, debt)
        except BasisError as error:
            self.warnings.append(f"{snap.time:%Y-%m-%d %H:%M}: Aave liquidation: {error}")
            return
        detail = (
            f"Aave liquidation at HF {health:.4f}: repaid {done.debt_repaid:.6g} {debt}, "
            f"seized {done.collateral_seized:.6g} {collateral}"
        )
        self.events.append(
            Event(
                snap.time,
                EventKind.LIQUIDATION,
                account,
                f"aave_v3:supply:{collateral}",
                detail,
                value=done.debt_repaid * debt_value,
                cost=-done.penalty * debt_value,
            )
        )


def _aave_pair(book: Book, account: str) -> tuple[str, str]:
    """The largest collateral and debt assets of `account` (the pair a liquidator takes)."""
    best: dict[Kind, tuple[float, str]] = {}
    for holding in book.holdings():
        if holding.account != account or holding.instrument.kind not in (Kind.SUPPLY, Kind.DEBT):
            continue
        value = abs(book.balance(account, holding.instrument))
        symbol = holding.instrument.symbol
        current = best.get(holding.instrument.kind)
        if current is None or value > current[0]:
            best[holding.instrument.kind] = (value, symbol)
    return best[Kind.SUPPLY][1], best[Kind.DEBT][1]


def time_weighted(log: Sequence[tuple[float, float]], start: float, end: float) -> float:
    """The mean over [start, end] (epoch seconds) of a step function held from each logged
    time to the next (0 before the first)."""
    total, level, at = 0.0, 0.0, start
    for time, held in log:
        if time >= end:
            break
        if time > at:
            total += level * (time - at)
            at = time
        level = held
    total += level * (end - at)
    return total / (end - start)
