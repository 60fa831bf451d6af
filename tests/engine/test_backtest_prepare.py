"""`prepare` + `execute` is `run_backtest`: the same run, and a `Prepared` can run twice."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from basis.data.catalog import REAL, Catalog
from basis.engine.backtest import Backtest, execute, prepare, run_backtest
from basis.errors import DataMissingError
from basis.model.result import RunResult
from tests.conftest import CONFIGS

from .stubs import DEFAULT, utc

# Three weeks: 21 × 24 = 504 hourly steps, with 63 eight-hourly funding settlements.
START, END = utc(2024, 2, 26), utc(2024, 3, 18)
STEPS = 21 * 24


def assert_same_run(a: RunResult, b: RunResult) -> None:
    """Every field equal bit for bit, except the run id (a fresh uuid per run)."""
    assert a.run_id != b.run_id
    for name in (f.name for f in fields(RunResult)):
        first, second = getattr(a, name), getattr(b, name)
        if name == "run_id":
            continue
        if isinstance(first, np.ndarray):
            np.testing.assert_array_equal(first, second, err_msg=name)
        elif name == "series":
            assert first.keys() == second.keys()
            for key in first:
                np.testing.assert_array_equal(first[key], second[key], err_msg=key)
        elif name == "summary":
            assert repr(first) == repr(second)  # NaN metrics compare equal by repr only
        else:
            assert first == second, name


@pytest.mark.parametrize("mode", ["usdt_market_neutral", "funding_arbitrage"])
def test_prepare_then_execute_twice_equals_run_backtest(catalog: Catalog, mode: str) -> None:
    # funding_arbitrage keeps a trailing funding history in its strategy object: executing
    # the same Prepared twice only matches because execute builds a fresh strategy.
    request = Backtest(mode, DEFAULT, START, END)
    prepared = prepare(request, catalog, CONFIGS)
    first, second = execute(prepared), execute(prepared)
    reference = run_backtest(request, catalog, CONFIGS)
    assert first.times.shape == (STEPS,)
    assert_same_run(first, reference)
    assert_same_run(second, reference)


def test_prepare_loads_the_window_and_records_the_request(catalog: Catalog) -> None:
    request = Backtest("btc_basis", DEFAULT, START, END, overrides=("delta_tolerance=0.01",))
    prepared = prepare(request, catalog, CONFIGS)
    assert prepared.steps == STEPS
    assert prepared.inputs.data.times[0] == int(START.timestamp())
    assert prepared.inputs.data.times[-1] == int(END.timestamp()) - 3600
    assert prepared.config.delta_tolerance == 0.01
    assert prepared.record["dataset"] == DEFAULT
    assert prepared.record["overrides"] == ["delta_tolerance=0.01"]
    assert prepared.record["venues"] == list(prepared.inputs.venues)
    assert prepared.record["mode"] == prepared.config.model_dump(mode="json")


def test_a_result_owns_its_config_record(catalog: Catalog) -> None:
    prepared = prepare(Backtest("pure_lending_usdt", DEFAULT, START, END), catalog, CONFIGS)
    result = execute(prepared)
    result.config["overrides"].append("changed")
    assert prepared.record["overrides"] == []
    assert execute(prepared).config["overrides"] == []


def test_funding_arbitrage_on_missing_real_data_falls_back_to_the_scenario(
    catalog: Catalog,
) -> None:
    # The session catalog has no `real` dataset: the arbitrage mode runs on scenario:default
    # and says so first among its warnings; any other mode fails naming the dataset.
    prepared = prepare(Backtest("funding_arbitrage", REAL, START, END), catalog, CONFIGS)
    assert prepared.inputs.data.dataset == DEFAULT
    assert prepared.record["dataset"] == DEFAULT
    assert prepared.inputs.warnings[0].startswith("funding_arbitrage ran on scenario:default")
    assert execute(prepared).warnings[0] == prepared.inputs.warnings[0]
    with pytest.raises(DataMissingError, match="dataset 'real' is not in the catalog"):
        prepare(Backtest("btc_basis", REAL, START, END), catalog, CONFIGS)
