"""Run metrics: time-weighted returns, annualisation, daily ratios, drawdown, attribution, risk."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import basis.analytics
from basis.analytics import (
    METRIC_KEYS,
    attribution_totals,
    check_attribution,
    daily_returns,
    metrics,
    risk_summary,
    step_returns,
    summarize,
)
from basis.book.ledger import CATEGORIES, COLUMN, Category
from basis.errors import InvalidOperationError, MechanicsError
from basis.model.result import STATE_CODES, Event, EventKind, RiskState, RunResult

T0 = 1_704_067_200  # 2024-01-01 00:00 UTC
HOUR = 3600
SQRT_365 = math.sqrt(365)


def hourly(n: int, start: int = T0) -> npt.NDArray[np.int64]:
    """`n` hourly bar times from `start`."""
    return np.arange(start, start + n * HOUR, HOUR, dtype=np.int64)


def compute(
    initial: float,
    equity: list[float] | npt.NDArray[np.float64],
    flows: list[float] | None = None,
    traded: list[float] | None = None,
    start: int = T0,
) -> dict[str, float | None]:
    """`metrics` of the window [start, start + n hours] whose n hours end at `equity`, no
    flows or trades unless given: as the loop records it, step 0 is the instant `start`
    (here nothing is traded, so it holds the initial equity) and step k the hour ending at
    start + k hours."""
    n = len(equity)
    return metrics(
        initial,
        hourly(n + 1, start),
        [initial, *equity],
        [0.0, *(np.zeros(n) if flows is None else flows)],
        [0.0, *(np.zeros(n) if traded is None else traded)],
        0.0,
        0.0,
    )


def run(
    initial: float,
    equity: list[float],
    flows: list[float],
    attribution: npt.NDArray[np.float64],
    series: dict[str, npt.NDArray[np.float64]] | None = None,
    events: tuple[Event, ...] = (),
) -> RunResult:
    """A hand-made `RunResult` of hourly steps from T0 (its window ends at the last)."""
    n = len(equity)
    start = datetime.fromtimestamp(T0, UTC)
    return RunResult(
        run_id="test",
        mode="backtest",
        share_class="USDT",
        dataset="hand-made",
        start=start,
        end=datetime.fromtimestamp(T0 + (n - 1) * HOUR, UTC),
        config={},
        initial_equity=initial,
        times=hourly(n),
        equity=np.asarray(equity, dtype=np.float64),
        flows=np.asarray(flows, dtype=np.float64),
        attribution=attribution,
        series=series or {},
        events=events,
    )


def attribution_rows(*rows: dict[Category, float]) -> npt.NDArray[np.float64]:
    """An attribution array with one row per dict of category amounts."""
    table = np.zeros((len(rows), len(CATEGORIES)))
    for k, row in enumerate(rows):
        for category, amount in row.items():
            table[k, COLUMN[category]] = amount
    return table


def event(kind: EventKind) -> Event:
    return Event(datetime.fromtimestamp(T0, UTC), kind, "main", "*", "hand-made")


# -- public surface ----------------------------------------------------------------------------


def test_package_exports_the_analytics_functions() -> None:
    assert sorted(basis.analytics.__all__) == sorted(
        [
            "METRIC_KEYS",
            "attribution_totals",
            "check_attribution",
            "daily_returns",
            "metrics",
            "risk_summary",
            "step_returns",
            "summarize",
        ]
    )


def test_metrics_keys_are_exactly_the_design_list() -> None:
    result = compute(100.0, [101.0, 102.0])
    assert tuple(result) == METRIC_KEYS
    assert set(METRIC_KEYS) == {
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
    }


# -- returns and flows -------------------------------------------------------------------------


def test_step_returns_without_flows_are_equity_ratios() -> None:
    # 100 → 110 → 99: +10 %, then 99/110 − 1 = −10 %
    returns = step_returns(100.0, [110.0, 99.0], [0.0, 0.0])
    assert returns == pytest.approx([0.1, -0.1], rel=1e-12)


def test_step_returns_deposit_with_zero_pnl_returns_zero() -> None:
    # step 1: 100 deposited at the start, equity 100 → 200, so r = (200 − 100 − 100) / 200 = 0
    # step 2: 200 → 202 is +1 %
    returns = step_returns(100.0, [100.0, 200.0, 202.0], [0.0, 100.0, 0.0])
    assert returns.tolist() == [0.0, 0.0, pytest.approx(0.01, rel=1e-12)]


def test_step_returns_nonpositive_base_raises_naming_the_step() -> None:
    # step 1: 50 before, 50 withdrawn → base 0
    with pytest.raises(InvalidOperationError, match="step 1"):
        step_returns(100.0, [50.0, 10.0], [0.0, -50.0])


def test_step_returns_length_mismatch_raises() -> None:
    with pytest.raises(InvalidOperationError, match="differ in length"):
        step_returns(100.0, [100.0, 101.0], [0.0])


def test_withdrawal_does_not_change_time_weighted_return() -> None:
    # 1 %/day for 10 days, compounded hourly; half the capital leaves at the start of hour 120
    g = 1.01 ** (1 / 24) - 1
    n, half = 240, 120
    plain = 100.0 * (1 + g) ** np.arange(1, n + 1)
    with_withdrawal = plain.copy()
    with_withdrawal[half:] = plain[half:] / 2
    flows = [0.0] * n
    flows[half] = -plain[half - 1] / 2

    expected = 1.01**10 - 1
    assert compute(100.0, plain)["total_return"] == pytest.approx(expected, rel=1e-9)
    result = compute(100.0, with_withdrawal, flows)
    assert result["total_return"] == pytest.approx(expected, rel=1e-9)
    # every UTC day is still exactly +1 %: step 0 is the instant T0, step k the hour
    # ending at T0 + k h, so the hour ending at midnight is the day before's
    window = [100.0, *with_withdrawal]
    returns = step_returns(100.0, window, [0.0, *flows])
    daily = daily_returns(hourly(n + 1), returns)
    assert daily == pytest.approx([0.01] * 10, rel=1e-9)


# -- annualisation -----------------------------------------------------------------------------


def test_one_year_of_constant_growth_apy_equals_total_return() -> None:
    g = 1e-5
    equity = 1000.0 * (1 + g) ** np.arange(1, 8761)
    result = compute(1000.0, equity)
    total = (1 + g) ** 8760 - 1  # ≈ 9.16 %
    assert result["total_return"] == pytest.approx(total, rel=1e-9)
    assert result["apy"] == pytest.approx(total, rel=1e-9)  # years = 8760 h / 8760 h = 1
    assert result["apr"] == pytest.approx(total, rel=1e-9)


def test_two_years_apy_is_square_root_and_apr_is_half() -> None:
    g = 1e-5
    equity = 1000.0 * (1 + g) ** np.arange(1, 17_521)
    result = compute(1000.0, equity)
    total = (1 + g) ** 17_520 - 1
    assert result["total_return"] == pytest.approx(total, rel=1e-9)
    assert result["apy"] == pytest.approx((1 + total) ** 0.5 - 1, rel=1e-9)
    assert result["apr"] == pytest.approx(total / 2, rel=1e-9)


def test_a_48_hour_window_annualises_48_hours_not_its_49_steps() -> None:
    # [T0, T0 + 48 h]: 49 steps, the first the instant T0. +0.1 % over the two days:
    # years = 48 / 8760, apr = 0.001 × 8760 / 48 = 0.1825, apy = 1.001^(8760/48) − 1.
    times = hourly(49)
    equity = np.full(49, 100.0)
    equity[1:] = 100.0 * 1.001 ** (np.arange(1, 49) / 48)
    result = metrics(100.0, times, equity, np.zeros(49), np.zeros(49), 0.0, 0.0)
    assert result["total_return"] == pytest.approx(0.001, rel=1e-12)
    assert result["apr"] == pytest.approx(0.1825, rel=1e-12)
    assert result["apy"] == pytest.approx(1.001**182.5 - 1, rel=1e-12)


def test_total_loss_has_apr_but_no_apy() -> None:
    # one hour to zero: total return −1, years = 1/8760 → apr = −8760; apy undefined
    result = compute(100.0, [0.0])
    assert result["total_return"] == -1.0
    assert result["apr"] == pytest.approx(-8760.0)
    assert result["apy"] is None
    assert result["calmar"] is None


def test_empty_run_has_no_annualised_metrics() -> None:
    result = metrics(100.0, [], [], [], [], 0.0, 0.0)
    assert result["total_return"] == 0.0
    assert result["apr"] is None
    assert result["apy"] is None
    assert result["turnover"] is None
    assert result["max_drawdown"] == 0.0


# -- daily returns and ratios ------------------------------------------------------------------


def test_daily_returns_chain_hours_per_utc_day() -> None:
    # steps at 22:00 (the first: the instant itself), 23:00, 00:00 and 01:00 on Jan 1–2;
    # each later step is the hour ending then, so 00:00's (23:00 → 00:00) is Jan 1's
    times = hourly(4, start=T0 + 22 * HOUR)
    daily = daily_returns(times, [0.1, 0.1, -0.5, 0.2])
    # Jan 1: 1.1 × 1.1 × 0.5 − 1 = −0.395; Jan 2: 0.2
    assert daily == pytest.approx([-0.395, 0.2], rel=1e-12)


def test_daily_returns_a_one_day_window_is_one_day() -> None:
    # [Jan 1 00:00, Jan 2 00:00]: 25 steps, 24 hours, all of them Jan 1's
    daily = daily_returns(hourly(25), [0.0] + [0.001] * 24)
    assert daily == pytest.approx([1.001**24 - 1], rel=1e-12)


def test_daily_returns_decreasing_times_raise() -> None:
    with pytest.raises(InvalidOperationError, match="increasing"):
        daily_returns([T0 + HOUR, T0], [0.0, 0.0])


def four_day_run() -> npt.NDArray[np.float64]:
    """Daily returns +1 %, −2 %, +3 %, 0 %, each made in the first hour of its day."""
    levels = 100.0 * np.cumprod([1.01, 0.98, 1.03, 1.0])
    return np.repeat(levels, 24)


def test_volatility_sharpe_sortino_from_four_days_by_hand() -> None:
    result = compute(100.0, four_day_run())
    # mean = (0.01 − 0.02 + 0.03 + 0) / 4 = 0.005
    # deviations 0.005, −0.025, 0.025, −0.005 → Σ² = 0.0013 → var (ddof 1) = 0.0013 / 3
    std = math.sqrt(0.0013 / 3)
    # downside: √((0 + 0.02² + 0 + 0) / 4) = 0.01
    assert result["volatility"] == pytest.approx(std * SQRT_365, rel=1e-9)
    assert result["sharpe"] == pytest.approx(0.005 / std * SQRT_365, rel=1e-9)
    assert result["sortino"] == pytest.approx(0.005 / 0.01 * SQRT_365, rel=1e-9)


def test_one_day_has_no_volatility_sharpe_or_sortino() -> None:
    result = compute(100.0, 100.0 * 1.001 ** np.arange(1, 25))
    assert result["volatility"] is None
    assert result["sharpe"] is None
    assert result["sortino"] is None


def test_no_negative_day_has_sharpe_but_no_sortino() -> None:
    equity = np.repeat(100.0 * np.cumprod([1.01, 1.02]), 24)
    result = compute(100.0, equity)
    # mean 0.015, std (ddof 1) of [0.01, 0.02] = 0.01 / √2
    assert result["sharpe"] == pytest.approx(0.015 / (0.01 / math.sqrt(2)) * SQRT_365, rel=1e-9)
    assert result["sortino"] is None


def test_flat_run_has_zero_volatility_and_no_ratios() -> None:
    result = compute(100.0, [100.0] * 72)
    assert result["volatility"] == 0.0
    assert result["sharpe"] is None
    assert result["sortino"] is None
    assert result["max_drawdown"] == 0.0
    assert result["max_drawdown_hours"] == 0.0
    assert result["calmar"] is None


# -- drawdown, calmar, turnover ----------------------------------------------------------------


def test_drawdown_recovered_path_by_hand() -> None:
    # 100 → 110 → 99 → 105 → 111: peak 110 (step 0), trough 99 (step 1), 111 ≥ 110 at step 3
    result = compute(100.0, [110.0, 99.0, 105.0, 111.0])
    assert result["max_drawdown"] == pytest.approx((110 - 99) / 110, rel=1e-12)  # 0.1
    assert result["max_drawdown_hours"] == 3.0
    # apy / 0.1 with apy = 1.11^(8760/4) − 1
    assert result["calmar"] == pytest.approx((1.11 ** (8760 / 4) - 1) / 0.1, rel=1e-9)


def test_drawdown_never_recovered_lasts_to_the_last_step() -> None:
    # 100 → 120 → 90 → 100: peak 120 at step 0, never regained; last step is 2
    result = compute(100.0, [120.0, 90.0, 100.0])
    assert result["max_drawdown"] == pytest.approx(0.25, rel=1e-12)
    assert result["max_drawdown_hours"] == 2.0


def test_drawdown_from_the_initial_equity_counts_from_before_step_zero() -> None:
    # peak is the initial 100 (W_{−1}); 90 then 95, never regained: steps −1 → 1 is 2 hours
    result = compute(100.0, [90.0, 95.0])
    assert result["max_drawdown"] == pytest.approx(0.1, rel=1e-12)
    assert result["max_drawdown_hours"] == 2.0


def test_drawdown_regained_exactly_ends_the_episode() -> None:
    # 100 → 90 → 100 → 101: the index regains 1.0 at step 1 up to rounding
    result = compute(100.0, [90.0, 100.0, 101.0])
    assert result["max_drawdown"] == pytest.approx(0.1, rel=1e-12)
    assert result["max_drawdown_hours"] == 2.0


def test_drawdown_is_measured_on_returns_not_on_withdrawals() -> None:
    # equity halves by a withdrawal with zero P&L: no drawdown at all
    result = compute(100.0, [100.0, 50.0, 51.0], flows=[0.0, -50.0, 0.0])
    assert result["max_drawdown"] == 0.0
    assert result["calmar"] is None


def test_turnover_is_traded_over_mean_equity() -> None:
    # Σ traded = 50 + 50 + 100 = 200, mean equity 100 → 2×; NaN means nothing traded
    result = compute(100.0, [100.0, 100.0, 100.0, 100.0], traded=[50.0, 50.0, 100.0, math.nan])
    assert result["turnover"] == 2.0


def test_fees_and_gas_are_passed_through() -> None:
    result = metrics(100.0, hourly(1), [100.0], [0.0], [0.0], 1.25, 0.5)
    assert result["fees_paid"] == 1.25
    assert result["gas_paid"] == 0.5


# -- attribution -------------------------------------------------------------------------------


def test_attribution_totals_sum_each_column_exactly() -> None:
    table = attribution_rows(
        {Category.FUNDING: 1e16, Category.GAS: -0.5, Category.FLOWS: 100.0},
        {Category.FUNDING: 1.0, Category.GAS: -0.25},
        {Category.FUNDING: -1e16},
    )
    totals = attribution_totals(table)
    assert list(totals) == [category.value for category in CATEGORIES]
    assert totals["funding"] == 1.0  # a naive float sum would give 0.0
    assert totals["gas"] == -0.75
    assert totals["flows"] == 100.0
    assert totals["price"] == 0.0


def test_attribution_totals_wrong_shape_raises() -> None:
    with pytest.raises(InvalidOperationError, match="shape"):
        attribution_totals(np.zeros((2, 3)))


def reconciling_run() -> RunResult:
    """1000 → 1000 → 1010 → 1510 with 500 deposited at step 2: P&L 10.

    Step 0: entry costs −1.5 fees −0.5 slippage offset by +2 price. Step 1: funding 9,
    supply 2, transfer fees −0.25, gas −0.75 = 10. Step 2: the deposit.
    """
    table = attribution_rows(
        {Category.TRADING_FEES: -1.5, Category.SLIPPAGE: -0.5, Category.PRICE: 2.0},
        {
            Category.FUNDING: 9.0,
            Category.SUPPLY_INTEREST: 2.0,
            Category.TRANSFER_FEES: -0.25,
            Category.GAS: -0.75,
        },
        {Category.FLOWS: 500.0},
    )
    return run(1000.0, [1000.0, 1010.0, 1510.0], [0.0, 0.0, 500.0], table)


def test_check_attribution_passes_when_it_reconciles() -> None:
    check_attribution(reconciling_run())


def test_check_attribution_passes_within_tolerance() -> None:
    result = reconciling_run()
    result.attribution[1, COLUMN[Category.FUNDING]] += 5e-4  # tolerance 1e-6 × 1000 = 1e-3
    check_attribution(result)


def test_check_attribution_mismatch_raises_with_the_numbers() -> None:
    result = reconciling_run()
    result.attribution[1, COLUMN[Category.FUNDING]] += 1.0  # P&L 11 against an equity gain of 10
    with pytest.raises(MechanicsError, match="attribution does not reconcile") as raised:
        check_attribution(result)
    message = str(raised.value)
    assert "= 11" in message and "= 10;" in message and "difference 1" in message
    assert raised.value.exit_code == 1


def test_summarize_builds_metrics_attribution_and_risk() -> None:
    summary = summarize(reconciling_run())
    # returns: 0, 1010/1000 − 1 = 1 %, (1510 − 1010 − 500) / 1510 = 0
    assert summary.metrics["total_return"] == pytest.approx(0.01, rel=1e-12)
    assert summary.metrics["fees_paid"] == 1.75  # trading 1.5 + transfer 0.25, slippage apart
    assert summary.metrics["gas_paid"] == 0.75
    assert summary.metrics["turnover"] == 0.0  # no `traded` series
    assert summary.attribution["funding"] == 9.0
    assert summary.attribution["flows"] == 500.0
    assert summary.risk["liquidations"] == 0


# -- risk --------------------------------------------------------------------------------------


def test_risk_summary_on_a_hand_made_series() -> None:
    nan = math.nan
    normal, drift, low = (
        STATE_CODES[RiskState.NORMAL],
        STATE_CODES[RiskState.DELTA_DRIFT],
        STATE_CODES[RiskState.HEALTH_FACTOR_LOW],
    )
    series = {
        "health_factor": np.array([nan, 1.8, 1.4, nan]),
        "margin_ratio:binance": np.array([0.5, 0.3, nan, 0.4]),
        "margin_ratio:okx": np.array([nan, nan, 0.35, 0.6]),
        "funding:binance": np.array([0.1, -5.0, 0.0, 0.0]),  # not a margin ratio
        "state": np.array([normal, drift, drift, low], dtype=np.float64),
    }
    # step 0 is the instant `start`; the three hours after it end in drift, drift, low
    events = (event(EventKind.LIQUIDATION), event(EventKind.TRADE), event(EventKind.LIQUIDATION))
    risk = risk_summary(series, events)
    assert risk == {
        "min_health_factor": 1.4,
        "min_margin_ratio": 0.3,
        "liquidations": 2,
        "hours_in_state": {
            "normal": 0.0,
            "delta_drift": 2.0,
            "health_factor_low": 1.0,
            "margin_critical": 0.0,
        },
    }


def test_risk_summary_without_series_is_none_and_zeros() -> None:
    risk = risk_summary({"health_factor": np.array([math.nan, math.nan])}, ())
    assert risk["min_health_factor"] is None
    assert risk["min_margin_ratio"] is None
    assert risk["liquidations"] == 0
    assert risk["hours_in_state"] == {state.value: 0.0 for state in RiskState}


def test_risk_summary_unknown_state_code_raises() -> None:
    with pytest.raises(InvalidOperationError, match="unknown risk state"):
        risk_summary({"state": np.array([0.0, 9.0])}, ())


# -- properties --------------------------------------------------------------------------------

positive = st.floats(min_value=1.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(initial=positive, equity=st.lists(positive, min_size=1, max_size=60))
def test_total_return_without_flows_is_final_over_initial(
    initial: float, equity: list[float]
) -> None:
    result = compute(initial, equity)
    assert result["total_return"] == pytest.approx(equity[-1] / initial - 1, rel=1e-9, abs=1e-12)


def grow(
    initial: float, returns: list[float], flow_fractions: list[float]
) -> tuple[list[float], list[float]]:
    """Equity and flows of a path: each step adds a fraction of equity, then earns its return."""
    equity: list[float] = []
    flows: list[float] = []
    previous = initial
    for r, fraction in zip(returns, flow_fractions, strict=True):
        flow = fraction * previous
        previous = (previous + flow) * (1 + r)
        equity.append(previous)
        flows.append(flow)
    return equity, flows


step = st.tuples(
    st.floats(min_value=-0.5, max_value=0.5),  # return
    st.floats(min_value=-0.5, max_value=1.0),  # flow as a fraction of equity
)


@settings(max_examples=200, deadline=None)
@given(
    initial=positive,
    steps=st.lists(step, min_size=1, max_size=40),
    data=st.data(),
    deposit=st.floats(min_value=0.01, max_value=2.0),
)
def test_inserting_a_zero_pnl_deposit_leaves_the_chained_return_unchanged(
    initial: float, steps: list[tuple[float, float]], data: st.DataObject, deposit: float
) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(steps)))
    returns = [r for r, _ in steps]
    fractions = [f for _, f in steps]
    equity, flows = grow(initial, returns, fractions)
    equity2, flows2 = grow(
        initial, [*returns[:at], 0.0, *returns[at:]], [*fractions[:at], deposit, *fractions[at:]]
    )

    chained = np.prod(1 + step_returns(initial, equity, flows))
    chained2 = np.prod(1 + step_returns(initial, equity2, flows2))
    assert chained2 == pytest.approx(chained, rel=1e-9)
    assert chained == pytest.approx(math.prod(1 + r for r in returns), rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(initial=positive, equity=st.lists(positive, min_size=1, max_size=60))
def test_max_drawdown_is_a_fraction_below_one(initial: float, equity: list[float]) -> None:
    drawdown = compute(initial, equity)["max_drawdown"]
    assert drawdown is not None
    assert 0.0 <= drawdown < 1.0
