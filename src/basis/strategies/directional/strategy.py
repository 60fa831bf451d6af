"""`ml_directional_btc` and `ml_directional_eth`: a long, short or flat perp position from a
model's prediction of the next `horizon_hours`, sized to a volatility target.

Each hour the mode appends what is known (price, perp mark, last settled funding, last
closed volume) to its history, refits the model every `retrain_hours` on the last
`train_hours` rows whose outcome is known by then (walk-forward), and predicts P(up) from
the current row. Beyond `½ ± confidence` it takes that side; otherwise it is flat. The
position's notional is `equity × min(vol_target / σ, max_leverage)` with σ the annualised
rolling volatility, re-sized only when it is `resize_band` off. A position is closed at
`exit_sigmas` × σ over the horizon from its entry, in profit or in loss, and that side is
not re-entered until the prediction leaves it. With `signal_file` the rows of that file
replace the model (`basis.data.signals`). Nothing here reads data after the hour it
decides at: a test changes the future and finds every decision up to it unchanged. What
it carries between hours is checkpointed by a paper or live run (`document`, `restore`;
`state.py`), so a restarted run decides as an unbroken one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from basis.book import Instrument
from basis.book import factors as f
from basis.data.signals import SignalFile, load_signals
from basis.model.needs import Needs
from basis.model.orders import ALL, Order, Perp, Send
from basis.model.result import EventKind
from basis.strategies.base import Intent, State, Strategy
from basis.strategies.directional.features import (
    LOOKBACK,
    History,
    annualised,
    features,
    labels,
)
from basis.strategies.directional.model import MIN_ROWS, Fit, fit, probability_up
from basis.strategies.directional.state import Entry, Memory, read, write

__all__ = ["Directional"]

FULL = 0.999  # an unwind of this fraction or more closes everything
WAITING = frozenset({"no model yet", "features incomplete"})
"""Reasons with no prediction: the next hour decides again."""


@dataclass
class Directional(Strategy):
    """One perp on one venue, long, short or flat as the model (or a signal file) says."""

    history: History = field(default_factory=History)
    fits: list[Fit] = field(default_factory=list)
    pending: deque[tuple[int, int]] = field(default_factory=deque)  # (row, side) to judge
    hits: int = 0
    judged: int = 0
    funding_apr: float = math.nan
    entry: Entry | None = None
    stopped: int = 0  # the side a take-profit or stop-loss closed, kept out until it changes
    next_fit: int = 0
    decided_at: int = -(10**9)  # row of the last decision: a side is held for the horizon
    signals: SignalFile | None = None

    def __post_init__(self) -> None:
        path = self.config.directional.signal_file
        if path is not None:
            self.signals = load_signals(Path(path))

    @property
    def base(self) -> str:
        return "BTC" if self.config.mode == "ml_directional_btc" else "ETH"

    @property
    def venue(self) -> str:
        return self.config.directional.venue

    @property
    def instrument(self) -> Instrument:
        return self.perp(self.venue, self.base)

    def needs(self) -> Needs:
        return Needs(
            prices=(self.base,), perp_base=self.base, perp_venues=(self.venue,), volumes=True
        )

    def use_venues(self, venues: Sequence[str]) -> None:
        self.weights = {self.venue: 1.0} if self.venue in venues else {}

    def deposit(self, amount: float, state: State) -> dict[Instrument, float]:
        return {Instrument.token(self.venue, self.instrument.quote): amount}

    # -- each hour ---------------------------------------------------------------------------

    def decide(self, state: State) -> list[Intent]:
        row = self._observe(state)
        intents = self._refit(state, row)
        self._judge(row)
        orders, reason = self._exit(state)
        if not orders and row - self.decided_at >= self.config.directional.horizon_hours:
            side, scale, why = self._prediction(state, row)
            if why not in WAITING:
                self.decided_at = row
            if side != 0:
                self.pending.append((row, side))
            orders, reason = self._position(state, row, side, scale, why)
        if orders:
            intents.append(Intent(EventKind.REBALANCE, reason, tuple(orders)))
        return intents

    def _observe(self, state: State) -> int:
        """Append this hour's observations; returns its row."""
        snap, perp = state.snapshot, self.instrument
        rate = snap.funding.get(perp)
        if rate is not None and math.isfinite(rate):
            hours = self.market.venue(self.venue).funding.interval_hours
            self.funding_apr = rate * 8760.0 / hours
        self.history.append(
            snap.time.timestamp(),
            state.price(self.base),
            state.mark(f.mark(perp)),
            self.funding_apr,
            snap.volume.get(str(perp), math.nan),
        )
        return self.history.size - 1

    def _refit(self, state: State, row: int) -> list[Intent]:
        """Refit walk-forward when due: on the last `train_hours` rows whose label is known."""
        config = self.config.directional
        if self.signals is not None or row < self.next_fit:
            return []
        horizon = config.horizon_hours
        last = row - horizon  # the newest row whose outcome is known now
        if last - LOOKBACK + 1 < MIN_ROWS:
            return []
        self.next_fit = row + config.retrain_hours
        first = max(LOOKBACK, last - config.train_hours + 1)
        price, mark, funding, volume = self.history.view()
        table = features(price, mark, funding, volume)[first : last + 1]
        targets = labels(price, horizon)[first : last + 1]
        times = self.history.time[first : last + 1].astype(np.int64)
        model = fit(table, targets, times, state.snapshot.time, config.seed)
        if model is None:
            return [Intent(EventKind.MODEL, "refit skipped: too few usable rows", ())]
        self.fits.append(model)
        reason = (
            f"refit on {model.rows} rows {model.first:%Y-%m-%d %H:%M} → "
            f"{model.last:%Y-%m-%d %H:%M}, in-sample hit rate {model.in_sample_hit_rate:.3f}"
        )
        return [Intent(EventKind.MODEL, reason, ())]

    def _judge(self, row: int) -> None:
        """Score the predictions whose horizon has passed (out of sample)."""
        horizon, price = self.config.directional.horizon_hours, self.history.price
        while self.pending and self.pending[0][0] + horizon <= row:
            made, side = self.pending.popleft()
            self.judged += 1
            self.hits += int((price[made + horizon] - price[made]) * side > 0.0)

    def _prediction(self, state: State, row: int) -> tuple[int, float, str]:
        """(side, share of the target size, why) from the signal file or the latest fit."""
        config = self.config.directional
        if self.signals is not None:
            signal = self.signals.at(state.snapshot.time)
            if signal is None or signal.confidence < config.signal_confidence:
                return 0, 0.0, "no signal in force"
            side = int(np.sign(signal.signal))
            return side, abs(signal.signal), f"signal {signal.signal:+.2f} ({signal.time:%F %H:%M})"
        if not self.fits:
            return 0, 0.0, "no model yet"
        start = max(0, row - LOOKBACK)
        latest = features(*self.history.view(start))[-1]
        up = probability_up(self.fits[-1], latest)
        if up is None:
            return 0, 0.0, "features incomplete"
        side = 1 if up > 0.5 + config.confidence else -1 if up < 0.5 - config.confidence else 0
        return side, 1.0, f"P(up) {up:.3f}"

    def _exit(self, state: State) -> tuple[list[Order], str]:
        """Close the position at `exit_sigmas` × σ over the horizon from its entry (checked
        every hour; the side is then kept out until a prediction leaves it)."""
        perp, held = self.instrument, state.held(self.instrument)
        if self.entry is None or held == 0.0:
            return [], ""
        move = (state.price(self.base) / self.entry.price - 1.0) * self.entry.side
        limit = self.config.directional.exit_sigmas * self.entry.sigma
        if -limit < move < limit:
            return [], ""
        self.stopped, self.entry = self.entry.side, None
        kind = "take profit" if move > 0.0 else "stop loss"
        return [Perp(perp, -held)], f"{kind}: {move:+.2%} against ±{limit:.2%}"

    def _position(
        self, state: State, row: int, side: int, scale: float, why: str
    ) -> tuple[list[Order], str]:
        """The perp orders that take the position `side` calls for, and the reason."""
        config, perp = self.config.directional, self.instrument
        price, held = state.price(self.base), state.held(perp)
        sigma = self._sigma(row)
        reason = why
        if self.stopped and side != self.stopped:
            self.stopped = 0
        if side == self.stopped:
            side = 0
        if side == 0 or sigma is None or state.equity <= 0.0:
            self.entry = None
            return ([Perp(perp, -held)], f"{why}: flat") if abs(held) * price > 1.0 else ([], "")
        leverage = min(config.vol_target / annualised(sigma), config.max_leverage) * scale
        target = side * state.equity * leverage / price
        if np.sign(held) != side:  # enter or flip
            self.entry = Entry(side, price, sigma * math.sqrt(config.horizon_hours))
            reason = f"{why}: {'long' if side > 0 else 'short'} {leverage:.2f}× equity"
        elif abs(target - held) <= config.resize_band * abs(target):
            return [], ""
        else:
            reason = f"{why}: resize to {leverage:.2f}× equity"
        change = target - held
        return ([Perp(perp, change)], reason) if abs(change) * price > 1.0 else ([], "")

    def _sigma(self, row: int) -> float | None:
        """Hourly σ of log returns over the last `sigma_hours`; None until there are that many."""
        hours = self.config.directional.sigma_hours
        if row < hours:
            return None
        prices = self.history.price[row - hours : row + 1]
        return float(np.std(np.diff(np.log(prices)), ddof=1))

    # -- outputs -----------------------------------------------------------------------------

    def diagnostics(self, end: State) -> dict[str, float | None]:
        """Out-of-sample hit rate, predictions judged, refits, and buy-and-hold's return over
        the window: the price at its end over the price at its first hour."""
        first = self.history.price[0] if self.history.size else math.nan
        return {
            "hit_rate": self.hits / self.judged if self.judged else None,
            "predictions_judged": float(self.judged),
            "refits": float(len(self.fits)),
            "buy_and_hold_return": float(end.price(self.base) / first - 1.0)
            if self.history.size
            else None,
        }

    def document(self) -> dict[str, Any]:
        """The history, fits, pending predictions and position state, as JSON (`state.py`)."""
        memory = Memory(
            self.history,
            self.fits,
            self.pending,
            self.hits,
            self.judged,
            self.funding_apr,
            self.entry,
            self.stopped,
            self.next_fit,
            self.decided_at,
        )
        return write(memory, self.config.directional)

    def restore(self, document: Mapping[str, Any]) -> None:
        """Resume from `document()`; raises InvalidOperationError for another version."""
        memory = read(dict(document))
        self.history, self.fits, self.pending = memory.history, memory.fits, memory.pending
        self.hits, self.judged = memory.hits, memory.judged
        self.funding_apr, self.entry, self.stopped = (
            memory.funding_apr,
            memory.entry,
            memory.stopped,
        )
        self.next_fit, self.decided_at = memory.next_fit, memory.decided_at

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        perp, orders = self.instrument, list[Order]()
        held = state.held(perp)
        if held != 0.0:
            orders.append(Perp(perp, -held * fraction))
        cash = Instrument.token(self.venue, perp.quote)
        amount = ALL if fraction >= FULL else state.equity * fraction
        orders.append(Send(cash, Instrument.wallet(perp.quote), amount))
        return [Intent(EventKind.REBALANCE, f"unwind {fraction:.2%}", tuple(orders))]
