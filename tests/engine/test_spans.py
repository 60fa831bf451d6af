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
from basis.model.result import RunResult
from basis.strategies import MODES, build
from tests.conftest import CONFIGS

from .stubs import CRASH, DEFAULT, inputs_for, market, utc, with_data


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
    "mode", ["usdt_market_neutral", "eth_leveraged", "btc_basis", "pure_lending_usdt"]
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


@pytest.mark.parametrize("mode", ["pure_lending_usdt", "btc_basis", "usdt_market_neutral"])
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
