"""`basis run`: the main job backtests the default mode on the built-in scenario, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from basis.data.catalog import Catalog
from basis.store import ResultStore
from tests.cli.runner import run


def test_run_generates_the_scenario_backtests_stores_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_CATALOG", str(tmp_path / "catalog"))
    result = run(monkeypatch, "run", "--years", "0.1")
    assert result.exit_code == 0, result.stderr
    assert (
        Catalog(tmp_path / "catalog").info("scenario:default", "binance:perp:ETHUSDT").rows == 876
    )
    assert "usdt_market_neutral" in result.stdout
    assert "attribution (USDT)" in result.stdout
    report = Path(result.stdout.split("report: ")[1].split()[0])
    assert report.is_file()
    assert "plotly" in report.read_text()[:5_000_000]
    with ResultStore() as store:
        (row,) = store.list()
    assert row.mode == "usdt_market_neutral"
    assert row.dataset == "scenario:default"


def test_run_unknown_scenario_exits_two_naming_known_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "run", "--scenario", "nope", "--catalog", str(tmp_path))
    assert result.exit_code == 2
    assert "unknown scenario 'nope'" in result.stderr
    assert "default" in result.stderr
