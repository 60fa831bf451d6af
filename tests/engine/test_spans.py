"""The span engine gives the same run as the per-step reference loop, for every mode.

Same events (time, kind, subject, detail, size, value, cost) in the same order, the same
equity at every step, the same recorded series, and attribution equal up to float
summation order. Scenario data here; the real window in test_realdata.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.data.catalog import Catalog
from basis.engine.backtest import load_flows, load_mode
from basis.engine.loop import run
from basis.errors import InvalidOperationError
from basis.model.result import EventKind, RunResult
from basis.strategies import MODES, Intent, State, build
from tests.conftest import CONFIGS

from .stubs import CRASH, DEFAULT, inputs_for, market, utc, with_data

ARBITRAGE = ("funding_arbitrage.entry_spread_apr=0.0", "funding_arbitrage.exit_spread_apr=-0.01")
"""Thresholds at which `funding_arbitrage` enters and exits every few days."""


def run_both(
    catalog: Catalog,
    mode: str,
    dataset: str = DEFAULT,
    overrides: Sequence[str] = (),
    flows: Path | None = None,
) -> tuple[RunResult, RunResult]:
    """(reference, spans) runs of one request, each with a freshly built strategy."""
    inputs = inputs_for(catalog, mode, dataset, overrides=overrides)
    results = []
    for reference in (True, False):
        strategy = build(load_mode(CONFIGS, mode, overrides, None), market())
        results.append(run(strategy, inputs, market(), load_flows(flows), reference=reference))
    return results[0], results[1]


def assert_same_run(reference: RunResult, spans: RunResult) -> None:
    def events(result: RunResult) -> list[tuple[object, ...]]:
        return [
            (e.time, e.kind, e.account, e.subject, e.detail, e.size, e.value, e.cost)
            for e in result.events
        ]

    assert events(spans) == events(reference)
    assert spans.warnings == reference.warnings
    np.testing.assert_array_equal(spans.flows, reference.flows)
    np.testing.assert_allclose(spans.equity, reference.equity, rtol=1e-12)
    scale = abs(reference.initial_equity)
    np.testing.assert_allclose(spans.attribution, reference.attribution, rtol=0, atol=1e-9 * scale)
    assert spans.series.keys() == reference.series.keys()
    for name, values in reference.series.items():
        np.testing.assert_allclose(spans.series[name], values, rtol=1e-9, atol=1e-12, err_msg=name)
    assert spans.summary is not None and reference.summary is not None
    assert spans.summary.risk == reference.summary.risk


@pytest.mark.parametrize("mode", MODES)
def test_spans_equal_the_reference_loop_on_the_default_scenario(
    catalog: Catalog, mode: str
) -> None:
    assert_same_run(*run_both(catalog, mode))


@pytest.mark.parametrize(
    "mode",
    ["usdt_market_neutral", "eth_leveraged", "btc_basis", "pure_lending_usdt", "funding_arbitrage"],
)
def test_spans_equal_the_reference_loop_through_a_crash(catalog: Catalog, mode: str) -> None:
    reference, spans = run_both(catalog, mode, CRASH)
    assert_same_run(reference, spans)


@pytest.mark.parametrize("mode", ["btc_basis", "eth_basis"])
@pytest.mark.parametrize("dataset", [DEFAULT, CRASH])
def test_spans_equal_the_reference_loop_on_unified_margin(
    catalog: Catalog, mode: str, dataset: str
) -> None:
    """The unified basis book trades on bands and a stressed balance: spans prove it quiet."""
    reference, spans = run_both(catalog, mode, dataset, overrides=("margin_model=unified",))
    assert_same_run(reference, spans)
    assert sum(e.kind.value == "trade" for e in reference.events) > 4  # it did rebalance


@pytest.mark.parametrize("mode", ["eth_leveraged", "usdt_market_neutral"])
@pytest.mark.parametrize("dataset", [DEFAULT, CRASH])
def test_spans_equal_the_reference_loop_while_leverage_follows_carry(
    catalog: Catalog, mode: str, dataset: str
) -> None:
    """The carry target moves every hour with the trailing spread (`carry_leverage`); the
    loops' `quiet` proof reads it along the span (`SpanView.mark_history`): the runs agree."""
    overrides = ("carry_leverage=true", "carry_window_hours=72", "carry_full_spread=0.02")
    reference, spans = run_both(catalog, mode, dataset, overrides=overrides)
    assert_same_run(reference, spans)
    assert sum("carry target" in e.detail for e in reference.events) > 4  # it did move


@pytest.mark.parametrize(
    "mode", ["pure_lending_usdt", "btc_basis", "usdt_market_neutral", "funding_arbitrage"]
)
def test_spans_equal_the_reference_loop_with_flows(
    catalog: Catalog, mode: str, tmp_path: Path
) -> None:
    flows = tmp_path / "flows.yaml"
    schedule = [
        {"time": utc(2024, 1, 20, 5).isoformat(), "amount": 250_000.0},
        {"time": utc(2024, 2, 10, 13).isoformat(), "amount": -400_000.0},
    ]
    flows.write_text(yaml.safe_dump({"flows": schedule}))
    assert_same_run(*run_both(catalog, mode, flows=flows))


