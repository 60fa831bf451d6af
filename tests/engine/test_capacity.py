"""Aave's reserves bound the book: sizes, records and spans when a reserve is nearly lent out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from basis.data.catalog import Catalog
from basis.engine.backtest import load_mode
from basis.engine.inputs import Inputs
from basis.engine.kernel import build_kernel
from basis.engine.loop import run
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
    assert f"of {wanted:,.6g}" in state.limits["WETH borrow"]


def test_a_run_on_a_lent_out_reserve_trades_what_it_allows_and_says_so(catalog: Catalog) -> None:
    inputs = with_reserve(inputs_for(catalog, "eth_leveraged"), "WETH", *LENT_OUT)
    result = run_on("eth_leveraged", inputs)

    assert not [e for e in result.events if e.kind is EventKind.REJECTED]
    limits = [e for e in result.events if e.kind is EventKind.CAPACITY]
    assert limits and "loop entry borrows 99.95" in limits[0].detail  # 100 / 1.0005
    assert result.summary is not None
    assert result.summary.metrics["capacity_limited_hours"] >= 1
    assert any("Aave's reserves limited the book" in w for w in result.warnings)
    # the loop never levers past what 100 WETH of debt allows: LTV ≈ 100 / (capital + 100)
    config = load_mode(CONFIGS, "eth_leveraged", (), None)
    ceiling = 100.0 / (config.initial_capital + 99.9) * 1.01  # interest and rate drift
    assert np.nanmax(result.series["ltv"]) < ceiling < config.effective_target_ltv


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
