"""`basis backtest` and `basis modes` on a short generated scenario."""

from __future__ import annotations

import json
import re
import shutil
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
    "carry_capture",
    "undeployed",
    "capacity_limited_hours",
    "unpaid",
    "estimated_rewards",
    "lst_discount_unrealised",
    "estimated_share",
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


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--capital", "inf"), "--capital inf: initial_capital: got 'inf'; must be finite"),
        (("--capital", "nan"), "--capital nan: initial_capital: got 'nan'; must be finite"),
        (("--capital", "1e400"), "--capital inf: initial_capital: got 'inf'; must be finite"),
        (("--set", "rebalance_threshold=1e400"), "--set rebalance_threshold=1e400: "),
        (("--set", "hedge_allocation.okx=.nan"), "--set hedge_allocation.okx=.nan: "),
    ],
)
def test_non_finite_numbers_are_config_errors(
    catalog: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], expected: str
) -> None:
    result = run(monkeypatch, "backtest", "--mode", "btc_basis", *args)
    assert result.exit_code == 2
    assert f"error [CONFIG_INVALID] {expected}" in result.stderr
    assert "must be finite" in result.stderr and "less than" not in result.stderr


@pytest.mark.parametrize(
    ("start", "end", "relation"),
    [("2024-01-05", "2024-01-05", "equal to"), ("2024-01-06", "2024-01-05", "after")],
)
def test_start_at_or_after_end_says_exactly_that(
    catalog: Path, monkeypatch: pytest.MonkeyPatch, start: str, end: str, relation: str
) -> None:
    args = ("--mode", "btc_basis", "--start", start, "--end", end)
    result = run(monkeypatch, "backtest", *args)
    assert result.exit_code == 2
    assert (
        f"error [CONFIG_INVALID] --start {start} 00:00 is {relation} --end {end} 00:00 (UTC): "
        "the window would be empty" in result.stderr
    )


def test_capital_the_venues_cannot_take_is_flagged_undeployed(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--mode", "usdt_market_neutral", "--capital", "1e10", "--json")
    document = json.loads(run(monkeypatch, "backtest", *args).stdout)
    assert document["metrics"]["undeployed"] == pytest.approx(1.0, abs=1e-6)
    (warning,) = [w for w in document["warnings"] if w.startswith("capital not deployed")]
    assert "100.0% of equity" in warning and "order(s) were rejected, first:" in warning
    normal = json.loads(
        run(monkeypatch, "backtest", "--mode", "usdt_market_neutral", "--json").stdout
    )
    assert normal["metrics"]["undeployed"] < 1e-3  # dust left by rounding, not capital
    assert not [w for w in normal["warnings"] if w.startswith("capital not deployed")]


def test_short_window_warns_that_annualised_figures_mean_little(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--mode", "btc_basis", "--start", "2024-01-02T00:00", "--end", "2024-01-02T01:00")
    document = json.loads(run(monkeypatch, "backtest", *args, "--json").stdout)
    assert any(
        w.startswith("the window is 1 hour(s): APR, APY, volatility, Sharpe, Sortino and Calmar")
        for w in document["warnings"]
    )


def test_withdrawal_left_unpaid_is_an_error_unless_allowed(
    catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scenario's last hour, the default window's end, is 2024-01-19 05:00, and 04:00
    # the last hour a withdrawal can be asked at. With the perp venues' cash travelling to
    # the wallet in 2 hours (1 in the shipped configs, which would pay it at the end) it is
    # still in transit when the window ends.
    configs = tmp_path / "configs"
    shutil.copytree(CONFIGS, configs)
    for venue in ("binance", "bybit", "okx"):
        path = configs / "venues" / f"{venue}.yaml"
        path.write_text(path.read_text().replace("delay_hours: 1,", "delay_hours: 2,"))
    monkeypatch.setenv("BASIS_CONFIGS", str(configs))
    flows = tmp_path / "flows.yaml"
    flows.write_text("flows:\n  - {time: 2024-01-19T04:00Z, amount: -500000}\n")
    args = ("--mode", "btc_basis", "--flows", str(flows), "--json")
    refused = run(monkeypatch, "backtest", *args)
    assert refused.exit_code == 2
    assert f"error [CONFIG_INVALID] --flows {flows}: " in refused.stderr
    assert "of withdrawals is still unpaid when the window ends" in refused.stderr
    assert "--allow-unpaid" in refused.stderr
    allowed = run(monkeypatch, "backtest", *args, "--allow-unpaid")
    assert allowed.exit_code == 0, allowed.stderr
    assert json.loads(allowed.stdout)["metrics"]["unpaid"] > 0.0


def test_results_show_lists_only_the_parameters_the_mode_reads(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads(
        run(monkeypatch, "backtest", "--mode", "pure_lending_usdt", "--json").stdout
    )
    shown = run(monkeypatch, "results", "show", document["run_id"][:6]).stdout
    assert "mode.reserve_ratio" in shown and "mode.initial_capital" in shown
    for ignored in ("stake_allocation", "hedge_allocation", "ltv_band", "funding_arbitrage"):
        assert f"mode.{ignored}" not in shown
    stored = run(monkeypatch, "results", "show", document["run_id"], "--json").stdout
    assert json.loads(stored)["run_id"] == document["run_id"]


def test_the_summary_names_the_margin_model_a_run_set(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unified = run(monkeypatch, "backtest", "--mode", "btc_basis", "--set", "margin_model=unified")
    assert unified.exit_code == 0, unified.stderr
    assert re.search(r"margin model\s+│\s+unified", unified.stdout)
    plain = run(monkeypatch, "backtest", "--mode", "btc_basis")
    assert "margin model" not in plain.stdout  # the venues' own, as configured
