"""`prepare` + `execute` is `run_backtest`: the same run, and a `Prepared` can run twice."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from basis.data.catalog import REAL, Catalog, SeriesFrame
from basis.engine.backtest import Backtest, execute, prepare, run_backtest
from basis.errors import ConfigError, DataMissingError
from basis.model.result import RunResult
from tests.conftest import CONFIGS

from .stubs import DEFAULT, utc

# Three weeks, [START, END] with both ends: 21 × 24 + 1 = 505 hourly steps (504 hours),
# with 63 eight-hourly funding settlements after the start, the one at END included.
START, END = utc(2024, 2, 26), utc(2024, 3, 18)
STEPS = 21 * 24 + 1


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
    # Strategies keep per-run state (hedge weights, a directional model): executing the
    # same Prepared twice only matches because execute builds a fresh strategy.
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
    assert prepared.inputs.data.times[-1] == int(END.timestamp())  # valued at its end
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


def test_missing_real_data_fails_and_names_the_fallback_option(catalog: Catalog) -> None:
    # The session catalog has no `real` dataset: nothing runs on another dataset unasked.
    with pytest.raises(DataMissingError, match="dataset 'real' is not in the catalog") as caught:
        prepare(Backtest("funding_arbitrage", REAL, START, END), catalog, CONFIGS)
    assert caught.value.message.endswith("ask for it: --fallback scenario:default")
    with pytest.raises(DataMissingError, match="dataset 'real' is not in the catalog"):
        prepare(Backtest("btc_basis", REAL, START, END), catalog, CONFIGS)


def test_fallback_asked_for_runs_on_the_scenario_and_records_it(catalog: Catalog) -> None:
    request = Backtest("funding_arbitrage", REAL, START, END, fallback=DEFAULT)
    prepared = prepare(request, catalog, CONFIGS)
    assert prepared.inputs.data.dataset == DEFAULT
    assert prepared.record["dataset"] == DEFAULT
    assert prepared.record["fallback"]["requested"] == REAL
    assert prepared.record["fallback"]["used"] == DEFAULT
    assert "dataset 'real' is not in the catalog" in prepared.record["fallback"]["reason"]
    assert prepared.inputs.warnings[0].startswith(
        "ran on scenario:default, not on real as asked (--fallback): dataset 'real'"
    )
    assert execute(prepared).warnings[0] == prepared.inputs.warnings[0]


def test_fallback_must_name_a_scenario(catalog: Catalog) -> None:
    with pytest.raises(ConfigError, match="--fallback 'real': expected `scenario:NAME`"):
        prepare(Backtest("btc_basis", DEFAULT, fallback=REAL), catalog, CONFIGS)


def test_no_fallback_record_when_the_dataset_serves(catalog: Catalog) -> None:
    prepared = prepare(
        Backtest("btc_basis", DEFAULT, START, END, fallback=DEFAULT), catalog, CONFIGS
    )
    assert prepared.record["fallback"] is None
    assert prepared.record["allocation"] == pytest.approx(
        {"binance": 0.4, "bybit": 0.3, "okx": 0.3}
    )


def without_okx(catalog: Catalog, root: Path) -> Catalog:
    """A catalog whose dataset `partial` is scenario:default minus every okx series."""
    partial = Catalog(root)
    frames = [
        SeriesFrame(
            i.series, i.kind, i.source, i.interval, catalog.read(DEFAULT, i.series), i.quote
        )
        for i in catalog.series(DEFAULT)
        if not i.series.startswith("okx:")
    ]
    partial.write("partial", frames)
    return partial


def test_venue_without_data_is_dropped_and_the_allocation_renormalised(
    catalog: Catalog, tmp_path: Path
) -> None:
    partial = without_okx(catalog, tmp_path / "catalog")
    prepared = prepare(Backtest("btc_basis", "partial", START, END), partial, CONFIGS)
    assert prepared.record["venues"] == ["binance", "bybit"]
    # 0.4 and 0.3 over their sum 0.7: 4/7 and 3/7.
    assert prepared.record["allocation"] == pytest.approx({"binance": 4 / 7, "bybit": 3 / 7})
    assert any(
        w.startswith("venue okx has no usable BTCUSDT data") for w in prepared.inputs.warnings
    )


def test_require_venues_turns_a_dropped_venue_into_an_error(
    catalog: Catalog, tmp_path: Path
) -> None:
    partial = without_okx(catalog, tmp_path / "catalog")
    request = Backtest("btc_basis", "partial", START, END, require_venues=True)
    with pytest.raises(DataMissingError) as caught:
        prepare(request, partial, CONFIGS)
    assert caught.value.message.startswith(
        "dataset 'partial' has no usable BTC perp data for okx, which --require-venues "
        "requires (okx: dataset 'partial' has no series 'okx:perp:BTCUSDT'"
    )
