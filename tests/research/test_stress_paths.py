"""Stress paths: generated in memory, each equal to the catalog-backed backtest of its seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from basis.config.market import load_market
from basis.data.catalog import Catalog, scenario_dataset
from basis.data.scenario import load_scenario, resolve, write_scenario
from basis.engine.backtest import Backtest, load_mode, run_backtest
from basis.errors import DataMissingError
from basis.model.result import RunResult
from basis.research.paths import MemoryCatalog, PathSpec, run_path
from tests.conftest import CONFIGS

YEARS = 0.03  # 263 hourly steps: enough for trades, funding, Aave accrual
MODE = "usdt_market_neutral"  # every input kind: perps, LST, Aave, gas, rewards


@pytest.fixture(scope="module")
def spec() -> PathSpec:
    scenario = resolve(load_scenario("default", CONFIGS), None, YEARS)
    return PathSpec(load_mode(CONFIGS, MODE, (), None), scenario, load_market(CONFIGS))


def assert_same_run(a: RunResult, b: RunResult) -> None:
    """Equal to the last bit: path, ledger, state series, events, summary."""
    assert (a.mode, a.dataset, a.start, a.end) == (b.mode, b.dataset, b.start, b.end)
    assert np.array_equal(a.times, b.times)
    assert np.array_equal(a.equity, b.equity)
    assert np.array_equal(a.attribution, b.attribution)
    assert a.series.keys() == b.series.keys()
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name], equal_nan=True), name
    assert a.events == b.events
    assert a.warnings == b.warnings
    assert a.summary == b.summary


def test_path_equals_the_backtest_of_the_scenario_written_with_that_seed(
    spec: PathSpec, tmp_path: Path
) -> None:
    seed = 23
    catalog = Catalog(tmp_path / "catalog")
    write_scenario(catalog, load_scenario("default", CONFIGS), spec.market, seed=seed, years=YEARS)
    stored = run_backtest(Backtest(MODE, scenario_dataset("default")), catalog, CONFIGS)
    path = run_path(spec, seed)
    assert_same_run(path, stored)
    assert path.config["scenario"] == {"name": "default", "seed": seed, "years": YEARS}
    assert path.summary is not None
    assert path.summary.attribution["funding"] != 0.0  # the path traded and settled funding


def test_same_seed_twice_gives_identical_runs(spec: PathSpec) -> None:
    first, second = run_path(spec, 4), run_path(spec, 4)
    assert first.run_id != second.run_id  # two runs ...
    assert_same_run(first, second)  # ... of one path


def test_different_seeds_give_different_markets_and_results(spec: PathSpec) -> None:
    a, b = run_path(spec, 4), run_path(spec, 5)
    assert a.times[0] == b.times[0] and len(a.times) == len(b.times)  # same window
    assert a.final_equity != b.final_equity
    assert not np.array_equal(a.equity, b.equity)


def test_memory_catalog_reads_what_a_disk_catalog_reads(spec: PathSpec, tmp_path: Path) -> None:
    disk, memory = Catalog(tmp_path / "catalog"), MemoryCatalog()
    write_scenario(disk, spec.scenario, spec.market)
    write_scenario(memory, spec.scenario, spec.market)
    dataset = scenario_dataset("default")
    assert memory.datasets() == disk.datasets() == [dataset]
    on_disk = {info.series: info for info in disk.series(dataset)}
    in_memory = {info.series: info for info in memory.series(dataset)}
    assert in_memory.keys() == on_disk.keys()
    for name, info in in_memory.items():
        assert info.rows == on_disk[name].rows
        assert (info.start, info.end, info.kind) == (
            on_disk[name].start,
            on_disk[name].end,
            on_disk[name].kind,
        )
        assert memory.read(dataset, name).equals(disk.read(dataset, name)), name
    assert memory.read_params(dataset, "scenario") == disk.read_params(dataset, "scenario")


def test_memory_catalog_names_what_it_has_when_a_series_is_missing(spec: PathSpec) -> None:
    memory = MemoryCatalog()
    with pytest.raises(DataMissingError, match="available: none"):
        memory.info("scenario:default", "binance:perp:ETHUSDT")
    write_scenario(memory, spec.scenario, spec.market)
    with pytest.raises(DataMissingError, match="no series 'binance:perp:XRPUSDT'"):
        memory.read("scenario:default", "binance:perp:XRPUSDT")
