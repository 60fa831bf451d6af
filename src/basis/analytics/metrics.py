"""Run statistics (DESIGN §4): pure functions from a run's recorded path to its numbers.

Definitions, with E_k the equity after step k (at `times[k]`), F_k the flows of step k and
E_{−1} the initial equity. Flows happen at the start of a step, so they neither earn nor
lose. A run's steps are the hours of its window [start, end], both included (docs/
mechanics.md, "The window"): r_0 is what the first step did at `start` (the entry costs),
r_k for k ≥ 1 what the hour (times[k−1], times[k]] did.

* r_k = (E_k − E_{k−1} − F_k) / (E_{k−1} + F_k), the time-weighted step return.
* total_return = Π(1 + r_k) − 1; years = (times[-1] − times[0]) / 365 days, the window's
  length (end − start: N hours for the N + 1 steps of an N-hour window).
* apr = total_return / years (simple); apy = (1 + total_return)^(1/years) − 1.
* daily returns: the r_k chained per UTC calendar day of the hour they cover, the day of
  `times[k] − 1 s` (r_0: of `times[0]`), so the hour that ends at midnight is its day's.
* volatility = std(daily, ddof=1)·√365; sharpe = mean(daily) / std(daily, ddof=1)·√365
  (risk-free 0); sortino = mean(daily) / √mean(min(daily, 0)²)·√365 over all days.
* max_drawdown: the largest (peak − trough) / peak of the wealth index
  W_k = Π_{j≤k}(1 + r_j), W_{−1} = 1; max_drawdown_hours: from that peak to the step that
  regains it, or to the last step if none does.
* calmar = apy / max_drawdown; turnover = Σ traded / mean(equity).
* fees_paid, gas_paid: positive amounts, as passed in.
* carry_capture (`summarize`): the P&L less flows over the legs' first-order carry
  (funding + supply and borrow interest + staking yield + rewards, as booked): the share
  of the carry the book keeps after costs and price effects. On one equity and window it
  is the realised APR over the carry's APR. None when the carry is not positive.

A metric that does not apply (too short a run, no downside, no drawdown) is None, never 0.
Drawdowns, recoveries and standard deviations within 1e−12 of zero count as zero, so that
rounding in the chained index does not invent a drawdown or an infinite Sharpe.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from basis.book.ledger import CATEGORIES, COLUMN, PNL_CATEGORIES, Category
from basis.errors import InvalidOperationError, MechanicsError
from basis.model.result import STATE_CODES, Event, EventKind, RiskState, RunResult, RunSummary

__all__ = [
    "CARRY",
    "METRIC_KEYS",
    "RATE_METRICS",
    "attribution_totals",
    "carry_capture",
    "check_attribution",
    "daily_returns",
    "metrics",
    "risk_summary",
    "step_returns",
    "summarize",
]

Floats = npt.NDArray[np.float64]

DAYS_PER_YEAR = 365
SECONDS_PER_DAY = 86_400
SECONDS_PER_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY
_ROUNDING = 1e-12

METRIC_KEYS: tuple[str, ...] = (
    "total_return",
    "apr",
    "apy",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_hours",
    "calmar",
    "turnover",
    "fees_paid",
    "gas_paid",
)
"""The keys of `metrics()`, in order."""

RATE_METRICS: Final = frozenset(
    {
        "total_return",
        "apr",
        "apy",
        "volatility",
        "max_drawdown",
        "undeployed",
        "estimated_share",
        "carry_capture",
    }
)
"""Metrics that are fractions, shown as percentages by the CLI, the pages and the report."""


def step_returns(initial_equity: float, equity: npt.ArrayLike, flows: npt.ArrayLike) -> Floats:
    """The time-weighted return of each step, flows at its start.

    Raises `InvalidOperationError` when the arrays differ in length or a step's base
    E_{k−1} + F_k is not positive (no return is defined on nothing).
    """
    returns: Floats = _growth(initial_equity, equity, flows) - 1.0
    return returns


def daily_returns(times: npt.ArrayLike, step_returns: npt.ArrayLike) -> Floats:
    """The step returns chained per UTC calendar day of the hour each covers (the module
    docstring: the day of `times[k] − 1 s`, the first step's of `times[0]`), days in order.

    Raises `InvalidOperationError` when the lengths differ or times do not increase.
    """
    times_ = np.asarray(times, dtype=np.int64)
    returns = _vector("step_returns", step_returns)
    _same_length(times=times_, step_returns=returns)
    if returns.size == 0:
        return np.empty(0, dtype=np.float64)
    if np.any(np.diff(times_) <= 0):
        raise InvalidOperationError("times must be strictly increasing")
    days = (times_ - 1) // SECONDS_PER_DAY
    days[0] = times_[0] // SECONDS_PER_DAY
    starts = np.flatnonzero(np.concatenate(([True], days[1:] != days[:-1])))
    daily: Floats = np.multiply.reduceat(1.0 + returns, starts) - 1.0
    return daily


def metrics(
    initial_equity: float,
    times: npt.ArrayLike,
    equity: npt.ArrayLike,
    flows: npt.ArrayLike,
    traded: npt.ArrayLike,
    fees_paid: float,
    gas_paid: float,
) -> dict[str, float | None]:
    """The run metrics of the module docstring, keyed by `METRIC_KEYS`.

    `traded` is the notional traded per step; NaN (not applicable) counts as nothing.
    Raises `InvalidOperationError` like `step_returns` and `daily_returns`.
    """
    equity_ = _vector("equity", equity)
    traded_ = _vector("traded", traded)
    growth = _growth(initial_equity, equity_, flows)
    _same_length(equity=equity_, traded=traded_)
    daily = daily_returns(times, growth - 1.0)

    total_return = float(np.prod(growth)) - 1.0
    times_ = np.asarray(times, dtype=np.int64)
    years = float(times_[-1] - times_[0]) / SECONDS_PER_YEAR if times_.size else 0.0
    apr = total_return / years if years > 0 else None
    apy = _compound(total_return, years) if years > 0 and total_return > -1.0 else None
    volatility, sharpe, sortino = _daily_ratios(daily)
    max_drawdown, max_drawdown_hours = _drawdown(growth)
    calmar = apy / max_drawdown if apy is not None and max_drawdown > 0 else None
    mean_equity = float(np.mean(equity_)) if equity_.size else math.nan
    turnover = math.fsum(traded_[~np.isnan(traded_)]) / mean_equity if mean_equity > 0 else None
    values: dict[str, float | None] = {
        "total_return": total_return,
        "apr": apr,
        "apy": apy,
        "volatility": volatility,
        "sharpe": sharpe,
        "sortino": sortino,
        "max_drawdown": max_drawdown,
        "max_drawdown_hours": max_drawdown_hours,
        "calmar": calmar,
        "turnover": turnover,
        "fees_paid": float(fees_paid),
        "gas_paid": float(gas_paid),
    }
    return values


def attribution_totals(attribution: npt.ArrayLike) -> dict[str, float]:
    """The exact (fsum) total of each category column, keyed by the category's value.

    Raises `InvalidOperationError` when the array is not steps × len(CATEGORIES).
    """
    table = np.asarray(attribution, dtype=np.float64)
    if table.size == 0:
        table = table.reshape(0, len(CATEGORIES))
    if table.ndim != 2 or table.shape[1] != len(CATEGORIES):
        raise InvalidOperationError(
            f"attribution has shape {table.shape}, expected (steps, {len(CATEGORIES)})"
        )
    return {category.value: math.fsum(table[:, COLUMN[category]]) for category in CATEGORIES}


def risk_summary(series: Mapping[str, npt.ArrayLike], events: Iterable[Event]) -> dict[str, Any]:
    """The lowest health factor and margin ratio (None when never applicable), the number
    of liquidations and the hours spent in each risk state (every state, 0 when absent).

    The hours are the window's: hour (times[k−1], times[k]] counts in `state[k]`, the state
    the book was found in at its end; the first step's state (at `start`, nothing held yet)
    covers no hour, so an N-hour window counts N hours.

    Raises `InvalidOperationError` for a `state` code that is not in `STATE_CODES`.
    """
    health = series.get("health_factor")
    margins = [values for name, values in series.items() if name.startswith("margin_ratio:")]
    return {
        "min_health_factor": _nanmin([] if health is None else [health]),
        "min_margin_ratio": _nanmin(margins),
        "liquidations": sum(1 for event in events if event.kind == EventKind.LIQUIDATION),
        "hours_in_state": _hours_in_state(series.get("state")),
    }


def summarize(result: RunResult) -> RunSummary:
    """The metrics, attribution totals and risk summary of a run.

    Fees paid are the trading and transfer fees booked (slippage is not a fee), gas the gas.
    """
    totals = attribution_totals(result.attribution)
    traded = result.series.get("traded")
    if traded is None:
        traded = np.zeros(len(result.times), dtype=np.float64)
    fees_paid = 0.0 - (totals[Category.TRADING_FEES] + totals[Category.TRANSFER_FEES])
    gas_paid = 0.0 - totals[Category.GAS]
    values = metrics(
        result.initial_equity,
        result.times,
        result.equity,
        result.flows,
        traded,
        fees_paid,
        gas_paid,
    )
    return RunSummary(
        metrics={**values, "carry_capture": carry_capture(totals)},
        attribution=totals,
        risk=risk_summary(result.series, result.events),
    )


CARRY: Final = (
    Category.FUNDING,
    Category.SUPPLY_INTEREST,
    Category.BORROW_INTEREST,
    Category.STAKING_YIELD,
    Category.REWARDS,
)
"""The categories of a book's first-order carry: what its legs earn and pay held still."""


def carry_capture(totals: Mapping[str, float]) -> float | None:
    """P&L less flows over the first-order carry (module docstring); None when the carry
    is not positive, where a share of it means nothing."""
    carry = math.fsum(totals[category] for category in CARRY)
    pnl = math.fsum(totals[category] for category in PNL_CATEGORIES)
    return pnl / carry if carry > 0.0 else None


def check_attribution(result: RunResult, rel_tol: float = 1e-6) -> None:
    """Check that the P&L categories add up to the equity change net of flows.

    Raises `MechanicsError` when they differ by more than rel_tol × max(|initial equity|, 1):
    a booking is missing or counted twice, and every number downstream would be wrong.
    """
    totals = attribution_totals(result.attribution)
    pnl = math.fsum(totals[category] for category in PNL_CATEGORIES)
    initial = result.initial_equity
    final = result.final_equity if result.equity.size else initial
    net_flows = math.fsum(result.flows)
    expected = final - initial - net_flows
    tolerance = rel_tol * max(abs(initial), 1.0)
    difference = pnl - expected
    if not abs(difference) <= tolerance:  # NaN fails too
        raise MechanicsError(
            f"run {result.run_id}: attribution does not reconcile: "
            f"sum of P&L categories = {pnl:.10g}, but final equity - initial equity - net flows "
            f"= {final:.10g} - {initial:.10g} - {net_flows:.10g} = {expected:.10g}; "
            f"difference {difference:.3g} exceeds the tolerance {tolerance:.3g}"
        )


def _vector(name: str, values: npt.ArrayLike) -> Floats:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidOperationError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _growth(initial_equity: float, equity: npt.ArrayLike, flows: npt.ArrayLike) -> Floats:
    """1 + r_k as E_k / (E_{k−1} + F_k): the ratio keeps full precision when r_k is near −1."""
    equity_ = _vector("equity", equity)
    flows_ = _vector("flows", flows)
    _same_length(equity=equity_, flows=flows_)
    previous = np.concatenate(([float(initial_equity)], equity_))[:-1]
    base = previous + flows_
    bad = np.flatnonzero(~(base > 0.0))  # NaN is bad too
    if bad.size:
        k = int(bad[0])
        raise InvalidOperationError(
            f"step {k}: equity before the step plus its flow is {base[k]!r} "
            f"(E[k-1] = {previous[k]!r}, F[k] = {flows_[k]!r}); a return needs a positive base"
        )
    growth: Floats = equity_ / base
    return growth


def _same_length(**arrays: npt.NDArray[Any]) -> None:
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidOperationError(f"arrays differ in length: {lengths}")


def _compound(total_return: float, years: float) -> float:
    """(1 + total_return)^(1/years) − 1, inf rather than an OverflowError for short runs."""
    growth = math.log1p(total_return) / years
    return math.expm1(growth) if growth < 709.0 else math.inf


def _daily_ratios(daily: Floats) -> tuple[float | None, float | None, float | None]:
    """Volatility, Sharpe and Sortino from daily returns, annualised with √365."""
    if daily.size < 2:
        return None, None, None
    scale = math.sqrt(DAYS_PER_YEAR)
    mean = float(np.mean(daily))
    std = float(np.std(daily, ddof=1))
    downside = math.sqrt(float(np.mean(np.minimum(daily, 0.0) ** 2)))
    sharpe = mean / std * scale if std > _ROUNDING else None
    sortino = mean / downside * scale if downside > 0.0 else None
    return std * scale, sharpe, sortino


def _drawdown(growth: Floats) -> tuple[float, float]:
    """The deepest drawdown of the wealth index and its duration in steps (hours)."""
    wealth = np.concatenate(([1.0], np.cumprod(growth)))  # index i is step i − 1
    peaks = np.maximum.accumulate(wealth)
    drawdowns = (peaks - wealth) / peaks
    trough = int(np.argmax(drawdowns))
    depth = float(drawdowns[trough])
    if depth <= _ROUNDING:
        return 0.0, 0.0
    peak_level = peaks[trough]
    peak = int(np.flatnonzero(wealth[: trough + 1] == peak_level)[-1])
    recovered = np.flatnonzero(wealth[trough:] >= peak_level * (1.0 - _ROUNDING))
    end = trough + int(recovered[0]) if recovered.size else wealth.size - 1
    return depth, float(end - peak)


def _nanmin(arrays: Iterable[npt.ArrayLike]) -> float | None:
    values = [np.asarray(array, dtype=np.float64).ravel() for array in arrays]
    joined = np.concatenate(values) if values else np.empty(0, dtype=np.float64)
    finite = joined[~np.isnan(joined)]
    return float(finite.min()) if finite.size else None


def _hours_in_state(codes: npt.ArrayLike | None) -> dict[str, float]:
    hours = {state.value: 0.0 for state in RiskState}
    if codes is None:
        return hours
    array = np.asarray(codes, dtype=np.float64)
    unknown = set(array[~np.isnan(array)].tolist()) - {float(c) for c in STATE_CODES.values()}
    if unknown:
        raise InvalidOperationError(f"unknown risk state codes {sorted(unknown)} in 'state'")
    ends = array[1:]  # step 0 is the instant `start`; each later step ends one hour
    for state, code in STATE_CODES.items():
        hours[state.value] = float(np.count_nonzero(ends == code))
    return hours
