"""`basis stress` end to end on a local Dask cluster, and its up-front validation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from basis.research.statistics import quantile, wilson_interval
from basis.store import ResultStore
from tests.cli.runner import run

MODE = "usdt_market_neutral"
JSON_KEYS = [
    "name",
    "mode",
    "share_class",
    "initial_capital",
    "scenario",
    "years",
    "seeds",
    "paths",
    "completed",
    "failed",
    "apy",
    "max_drawdown",
    "liquidation",
    "min_health_factor",
    "min_margin_ratio",
    "worst",
    "errors",
    "files",
]


def test_json_summary_files_and_a_path_equal_to_basis_backtest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "stress"
    args = ["--mode", MODE, "--scenario", "default", "--paths", "3", "--seed", "9"]
    args += ["--years", "0.02", "--workers", "2", "--out", str(out), "--name", "calm", "--json"]
    result = run(monkeypatch, "stress", *args)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)  # exactly one object on stdout
    assert list(document) == JSON_KEYS
    assert document["seeds"] == [9, 11]
    assert (document["paths"], document["completed"], document["failed"]) == (3, 3, 0)
    assert document["errors"] == []

    # The summary is the statistics of the per-path table.
    table = pl.read_parquet(out / "calm.parquet").sort("index")
    assert table["seed"].to_list() == [9, 10, 11]
    apy = table["apy"].to_list()
    assert document["apy"]["median"] == quantile(apy, 0.5)
    assert document["apy"]["p5"] == quantile(apy, 0.05)
    assert document["max_drawdown"]["maximum"] == max(table["max_drawdown"].to_list())
    liquidated = sum(1 for n in table["liquidations"].to_list() if n > 0)
    low, high = wilson_interval(liquidated, 3)
    assert document["liquidation"] == {
        "successes": liquidated,
        "trials": 3,
        "share": liquidated / 3,
        "low": low,
        "high": high,
        "confidence": 0.95,
    }
    worst = table.sort(["total_return", "seed"]).row(0, named=True)
    assert document["worst"]["seed"] == worst["seed"]
    assert document["worst"]["total_return"] == worst["total_return"]

    # Files: table as CSV too, the offline report linking the worst path's report.
    files = document["files"]
    assert files["csv"] == str(out / "calm.csv") and Path(files["csv"]).is_file()
    html = Path(files["html"]).read_text()
    assert not re.search(r"<script[^>]+src=", html)
    assert 'href="calm-worst.html"' in html
    assert Path(files["worst_report"]).is_file()
    with ResultStore() as store:
        assert store.load(document["worst"]["run_id"]).mode == MODE

    # Path 1 (seed 10) equals `basis backtest` on the scenario written with seed 10.
    catalog = tmp_path / "catalog"
    monkeypatch.setenv("BASIS_CATALOG", str(catalog))
    made = run(monkeypatch, "data", "generate", "default", "--seed", "10", "--years", "0.02")
    assert made.exit_code == 0, made.stderr
    backtest = run(monkeypatch, "backtest", "--mode", MODE, "--data", "scenario:default", "--json")
    assert backtest.exit_code == 0, backtest.stderr
    stored = json.loads(backtest.stdout)
    row = table.row(1, named=True)
    assert row["final_equity"] == stored["final_equity"]
    assert row["total_return"] == stored["metrics"]["total_return"]
    assert row["apy"] == stored["metrics"]["apy"]
    assert row["max_drawdown"] == stored["metrics"]["max_drawdown"]
    assert row["min_health_factor"] == stored["risk"]["min_health_factor"]
    assert row["liquidations"] == stored["risk"]["liquidations"]


def test_table_output_names_the_statistics_and_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--mode", "pure_lending_usdt", "--scenario", "default", "--paths", "2"]
    args += ["--years", "0.01", "--workers", "1", "--out", str(tmp_path), "--name", "lend"]
    result = run(monkeypatch, "stress", *args)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "stress pure_lending_usdt on default: 2 paths, seeds 7…8" in text
    assert "2 completed, 0 failed" in text
    # 0 of 2: the Wilson interval is [0, z²/(2 + z²)] = [0, 3.8415/5.8415] = [0, 65.76 %].
    assert "probability of liquidation: 0.00 % (0 of 2 paths" in text
    assert "95% Wilson interval 0.00 % – 65.76 %" in text
    assert "worst path (lowest total return)" in text
    assert f"report: {tmp_path / 'lend.html'}" in text
    assert (tmp_path / "lend-worst.html").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "nope"], r"unknown mode 'nope'; known: \['btc_basis'"),
        (
            ["--scenario", "nope"],
            r"unknown scenario 'nope'.*known: \['borrow_spike', 'btc_squeeze', 'default'",
        ),
        (["--paths", "0"], r"--paths must be at least 1, got 0"),
        (["--set", "nonsense=1"], r"CONFIG_UNKNOWN_KEY.*nonsense"),
        (["--set", "rebalance_threshold=abc"], r"rebalance_threshold: got 'abc'"),
        (["--set", "rebalance_threshold"], r"--set 'rebalance_threshold': expected key.path=value"),
        (["--seed", "-1"], r"--seed must not be negative, got -1"),
        (["--scenario", "eth_crash", "--years", "0.1"], r"outside the scenario"),
        (["--name", "../x"], r"--name '../x': use letters"),
        (["--workers", "0"], r"--workers must be at least 1, got 0"),
    ],
)
def test_bad_input_is_refused_before_any_path_runs(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"--mode": "btc_basis", "--scenario": "default", "--paths": "2"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    flat = [part for pair in base.items() for part in pair]
    result = run(monkeypatch, "stress", *flat, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert re.search(message, result.stderr), result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written
