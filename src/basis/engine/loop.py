"""The loop of DESIGN §1 over historical hourly steps, recording everything a run shows.

Per step k: accrue the book to the step's marks (interest, staking, prices); credit
arrived transfers; settle funding due now; pay reward programmes (sold into the share
class); let venues and Aave liquidate what the path has made liquidatable; apply the
step's deposits and withdrawals; then risk, the strategy's decision, execution, and the
record. The clock is the market's hourly grid; execution is injected.

The window is [start, end] (docs/mechanics.md, "The window"): the grid's first step is
`start`, where the capital is deposited, and its last is `end`, where the book is valued.
What accrues or settles in (start, end] is booked, the end hour's funding, payout and
arrivals included, and nothing after it. The strategy decides at every step but the last:
a trade at `end` would pay its costs for a benefit outside the window.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from basis.analytics import check_attribution, summarize
from basis.book import (
    CATEGORIES,
    Book,
    Breach,
    Instrument,
    Kind,
)
from basis.book.risk_path import risk_path
from basis.book.span import Settlements
from basis.book.valuation import discount_to_par
from basis.config.flows import Flow
from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig
from basis.engine.deployment import UNDEPLOYED_WARNING, undeployed
from basis.engine.execution import SimulatedExecution
from basis.engine.inputs import Inputs
from basis.engine.kernel import Kernel
from basis.engine.venue_events import SimulatedVenues
from basis.errors import DataError
from basis.model.market import FundingFeed, MarketData, RewardPayout, Snapshot
from basis.model.orders import ACCOUNT
from basis.model.result import STATE_CODES, Event, EventKind, RiskState, RunResult
from basis.model.span import SpanView
from basis.strategies import State, Strategy

__all__ = ["run"]

Progress = Callable[[int, int], None]
SPAN_START, SPAN_MAX = 16, 512  # span preview lengths: grow while spans run to their end
WITHDRAWAL_BUFFER = 1.005  # unwind slightly more than owed so costs do not leave a remainder
STATE_OF_BREACH = {
    Breach.MARGIN_CRITICAL: RiskState.MARGIN_CRITICAL,
    Breach.HEALTH_FACTOR_LOW: RiskState.HEALTH_FACTOR_LOW,
    Breach.DELTA_DRIFT: RiskState.DELTA_DRIFT,
}


def run(
    strategy: Strategy,
    inputs: Inputs,
    market: MarketConfig,
    flows: Sequence[Flow] = (),
    *,
    config_record: dict[str, Any] | None = None,
    progress: Progress | None = None,
    reference: bool = False,
) -> RunResult:
    """Run `strategy` over `inputs` and return the recorded, summarised result.

    Steps in which nothing can happen are booked in spans (see `_span`); `reference=True`
    takes every step singly, the definition the spans are tested against. Raises
    DataError for a flow outside the window; MechanicsError when the attribution does not
    reconcile with the equity change (a bug, never hidden).
    """
    run = _Run(strategy, inputs, market, flows, config_record or {}, progress)
    run.reference = reference
    return run.result()


def estimated_share(result: RunResult, estimated: float) -> float | None:
    """The share of the run's P&L that rests on reward rows the vendor marks estimated
    (their value when booked, over the P&L less flows); None when the P&L is not positive,
    where a share means nothing."""
    pnl = result.final_equity - result.initial_equity - result.net_flows
    return estimated / pnl if pnl > 0.0 else None


class _Run:
    def __init__(
        self,
        strategy: Strategy,
        inputs: Inputs,
        market: MarketConfig,
        flows: Sequence[Flow],
        config_record: dict[str, Any],
        progress: Progress | None,
    ) -> None:
        self.strategy, self.inputs, self.data = strategy, inputs, inputs.data
        self.config: ModeConfig = strategy.config
        self.progress = progress
        self.record = config_record
        data = self.data
        self.kernel = Kernel.start(strategy, inputs.venues, data.snapshot(0))
        self.book = self.kernel.book
        self.execution = SimulatedExecution(self.book)
        self.events: list[Event] = []
        self.warnings: list[str] = list(inputs.warnings)
        self.flows = _flows_by_step(flows, data)
        self.venues = SimulatedVenues(
            self.kernel, self.execution, data.rewards, self.events, self.warnings
        )
        rewards = _rewards_by_step(data.rewards, data)
        self.reference = False
        self.reported = 0  # the step last reported to `progress` (at most ~200 reports a run)
        self.span_length = SPAN_START
        self.columns = np.array([self.book.column(name) for name in data.names], dtype=np.intp)
        self.events_at = sorted({*self.flows, *rewards})

    # -- the loop ----------------------------------------------------------------------------

    def result(self) -> RunResult:
        data, book, config = self.data, self.book, self.config
        steps = data.steps
        first = data.snapshot(0)
        self.kernel.deposit(config.initial_capital, first)
        initial_equity = book.equity()
        previous = _totals(book)
        equity = np.empty(steps)
        flows = np.zeros(steps)
        attribution = np.zeros((steps, len(CATEGORIES)))
        series = _Series(steps, self.strategy, data)
        record = _Record(equity, attribution, series)
        k = 0
        while k < steps:
            snap = first if k == 0 else data.snapshot(k)
            if k:
                self.venues.accrue(snap)
            else:
                self.venues.rates.marks(snap)  # the hour the first growth starts from
            paid, checked = self.venues.step(snap)
            series.funding(k, paid)
            flows[k] = self._flows(k, snap)
            state = self.kernel.state(snap, checked if k not in self.flows else None)
            series.state(k, state)
            traded = self._decide(state, snap) if k < steps - 1 else 0.0  # `end`: valued only
            self.venues.note_holdings(snap.time)
            equity[k] = book.equity()
            totals = _totals(book)
            attribution[k] = totals - previous
            previous = totals
            series.traded[k] = traded
            k += 1
            if not self.reference:
                k = self._spans(k, record)
                previous = _totals(book)
            if self.progress is not None and (k >= self.reported + steps / 200 or k == steps):
                self.reported = k
                self.progress(k, steps)
        outcome = self._outcome(traded=float(series.traded.sum()))
        self._finish_warnings()
        result = RunResult(
            run_id=uuid.uuid4().hex,
            mode=config.mode,
            share_class=config.share_class,
            dataset=data.dataset,
            start=self.inputs.start,
            end=self.inputs.end,
            config=self.record,
            initial_equity=initial_equity,
            times=data.times.copy(),
            equity=equity,
            flows=flows,
            attribution=attribution,
            series=series.arrays(),
            events=tuple(self.events),
            warnings=tuple(self.warnings),
        )
        check_attribution(result)
        summary = summarize(result)
        metrics = {**summary.metrics, **outcome}
        metrics["estimated_share"] = estimated_share(result, outcome["estimated_rewards"])
        metrics.update(self.strategy.diagnostics(self.kernel.state(data.snapshot(steps - 1))))
        summary = dataclasses.replace(summary, metrics=metrics)
        return RunResult(**{**result.__dict__, "summary": summary})

    def _decide(self, state: State, snap: Snapshot) -> float:
        traded = 0.0
        for intent in self.kernel.decide(state):
            traded += self._execute(intent.kind, intent.reason, intent.orders, snap)
        return traded

    def _execute(
        self, kind: EventKind, reason: str, orders: Sequence[Any], snap: Snapshot
    ) -> float:
        self.events.append(Event(snap.time, kind, ACCOUNT, "*", reason))
        if not orders:  # a decision to wait ("staking deferred") is on the record too
            return 0.0
        fills = self.execution.execute(orders, snap)
        self.events += fills
        traded, self.execution.traded = self.execution.traded, 0.0
        return traded

    # -- spans -------------------------------------------------------------------------------

    def _spans(self, k: int, record: _Record) -> int:
        """Book spans from step k on until a step must be taken singly; return that step."""
        while k < self.data.steps:
            done, blocked = self._span(k, record)
            k += done
            if blocked or not done:
                break
        return k

    def _span(self, k: int, record: _Record) -> tuple[int, bool]:
        """Book steps k, k+1, … in one pass while nothing can happen: return how many, and
        whether a step that may act (not an event or the preview's length) ended it.

        A span ends before the next flow, reward payout, transfer arrival or missing
        funding settlement, and before the first step at which the strategy might act
        (`Strategy.quiet`; never at the window's last step, where nothing is decided) or a
        position might be liquidated. Those steps go through the full step; the result is
        the same as stepping singly (tests/engine/test_spans.py).
        """
        book, data = self.book, self.data
        end = min(self._next_event(k), k + self.span_length)
        if end <= k or self.kernel.owed > 0.0:
            return 0, False
        end, settlements = self._settlements(k, end)
        if end <= k:
            return 0, False
        values, own = data.values[k:end], self.venues.rates.path(data, k, end)
        if own:
            values = values.copy()
            for name, multiplier in own.items():
                values[:, data.names.index(name)] *= multiplier
        path = book.preview_span(data.times[k:end], self.columns, values, settlements)
        view = SpanView(
            book,
            path,
            risk_path(book, path),
            data.base_fee_gwei[k:end],
            data.priority_fee_gwei[k:end],
            self.inputs.venues,
            book.next_transfer_due() is not None,
            data.funding_history(end - 1),
            data.mark_history(end - 1),
        )
        quiet = self.strategy.quiet(view)
        if quiet is None:
            self.span_length = 0
            return 0, False
        if end == data.steps:  # the window's end is valued, never decided at
            quiet = quiet | (np.arange(path.steps) == path.steps - 1)
        blocked = np.flatnonzero(~quiet | view.risk.liquidatable())
        stop = int(blocked[0]) if blocked.size else path.steps
        self.span_length = min(
            SPAN_MAX, 2 * self.span_length if stop == path.steps else max(stop, SPAN_START)
        )
        if stop:
            self.venues.rates.commit(data, own, k + stop - 1, stop)
            attribution = book.commit_span(path, stop)
            record.span(k, stop, view, attribution, self.config)
        return stop, stop < path.steps

    def _next_event(self, k: int) -> int:
        """The first step >= k with a flow, reward payout or transfer arrival."""
        position = bisect.bisect_left(self.events_at, k)
        end = self.events_at[position] if position < len(self.events_at) else self.data.steps
        due = self.book.next_transfer_due()
        if due is not None:
            end = min(end, int(np.searchsorted(self.data.times, due.timestamp())))
        return end

    def _settlements(self, k: int, end: int) -> tuple[int, list[Settlements]]:
        """The span's end, cut before a funding settlement missing in the data (that step is
        taken singly and the gap counted), and the settlements of open positions before it,
        feed by feed in settling order."""
        due: list[tuple[FundingFeed, np.ndarray]] = []
        for feed in self.data.funding:
            if self.book.balance(ACCOUNT, feed.instrument) == 0.0:
                continue
            rows = np.flatnonzero(feed.settles[k:end])
            missing = rows[~np.isfinite(feed.rate[k + rows])]
            if missing.size:
                end = k + int(missing[0])
            due.append((feed, rows))
        settlements = []
        for feed, rows in due:
            rows = rows[rows < end - k]
            if rows.size:
                settlements.append(Settlements(feed.instrument, rows, feed.rate[k + rows]))
        return end, settlements

    # -- flows -------------------------------------------------------------------------------

    def _flows(self, k: int, snap: Snapshot) -> float:
        book, share = self.book, self.config.share_class
        net = 0.0
        for flow in self.flows.get(k, ()):
            if flow.amount > 0.0:
                self.kernel.deposit(flow.amount, snap)
                self.events.append(
                    Event(
                        snap.time,
                        EventKind.FLOW,
                        ACCOUNT,
                        "*",
                        f"deposit {flow.amount:,.2f} {share}",
                        value=flow.amount,
                    )
                )
                net += flow.amount
                continue
            amount = -flow.amount
            equity = book.equity() - self.kernel.owed
            if amount > equity:
                raise DataError(
                    f"withdrawal of {amount:,.2f} {share} at {snap.time:%Y-%m-%d %H:%M} exceeds "
                    f"the equity not already owed ({equity:,.2f})"
                )
            self.kernel.owed += amount
            self.events.append(
                Event(
                    snap.time,
                    EventKind.FLOW,
                    ACCOUNT,
                    "*",
                    f"withdrawal of {amount:,.2f} {share} requested",
                    value=-amount,
                )
            )
            fraction = min(1.0, amount * WITHDRAWAL_BUFFER / equity)
            for intent in self.strategy.unwind(fraction, self.kernel.state(snap)):
                self._execute(intent.kind, intent.reason, intent.orders, snap)
        return net + self._pay_out(snap)

    def _pay_out(self, snap: Snapshot) -> float:
        """Pay what is owed from the wallet's share-class token (USDT: then USDC)."""
        paid = 0.0
        tokens = ("ETH",) if self.config.share_class == "ETH" else ("USDT", "USDC")
        for token in tokens:
            wallet = Instrument.wallet(token)
            available = self.book.balance(ACCOUNT, wallet)
            amount = min(self.kernel.owed, available)
            if amount <= 0.0:
                continue
            before = self.book.equity()
            self.book.withdraw(ACCOUNT, wallet, amount)
            paid += self.book.equity() - before
            self.kernel.owed = max(self.kernel.owed - amount, 0.0)
            self.events.append(
                Event(
                    snap.time,
                    EventKind.FLOW,
                    ACCOUNT,
                    str(wallet),
                    f"paid out {amount:,.6g} {token}",
                    value=-amount,
                )
            )
        return paid

    def _outcome(self, traded: float) -> dict[str, float]:
        """`undeployed` (idle cash beyond the reserve, share of equity, at the end),
        `capacity_limited_hours` (decisions an Aave reserve's liquidity or cap cut),
        `unpaid` (withdrawals still owed at the end, share class), and
        `lst_discount_unrealised` (the LST held at the end at its market rate less at its
        protocol rate, share class: what of the run's value rests on the last hour's peg).
        Warns when the idle cash is there because orders were refused or nothing was ever
        traded: the run's APY is then not the strategy's."""
        view, _ = self.kernel.check()
        idle = undeployed(
            view.positions, view.equity, self.config.share_class, self.config.reserve_ratio
        )
        rejected = [event for event in self.events if event.kind is EventKind.REJECTED]
        if idle > UNDEPLOYED_WARNING and (rejected or traded == 0.0):
            why = (
                f"{len(rejected)} order(s) were rejected, first: {rejected[0].detail}"
                if rejected
                else "the strategy made no trade in the window"
            )
            self.warnings.append(
                f"capital not deployed: {idle:.1%} of equity "
                f"({idle * view.equity:,.2f} {self.config.share_class}) is idle cash beyond the "
                f"reserve at the end, so the APY is not the strategy's; {why}"
            )
        book = self.book
        held = discount_to_par(book.units, book.marks().values, book.share_column)
        return {
            "undeployed": idle,
            "capacity_limited_hours": float(self.kernel.limited_hours),
            "unpaid": self.kernel.owed,
            "estimated_rewards": self.venues.estimated_rewards,
            "lst_discount_unrealised": math.fsum(held.tolist()),
        }

    def _finish_warnings(self) -> None:
        self.warnings += self.venues.missing_funding_warnings()
        limits = [event for event in self.events if event.kind is EventKind.CAPACITY]
        if limits:
            self.warnings.append(
                f"Aave's reserves limited the book at {self.kernel.limited_hours} hour(s) "
                f"(first at {limits[0].time:%Y-%m-%d %H:%M} UTC: {limits[0].detail}); it traded "
                "what their liquidity and caps allowed (`capacity` events)"
            )
        if self.kernel.owed > 0.0:
            self.warnings.append(
                f"{self.kernel.owed:,.2f} {self.config.share_class} of withdrawals still unpaid "
                "at the end (in transit)"
            )


class _Series:
    """The per-step state paths of a run."""

    def __init__(self, steps: int, strategy: Strategy, data: MarketData) -> None:
        nan = np.full(steps, np.nan)
        self.health = nan.copy()
        self.ltv = nan.copy()
        self.delta = nan.copy()
        self.codes = np.zeros(steps)
        self.traded = np.zeros(steps)
        self.margin = {v: nan.copy() for v in strategy.weights}
        self.paid = {v: np.zeros(steps) for v in strategy.weights}
        self.benchmark = data.benchmark_apy

    def funding(self, k: int, paid: dict[str, float]) -> None:
        for venue, amount in paid.items():
            self.paid.setdefault(venue, np.zeros(self.codes.shape[0]))[k] = amount

    def state(self, k: int, state: State) -> None:
        view = state.risk
        borrowing = [a for a in view.aave if a.debt_value > 0.0]  # HF applies only with debt
        if borrowing:
            worst = min(borrowing, key=lambda a: a.health_factor)
            self.health[k] = worst.health_factor
            self.ltv[k] = worst.ltv
        for m in view.margin:
            if m.venue in self.margin:
                self.margin[m.venue][k] = m.margin_ratio
        for venue in self.flat(state.book, {m.venue for m in view.margin}):
            self.margin[venue][k] = math.inf
        self.delta[k] = max(view.delta_drift.values(), default=0.0)
        worst_state = RiskState.NORMAL
        if view.alerts:
            worst_state = STATE_OF_BREACH[view.alerts[0].breach]
        self.codes[k] = STATE_CODES[worst_state]

    def flat(self, book: Book, listed: set[str]) -> list[str]:
        """Hedge venues holding margin cash but no perp (refunded, not yet re-hedged): their
        margin ratio is +inf (nothing to liquidate), where a venue holding nothing is NaN."""
        return [
            venue
            for venue in self.margin
            if venue not in listed
            and any(
                h.instrument.venue == venue and h.instrument.kind is Kind.TOKEN and h.quantity > 0
                for h in book.holdings()
            )
        ]

    def arrays(self) -> dict[str, np.ndarray]:
        result = {
            "health_factor": self.health,
            "ltv": self.ltv,
            "net_delta": self.delta,
            "state": self.codes,
            "traded": self.traded,
        }
        for venue, values in self.margin.items():
            result[f"margin_ratio:{venue}"] = values
        for venue, values in self.paid.items():
            result[f"funding:{venue}"] = values
        if self.benchmark is not None:
            result["benchmark_apy"] = self.benchmark
        return result


class _Record:
    """Where a run's per-step arrays live, and how a committed span is written into them."""

    def __init__(self, equity: np.ndarray, attribution: np.ndarray, series: _Series) -> None:
        self.equity, self.attribution, self.series = equity, attribution, series

    def span(
        self, k: int, stop: int, view: SpanView, attribution: np.ndarray, config: ModeConfig
    ) -> None:
        """Record steps k … k+stop−1 from the span (as `_Series.state` would, step by step)."""
        rows = slice(k, k + stop)
        self.equity[rows] = view.path.equity[:stop]
        self.attribution[rows] = attribution
        series, risk = self.series, view.risk
        funding = view.path.funding[:stop]
        perps = view.book.perps
        for perp, (_, instrument) in enumerate(perps.keys):
            settled = np.flatnonzero(view.path.payments.perps == perp)
            if settled.size:
                at = view.path.payments.rows[settled]
                at = at[at < stop]
                paid = series.paid.setdefault(instrument.venue, np.zeros(series.codes.shape[0]))
                paid[k + at] = funding[at, perp]
        borrowing = [a for a in risk.aave if a.debt_value[:stop].any()]
        if borrowing:
            health = np.stack([a.health_factor[:stop] for a in borrowing])
            ltv = np.stack([a.ltv[:stop] for a in borrowing])
            debt = np.stack([a.debt_value[:stop] > 0.0 for a in borrowing])
            health = np.where(debt, health, np.inf)
            worst = np.argmin(health, axis=0)
            columns = np.arange(stop)
            any_debt = debt.any(axis=0)
            series.health[rows] = np.where(any_debt, health[worst, columns], np.nan)
            series.ltv[rows] = np.where(any_debt, ltv[worst, columns], np.nan)
        for margin in risk.margin:
            if margin.venue in series.margin:
                series.margin[margin.venue][rows] = margin.ratio[:stop]
        for venue in series.flat(view.book, {m.venue for m in risk.margin}):
            series.margin[venue][rows] = math.inf  # no perp to fund: its cash is constant
        drifts = [d[:stop] for d in risk.drift.values()]
        series.delta[rows] = np.max(drifts, axis=0) if drifts else 0.0
        critical = np.zeros(stop, dtype=bool)
        for margin in risk.margin:
            critical |= margin.ratio[:stop] < config.margin_critical
        low = np.zeros(stop, dtype=bool)
        for account in risk.aave:
            low |= account.health_factor[:stop] < config.hf_critical
        drifting = np.zeros(stop, dtype=bool)
        for drift in drifts:
            drifting |= drift > config.delta_tolerance
        codes = np.select(
            [critical, low, drifting],
            [
                STATE_CODES[RiskState.MARGIN_CRITICAL],
                STATE_CODES[RiskState.HEALTH_FACTOR_LOW],
                STATE_CODES[RiskState.DELTA_DRIFT],
            ],
            STATE_CODES[RiskState.NORMAL],
        )
        series.codes[rows] = codes


def _totals(book: Book) -> np.ndarray:
    attribution = book.attribution()
    return np.array([attribution[c] for c in CATEGORIES])


def _flows_by_step(flows: Sequence[Flow], data: MarketData) -> dict[int, list[Flow]]:
    """The flows by step; DataError for one that is not at an hour of [start, end): at the
    end the book is only valued, and nothing could act on a flow there."""
    index = {int(t): k for k, t in enumerate(data.times[:-1])}
    result: dict[int, list[Flow]] = {}
    for flow in flows:
        k = index.get(int(flow.time.timestamp()))
        if k is None:
            raise DataError(
                f"flow at {flow.time:%Y-%m-%d %H:%M} is outside the hours the run acts at, "
                f"{data.time(0):%Y-%m-%d %H:%M} → {data.time(data.steps - 2):%Y-%m-%d %H:%M} "
                f"UTC (its window ends at {data.time(data.steps - 1):%Y-%m-%d %H:%M}, where "
                "the book is only valued)"
            )
        result.setdefault(k, []).append(flow)
    return result


def _rewards_by_step(
    payouts: Sequence[RewardPayout], data: MarketData
) -> dict[int, list[RewardPayout]]:
    index = {int(t): k for k, t in enumerate(data.times)}
    result: dict[int, list[RewardPayout]] = {}
    for payout in payouts:
        k = index.get(int(payout.time.timestamp()))
        if k is not None:
            result.setdefault(k, []).append(payout)
    return result