@settings(max_examples=6, deadline=None)
@given(
    mode=st.sampled_from(["btc_basis", "usdt_market_neutral_no_leverage", "eth_leveraged"]),
    threshold=st.sampled_from([0.005, 0.01, 0.05]),
    tolerance=st.sampled_from([0.001, 0.005, 0.02]),
)
def test_spans_equal_the_reference_loop_for_any_thresholds(
    catalog: Catalog, mode: str, threshold: float, tolerance: float
) -> None:
    """Tight and loose bands move the steps at which strategies act: the runs still agree."""
    overrides = (f"rebalance_threshold={threshold}", f"delta_tolerance={tolerance}")
    assert_same_run(*run_both(catalog, mode, overrides=overrides))


@pytest.mark.parametrize("dataset", [DEFAULT, CRASH])
def test_funding_arbitrage_spans_equal_the_reference_loop_while_it_trades_often(
    catalog: Catalog, dataset: str, tmp_path: Path
) -> None:
    """Low thresholds make it enter and exit every few days (and be open at the flows), and
    `margin_critical` 0.98 halve both legs on a small price move: its `quiet` proof skips
    the hours between, and the runs still agree."""
    flows = tmp_path / "flows.yaml"
    schedule = [
        {"time": utc(2024, 1, 20, 5).isoformat(), "amount": 250_000.0},
        {"time": utc(2024, 2, 10, 13).isoformat(), "amount": -400_000.0},
    ]
    flows.write_text(yaml.safe_dump({"flows": schedule}))
    overrides = (*ARBITRAGE, "margin_critical=0.98")
    reference, spans = run_both(catalog, "funding_arbitrage", dataset, overrides, flows)
    assert_same_run(reference, spans)
    assert sum(e.detail.startswith("enter") for e in reference.events) > 10
    assert any(e.kind is EventKind.MARGIN_TOP_UP for e in reference.events)


@settings(max_examples=8, deadline=None)
@given(
    dataset=st.sampled_from([DEFAULT, CRASH]),
    spreads=st.sampled_from([(0.0, -0.01), (0.02, 0.0), (0.05, 0.01), (0.01, 0.005)]),
    critical=st.sampled_from([0.15, 0.9, 0.98]),
)
def test_funding_arbitrage_spans_equal_the_reference_loop_for_any_thresholds(
    catalog: Catalog, dataset: str, spreads: tuple[float, float], critical: float
) -> None:
    """Entry and exit spreads move the steps at which it trades; a `margin_critical` near 1
    makes it halve both legs on small price moves. The runs still agree."""
    entry, exit_ = spreads
    overrides = (
        f"funding_arbitrage.entry_spread_apr={entry}",
        f"funding_arbitrage.exit_spread_apr={exit_}",
        f"margin_critical={critical}",
    )
    assert_same_run(*run_both(catalog, "funding_arbitrage", dataset, overrides))


def test_funding_arbitrage_decides_only_the_steps_its_quiet_proof_leaves(catalog: Catalog) -> None:
    """On the span path the strategy is asked at a small share of the hours."""
    inputs = inputs_for(catalog, "funding_arbitrage", overrides=ARBITRAGE)
    strategy = build(load_mode(CONFIGS, "funding_arbitrage", ARBITRAGE, None), market())
    asked: list[int] = []
    decide = strategy.decide

    def counted(state: State) -> list[Intent]:
        asked.append(state.snapshot.step)
        return decide(state)

    strategy.decide = counted  # type: ignore[method-assign]
    result = run(strategy, inputs, market())
    trades = sum(e.kind.value == "trade" for e in result.events)
    assert trades > 20
    assert len(asked) < inputs.data.steps / 10


@pytest.mark.parametrize("bad", [0.0, float("nan")])
def test_a_bad_mark_inside_a_span_fails_the_run_as_the_reference_does(
    catalog: Catalog, bad: float
) -> None:
    """ETH at 0 (or NaN) from hour 72: both loops refuse the mark with the same error."""
    inputs = inputs_for(catalog, "pure_lending_usdt")
    values = inputs.data.values.copy()
    values[72:, inputs.data.names.index("price:ETH")] = bad
    broken = with_data(inputs, replace(inputs.data, values=values))
    messages = []
    for reference in (True, False):
        strategy = build(load_mode(CONFIGS, "pure_lending_usdt", (), None), market())
        with pytest.raises(InvalidOperationError) as error:
            run(strategy, broken, market(), reference=reference)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert "price:ETH" in messages[1]


@pytest.mark.parametrize("reference", [True, False])
def test_progress_is_reported_in_order_at_most_about_200_times_and_ends_at_the_last_step(
    catalog: Catalog, reference: bool
) -> None:
    inputs = inputs_for(catalog, "btc_basis")
    calls: list[tuple[int, int]] = []
    strategy = build(load_mode(CONFIGS, "btc_basis", (), None), market())
    run(strategy, inputs, market(), reference=reference, progress=lambda *c: calls.append(c))
    steps = inputs.data.steps
    done = [d for d, _ in calls]
    assert done == sorted(set(done)) and done[-1] == steps
    assert all(total == steps for _, total in calls)
    assert len(calls) <= 201
