"""What a run produces: the recorded hourly path, events and warnings, and their summary.

`RunResult` is the one contract between the engine (which fills it), analytics (which
summarises it), the store (which persists it) and the report (which draws it).

Time: `times[k]` is the k-th hourly step (epoch seconds, bar open). Everything indexed `k`
is recorded after step k has run (accrual to `times[k]`, settlements, then the orders of
that step). `attribution[k]` is the value booked during step k, one column per category
of `CATEGORIES`; row 0 holds the entry costs. `flows[k]` are the deposits (> 0) and
withdrawals (< 0) of step k, excluding the initial capital, so that
`attribution[:, pnl].sum() == equity[-1] − initial_equity − flows.sum()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["STATE_CODES", "Event", "EventKind", "RiskState", "RunResult", "RunSummary"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class EventKind(StrEnum):
    """What happened at a step, for the event log and the report's table."""

    TRADE = "trade"  # a fill: spot, perp, swap, stake, Aave operation
    REBALANCE = "rebalance"  # the strategy re-targeted (equity deviation, band, hedge)
    DELEVERAGE = "deleverage"  # risk override: Aave HF low or LTV above band
    MARGIN_TOP_UP = "margin_top_up"  # risk override: CEX margin below critical
    LIQUIDATION = "liquidation"  # the venue or Aave liquidated a position
    REJECTED = "rejected"  # an order that could not be filled, with the reason
    FLOW = "flow"  # deposit or withdrawal
    REWARDS = "rewards"  # reward payout (and its sale)
    WARNING = "warning"  # something the run wants the user to see
    FUNDING = "funding"  # live: a funding payment as the venue booked it
    RECONCILIATION = "reconciliation"  # live: a balance the venue holds otherwise than the book
    MODEL = "model"  # a directional mode refitted its model
    CAPACITY = "capacity"  # an Aave reserve's liquidity or cap cut what the book wanted


class RiskState(StrEnum):
    """The worst risk state of a step, in DESIGN §5 priority order."""

    NORMAL = "normal"
    DELTA_DRIFT = "delta_drift"
    HEALTH_FACTOR_LOW = "health_factor_low"
    MARGIN_CRITICAL = "margin_critical"


STATE_CODES: dict[RiskState, int] = {state: code for code, state in enumerate(RiskState)}
"""The code of each state in the `state` series (a float array, like every series)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the event log. `value` is the share-class value moved (notional of a
    trade, amount of a flow), `cost` what it cost (fees, slippage, gas; <= 0)."""

    time: datetime
    kind: EventKind
    account: str
    subject: str  # an instrument (`binance:perp:ETHUSDT`), a venue or `*`
    detail: str
    size: float = 0.0
    value: float = 0.0
    cost: float = 0.0


@dataclass(frozen=True)
class RunSummary:
    """The numbers a run is judged by (DESIGN §4); `None` where a metric does not apply."""

    metrics: Mapping[str, float | None]
    attribution: Mapping[str, float]
    risk: Mapping[str, Any]


@dataclass(frozen=True)
class RunResult:
    """A finished run. Arrays have one row per hourly step (see the module docstring).

    `series` holds state paths by name, NaN where not applicable:
    `health_factor`, `ltv` (Aave, worst account), `net_delta` (|net delta value| / equity),
    `margin_ratio:<venue>`, `funding:<venue>` (funding booked in the step),
    `benchmark_apy` (sUSDe, when the data has it), `state` (codes of `STATE_CODES`),
    `traded` (share-class notional traded in the step).
    """

    run_id: str
    mode: str
    share_class: str
    dataset: str
    start: datetime
    end: datetime
    config: Mapping[str, Any]
    initial_equity: float
    times: Ints
    equity: Floats
    flows: Floats
    attribution: Floats
    series: Mapping[str, Floats]
    events: tuple[Event, ...] = ()
    warnings: tuple[str, ...] = ()
    summary: RunSummary | None = field(default=None)

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1])

    @property
    def net_flows(self) -> float:
        return float(self.flows.sum())
