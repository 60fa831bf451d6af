"""Aave's reserves bound the book: sizes, records and spans when a reserve is nearly lent out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from basis.book import factors as f
from basis.data.catalog import Catalog
from basis.engine.backtest import load_mode
from basis.engine.execution import SimulatedExecution
from basis.engine.inputs import Inputs
from basis.engine.kernel import build_kernel
from basis.engine.loop import run
from basis.engine.own_rates import OwnRates
from basis.mechanics import aave
from basis.model.orders import Aave, Group
from basis.model.reserves import ReservePath
from basis.model.result import EventKind
from basis.strategies import build, loop
from tests.conftest import CONFIGS

from .stubs import inputs_for, market, run_on, with_data
from .test_spans import assert_same_run

LENT_OUT = (1_000.0, 900.0)  # WETH supplied and borrowed: 100 WETH left to lend


def with_reserve(inputs: Inputs, asset: str, supply: float, debt: float) -> Inputs:
    """`inputs` with `asset`'s reserve held at `supply` and `debt` every hour."""
    data = inputs.data
    path = ReservePath(np.full(data.steps, supply), np.full(data.steps, debt))
    return with_data(inputs, replace(data, reserves={**data.reserves, asset: path}))


def test_a_loop_entry_borrows_no_more_than_the_reserve_lends(catalog: Catalog) -> None:
    inputs = with_reserve(inputs_for(catalog, "eth_leveraged"), "WETH", *LENT_OUT)
    config = load_mode(CONFIGS, "eth_leveraged", (), None)
    snap = inputs.data.snapshot(0)
    kernel = build_kernel(config, market(), inputs.venues, snap)
    kernel.deposit(config.initial_capital, snap)
    state = kernel.state(snap)
    assert state.room("WETH").borrow == 100.0  # 1,000 − 900, the book owing nothing yet

    orders = loop.enter(state, config.lst, config.initial_capital, config.effective_target_ltv)

    group = next(o for o in orders if isinstance(o, Group))
    borrowed = sum(o.amount for o in group.orders if isinstance(o, Aave) and o.action == "borrow")
    # the flash loan is 100 / (1 + fee), and its repayment, borrowed from Aave, is 100 WETH
    assert borrowed == pytest.approx(100.0, rel=1e-12)
    assert list(state.limits) == ["WETH borrow"]
    ltv = config.effective_target_ltv
    wanted = config.initial_capital * ltv / (1 - ltv)
    assert f"of {wanted:,.2f} WETH" in state.limits["WETH borrow"]


def test_a_run_on_a_lent_out_reserve_trades_what_it_allows_and_says_so(catalog: Catalog) -> None:
    inputs = with_reserve(inputs_for(catalog, "eth_leveraged"), "WETH", *LENT_OUT)
    result = run_on("eth_leveraged", inputs)

    assert not [e for e in result.events if e.kind is EventKind.REJECTED]
    limits = [e for e in result.events if e.kind is EventKind.CAPACITY]
    assert limits and "loop entry borrows 99.95" in limits[0].detail  # 100 / 1.0005
    assert result.summary is not None
    # The loop stays below its band, so every decision (all steps but the end) is cut;
    # the limit is on record once, not once an hour.
    assert len(limits) == 1
    assert result.summary.metrics["capacity_limited_hours"] == len(result.times) - 1
    assert any("Aave's reserves limited the book" in w for w in result.warnings)
    # the loop levers no further than 100 WETH of debt allows: LTV ≈ 100 / (capital + 100),
    # and then pays the curve's top rate for the reserve's last liquidity (`OwnRates`)
    config = load_mode(CONFIGS, "eth_leveraged", (), None)
    ltv = result.series["ltv"]
    entry = ltv[np.flatnonzero(~np.isnan(ltv))[0]]
    assert entry == pytest.approx(100.0 / (config.initial_capital + 99.95), rel=2e-3)
    assert np.nanmax(ltv) < config.effective_target_ltv


