"""The window [start, end] (docs/mechanics.md, "The window"): the book is valued at `end`,
everything that accrues or settles in (start, end] is booked and nothing after it, nothing
is decided at `end`, and APR's years are (end − start) / 365 days. Worked by hand on
scenario data whose rates, indices and funding are set here."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from basis.book.ledger import Category
from basis.data.catalog import Catalog
from basis.engine.backtest import load_mode
from basis.engine.inputs import Inputs
from basis.engine.loop import run
from basis.model.market import MarketData
from basis.model.result import EventKind
from basis.model.span import Bools, SpanView
from basis.strategies import Intent, State, Strategy, build
from tests.conftest import CONFIGS

from .stubs import DEFAULT, backtest, column, inputs_for, market, perp_fills, run_on, utc, with_data

START, END = utc(2024, 2, 1), utc(2024, 2, 2)  # one day: 25 steps, 24 hours
HOUR = timedelta(hours=1)
BINANCE_ONLY = ("hedge_allocation={binance: 1.0}",)
PERP = "mark:binance:perp:BTCUSDT"


def test_a_one_day_window_has_both_ends_as_steps(catalog: Catalog) -> None:
    result = backtest(catalog, "pure_lending_usdt", start=START, end=END)
    assert len(result.times) == 25
    assert (result.start, result.end) == (START, END)
    assert result.times[0] == START.timestamp() and result.times[-1] == END.timestamp()


# -- interest: the last hour is the window's ---------------------------------------------------


def linear_index(data: MarketData, per_hour: float) -> MarketData:
    """`data` with Aave's USDT liquidity index 1 + per_hour × k at step k (its linear
    accrual at an APR of per_hour × 8760)."""
    values = data.values.copy()
    values[:, data.names.index("liquidity_index:aave_v3:USDT")] = 1.0 + per_hour * np.arange(
        data.steps
    )
    return replace(data, values=values, reserves={})  # a price-taker: no own-rate effect


def test_the_last_hours_interest_is_booked_and_apr_counts_the_windows_hours(
    catalog: Catalog,
) -> None:
    # An 8.76 % APR supply rate is 1e-5 an hour: the index is 1 at START and 1.00024 at END.
    # The whole balance S is supplied at START (step 0, at index 1), so each hour earns
    # S × 1e-5 and the last, 23:00 → 00:00, is booked at END like every other.
    inputs = inputs_for(catalog, "pure_lending_usdt", DEFAULT, START, END)
    result = run_on("pure_lending_usdt", with_data(inputs, linear_index(inputs.data, 1e-5)))
    supplied = next(e for e in result.events if e.detail.startswith("aave supply"))
    hourly = supplied.size * 1e-5  # 999,977 USDT × 1e-5 ≈ 10.00 USDT
    interest = column(result, Category.SUPPLY_INTEREST)
    assert interest[0] == 0.0  # step 0 is the instant START
    np.testing.assert_allclose(interest[1:], hourly, rtol=1e-9)
    assert result.equity[-1] - result.equity[-2] == pytest.approx(hourly, rel=1e-9)
    assert math.fsum(interest) == pytest.approx(24 * hourly, rel=1e-9)
    # APR: the day's return over 24 h / 8760 h, not over its 25 steps.
    metrics = result.summary.metrics
    total = result.equity[-1] / result.initial_equity - 1.0
    assert metrics["total_return"] == pytest.approx(total, rel=1e-12)
    assert metrics["apr"] == pytest.approx(total * 365.0, rel=1e-12)
    # ≈ 8.76 % less the entry's gas, which one day annualises 365 times.
    gas = result.initial_equity - result.equity[0]
    assert metrics["apr"] == pytest.approx((24 * hourly - gas) / result.initial_equity * 365)


# -- funding: at the end hour booked, after it not ---------------------------------------------


def with_rates(inputs: Inputs, rates: dict[int, float]) -> Inputs:
    """`inputs` whose one funding feed settles at exactly the steps of `rates`, at them."""
    (feed,) = inputs.data.funding
    rate = np.full(inputs.data.steps, np.nan)
    settles = np.zeros(inputs.data.steps, dtype=bool)
    for k, value in rates.items():
        rate[k], settles[k] = value, True
    return with_data(
        inputs, replace(inputs.data, funding=(replace(feed, rate=rate, settles=settles),))
    )


def test_funding_at_the_end_hour_is_booked_and_one_hour_after_it_is_not(
    catalog: Catalog,
) -> None:
    # btc_basis hedged on binance alone: short the BTC perp from START. Settlements at
    # 00:00 (START: nothing held yet), 08:00, 16:00 and 00:00 (END), and, in the longer
    # window only, one at END + 1 h at a rate of 1 %.
    rates = {0: 4e-4, 8: 1e-4, 16: 2e-4, 24: 3e-4}
    day = with_rates(inputs_for(catalog, "btc_basis", DEFAULT, START, END, BINANCE_ONLY), rates)
    longer = with_rates(
        inputs_for(catalog, "btc_basis", DEFAULT, START, END + HOUR, BINANCE_ONLY),
        {**rates, 25: 1e-2},
    )
    np.testing.assert_array_equal(longer.data.values[:25], day.data.values)
    result = run_on("btc_basis", day, BINANCE_ONLY)
    after = run_on("btc_basis", longer, BINANCE_ONLY)

    ((_, size),) = next(iter(perp_fills(result).values()))  # one fill: the short at START
    assert size < 0.0
    mark = day.data.values[:, day.data.names.index(PERP)]
    # payment = −size × mark × rate: a short receives a positive rate
    paid = {k: -size * mark[k] * rate for k, rate in rates.items() if k}
    funding = result.series["funding:binance"]
    assert funding[0] == 0.0
    assert {k: funding[k] for k in paid} == pytest.approx(paid, rel=1e-12)
    assert funding[24] > 0.0  # the settlement at END is the window's
    assert math.fsum(column(result, Category.FUNDING)) == pytest.approx(
        math.fsum(paid.values()), rel=1e-12
    )
    # The longer window books the same up to END, then the settlement one hour after it,
    # which the day's run never sees.
    np.testing.assert_array_equal(after.series["funding:binance"][:25], funding)
    assert after.series["funding:binance"][25] != 0.0
    np.testing.assert_array_equal(after.equity[:24], result.equity[:24])


# -- rewards: a payout at the end hour booked, at the start hour not ---------------------------


def rewards(catalog: Catalog, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    result = backtest(catalog, "eth_staking_only", DEFAULT, start, end)
    return [(e.time, e.size) for e in result.events if e.kind is EventKind.REWARDS]


def test_a_reward_payout_at_the_end_hour_is_booked_and_at_the_start_hour_not(
    catalog: Catalog,
) -> None:
    # The 2024-01-08 00:00 payout covers [01-01, 01-08): a day staked from 01-07 holds for
    # one seventh of it and is paid at the window's end; a window starting at the payout
    # holds nothing before its first step and is paid nothing.
    payout = utc(2024, 1, 8)
    ((at, paid),) = rewards(catalog, payout - timedelta(days=1), payout)
    assert at == payout and paid > 0.0
    assert rewards(catalog, payout, payout + timedelta(days=1)) == []


# -- decisions: every hour but the end ---------------------------------------------------------


def asking(strategy: Strategy, asked: list[datetime], acts_from: datetime) -> None:
    """Record the times `strategy` is asked at; from `acts_from` on it would always act."""
    decide = strategy.decide

    def recording(state: State) -> list[Intent]:
        asked.append(state.snapshot.time)
        if state.snapshot.time >= acts_from:
            return [Intent(EventKind.REBALANCE, "a decision near the end", ())]
        return decide(state)

    strategy.decide = recording  # type: ignore[method-assign]


def test_nothing_is_decided_at_the_end_of_the_window(catalog: Catalog) -> None:
    """A trade at END would pay its costs for a benefit after the window: the strategy is
    asked at every step but that one."""
    inputs = inputs_for(catalog, "pure_lending_usdt", DEFAULT, START, END)
    strategy = build(load_mode(CONFIGS, "pure_lending_usdt", (), None), market())
    asked: list[datetime] = []
    asking(strategy, asked, acts_from=END - HOUR)
    result = run(strategy, inputs, market(), reference=True)
    assert asked == [inputs.data.time(k) for k in range(24)]  # START … END − 1 h
    noted = [e.time for e in result.events if e.detail == "a decision near the end"]
    assert noted == [END - HOUR]
    assert result.series["traded"][-1] == 0.0


def test_a_span_reaching_the_end_books_it_without_asking(catalog: Catalog) -> None:
    """A strategy whose `quiet` would let it act at END: the span still books END (nothing
    is decided there), and the run is the reference loop's."""
    inputs = inputs_for(catalog, "pure_lending_usdt", DEFAULT, START, END)
    runs = []
    for reference in (True, False):
        strategy = build(load_mode(CONFIGS, "pure_lending_usdt", (), None), market())
        quiet = strategy.quiet

        def restless(view: SpanView, quiet: Any = quiet) -> Bools | None:
            proof = quiet(view)
            return None if proof is None else proof & (view.times != int(END.timestamp()))

        strategy.quiet = restless  # type: ignore[method-assign]
        asked: list[datetime] = []
        asking(strategy, asked, acts_from=END)
        runs.append(run(strategy, inputs, market(), reference=reference))
        assert END not in asked
    reference_run, spans = runs
    assert [e.detail for e in spans.events] == [e.detail for e in reference_run.events]
    np.testing.assert_allclose(spans.equity, reference_run.equity, rtol=1e-12)
