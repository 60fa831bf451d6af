"""`basis backtest` and `basis modes` on a short generated scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from basis.strategies import MODES
from tests.cli.runner import run
from tests.cli.test_results import RUN_JSON_KEYS
from tests.conftest import CONFIGS

METRICS = [
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
]


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "catalog"
    market = load_market(CONFIGS)
    write_scenario(Catalog(root), load_scenario("default", CONFIGS), market, years=0.05)
    monkeypatch.setenv("BASIS_CATALOG", str(root))
    return root


def test_json_prints_exactly_one_object_with_the_contract_keys(
    catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.html"
    result = run(monkeypatch, "backtest", "--mode", "btc_basis", "--json", "--report", str(report))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)  # one object, nothing else on stdout
    assert list(document) == RUN_JSON_KEYS
    assert list(document["metrics"]) == METRICS
    assert document["attribution"]["funding"] != 0.0
    pnl = sum(v for k, v in document["attribution"].items() if k != "flows")
    change = document["final_equity"] - document["initial_equity"] - document["net_flows"]
    assert pnl == pytest.approx(change, rel=1e-9, abs=1e-6)
    assert document["risk"]["min_health_factor"] is None  # no Aave debt: does not apply
    assert report.is_file()


def test_summary_table_and_report_path(catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(
        monkeypatch,
        "backtest",
        "--mode",
        "pure_lending_usdt",
        "--capital",
        "5000",
        "--set",
        "reserve_ratio=0.1",
    )
    assert result.exit_code == 0, result.stderr
    assert "5,000.00 USDT" in result.stdout
    assert "report: " in result.stdout


def test_window_outside_the_data_names_the_input_and_its_window(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "backtest", "--mode", "pure_lending_usdt", "--start", "2030-01-01")
    assert result.exit_code == 2
    assert "DATA_MISSING" in result.stderr
    assert "covers 2024-01-01" in result.stderr


def test_unknown_mode_and_bad_override_exit_two(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(monkeypatch, "backtest", "--mode", "nope").exit_code == 2
    bad = run(monkeypatch, "backtest", "--mode", "btc_basis", "--set", "delta_tolerance=2")
    assert bad.exit_code == 2
    assert "delta_tolerance" in bad.stderr


def test_modes_lists_every_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "modes")
    assert result.exit_code == 0
    for mode in MODES:
        assert mode in result.stdout


def test_real_data_missing_fails_naming_the_fallback_option(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "backtest", "--mode", "funding_arbitrage", "--data", "real")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error [DATA_MISSING] dataset 'real' is not in")
    assert "--fallback scenario:default" in result.stderr


def test_fallback_run_says_so_in_json_and_in_the_stored_run(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--mode", "funding_arbitrage", "--data", "real", "--fallback", "scenario:default")
    result = run(monkeypatch, "backtest", *args, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["dataset"] == "scenario:default"
    assert document["fallback"]["requested"] == "real"
    assert document["fallback"]["used"] == "scenario:default"
    assert document["warnings"][0].startswith("ran on scenario:default, not on real as asked")
    stored = json.loads(run(monkeypatch, "results", "show", document["run_id"], "--json").stdout)
    assert stored["dataset"] == "scenario:default"
    assert stored["fallback"] == document["fallback"]
    shown = run(monkeypatch, "results", "show", document["run_id"][:6]).stdout
    assert "scenario:default (fallback: real was asked for)" in shown


def test_summary_shows_the_effective_hedge_allocation(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "backtest", "--mode", "btc_basis")
    assert result.exit_code == 0, result.stderr
    assert "binance 40%, bybit 30%, okx 30%" in result.stdout


def test_fallback_that_is_not_a_scenario_is_refused(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "backtest", "--mode", "btc_basis", "--fallback", "real")
    assert result.exit_code == 2
    assert "--fallback 'real': expected `scenario:NAME`" in result.stderr