def test_the_last_liquidity_of_a_reserve_is_lent_at_the_top_of_its_rate_curve(
    catalog: Catalog,
) -> None:
    inputs = with_reserve(inputs_for(catalog, "eth_leveraged"), "WETH", *LENT_OUT)
    data = replace(
        inputs.data, borrow_apr={**inputs.data.borrow_apr, "WETH": np.full(inputs.data.steps, 0.03)}
    )
    config = load_mode(CONFIGS, "eth_leveraged", (), None)
    first = data.snapshot(0)
    kernel = build_kernel(config, market(), inputs.venues, first)
    kernel.deposit(config.initial_capital, first)
    orders = loop.enter(kernel.state(first), config.lst, 299.0, config.effective_target_ltv)
    filled = SimulatedExecution(kernel.book).execute(orders, first)
    assert not [e for e in filled if e.kind is EventKind.REJECTED], filled

    stepped, spanned = (OwnRates(kernel.book, market().aave.rate_models) for _ in range(2))
    for k in range(25):
        stepped.marks(data.snapshot(k))
    spanned.marks(first)
    path = spanned.path(data, 1, 25)

    # U = 900/1,000 = 0.9, the kink: k(U) = 2.7 %. The book owes the last 100 WETH, so
    # U' = 1: k(U') = 2.7 % + 80 % and the debt grows at 3 % + 80 % instead of 3 %.
    hour = (
        aave.borrow_growth(np.array([0.83]), 3600.0) / aave.borrow_growth(np.array([0.03]), 3600.0)
    )[0]
    debt = f.borrow_index("WETH")
    assert stepped.multiplier[debt] == pytest.approx(hour**24, rel=1e-12)
    assert path[debt][-1] == stepped.multiplier[debt]  # the span path's floats are the steps'
    assert stepped.multiplier[f.liquidity_index("weETH")] != 1.0  # its supply moves weETH's


def test_a_small_book_on_a_deep_reserve_is_never_limited(catalog: Catalog) -> None:
    result = run_on("eth_leveraged", inputs_for(catalog, "eth_leveraged"))
    assert result.summary is not None
    assert result.summary.metrics["capacity_limited_hours"] == 0
    assert not [e for e in result.events if e.kind is EventKind.CAPACITY]


@pytest.mark.parametrize("mode", ["eth_leveraged", "usdt_market_neutral"])
def test_spans_equal_the_reference_loop_on_a_lent_out_reserve(catalog: Catalog, mode: str) -> None:
    inputs = with_reserve(inputs_for(catalog, mode), "WETH", *LENT_OUT)
    reference, spans = (
        run(build(load_mode(CONFIGS, mode, (), None), market()), inputs, market(), reference=r)
        for r in (True, False)
    )
    assert [e for e in reference.events if e.kind is EventKind.CAPACITY]
    assert_same_run(reference, spans)


def test_a_deleverage_too_large_for_the_dex_sells_what_raises_the_health_factor(
    catalog: Catalog,
) -> None:
    # A 20,000 ETH loop at LTV ≈ 0.87 on an unbounded reserve: delevering it to 0.5 would
    # sell ~$300M of weETH, where the DEX curve (35 bp at $1M, +8 bp per $0.9M beyond) costs
    # more than the LTV leaves; the sale is cut where it still frees more than it costs.
    inputs = inputs_for(catalog, "eth_leveraged")
    data = replace(inputs.data, reserves={})
    config = load_mode(CONFIGS, "eth_leveraged", (), None)
    first = data.snapshot(0)
    kernel = build_kernel(config, market(), inputs.venues, first)
    kernel.deposit(20_000.0, first)
    execution = SimulatedExecution(kernel.book)
    entry = loop.enter(kernel.state(first), config.lst, 19_990.0, config.effective_target_ltv)
    assert not [e for e in execution.execute(entry, first) if e.kind is EventKind.REJECTED]
    state = kernel.state(first)
    before = state.risk.aave[0].health_factor

    orders = loop.delever(state, loop.loop_state(state, config.lst), 0.5)

    assert list(state.limits) == [f"{config.lst} sale"]
    filled = execution.execute(orders, first)
    assert not [e for e in filled if e.kind is EventKind.REJECTED], filled
    after = kernel.state(first).risk.aave[0].health_factor
    assert after > before
