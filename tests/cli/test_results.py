"""`basis results list|show|compare` against a store filled by hand, as tables and as JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from basis.store import ResultStore
from tests.cli.runner import run
from tests.store.test_results import Clock, make_result

RUN_JSON_KEYS = [
    "mode",
    "share_class",
    "dataset",
    "fallback",
    "allocation",
    "start",
    "end",
    "initial_equity",
    "final_equity",
    "net_flows",
    "metrics",
    "attribution",
    "risk",
    "warnings",
    "run_id",
]


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Three runs in the store BASIS_DB_URL points at, saved oldest first."""
    monkeypatch.setenv("BASIS_DB_URL", f"sqlite:///{tmp_path / 'results.sqlite'}")
    ids = ["eth0000001", "btc0000002", "eth0000003"]
    with ResultStore(clock=Clock()) as store:
        for run_id in ids:
            store.save(make_result(run_id=run_id, mode=f"{run_id[:3]}_basis"))
    return ids


def test_results_list_table_shows_runs_newest_first(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "list")
    assert result.exit_code == 0, result.stderr
    assert "3 run(s) in sqlite:///" in result.stdout
    positions = [result.stdout.index(run_id) for run_id in reversed(stored)]
    assert positions == sorted(positions)
    assert "8.15 %" in result.stdout  # APR 0.0815
    assert "1,000,558.00 USDT" in result.stdout


def test_results_list_json_filters_by_mode(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "list", "--mode", "eth_basis", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["run_id"] for row in rows] == ["eth0000003", "eth0000001"]
    assert rows[0]["apr"] == 0.0815
    assert rows[0]["min_health_factor"] is None
    assert rows[0]["created_at"] == "2025-01-01T00:03:00+00:00"


def test_results_list_limit(stored: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "results", "list", "--limit", "1", "--json")
    assert [row["run_id"] for row in json.loads(result.stdout)] == ["eth0000003"]


def test_results_list_uses_basis_home_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASIS_DB_URL", raising=False)
    with ResultStore() as store:
        store.save(make_result(run_id="home-run-1"))
    result = run(monkeypatch, "results", "list")
    assert result.exit_code == 0, result.stderr
    assert "home-run-1" in result.stdout
    assert "results.sqlite" in result.stdout


def test_results_show_json_is_one_object_with_the_run_keys(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "show", "eth0000003", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout is one JSON value
    assert isinstance(document, dict)
    assert list(document) == RUN_JSON_KEYS
    assert document["run_id"] == "eth0000003"
    assert document["start"] == "2024-05-01T00:00:00+00:00"
    assert document["metrics"]["apr"] == 0.0815  # decimals, not percent
    assert document["metrics"]["sharpe"] is None
    assert document["attribution"]["funding"] == 60.0


def test_results_show_accepts_a_unique_prefix(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "show", "btc000", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["run_id"] == "btc0000002"


def test_results_show_table_has_every_section(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "show", "eth0000001")
    assert result.exit_code == 0, result.stderr
    for title in ("run eth0000001", "configuration", "metrics", "attribution (USDT)", "risk"):
        assert title in result.stdout
    assert "hedge_allocation.binance" in result.stdout  # nested config, flattened
    assert "8.49 %" in result.stdout  # APY 0.0849
    assert "—" in result.stdout  # sharpe None
    assert "total P&L (excl. flows)" in result.stdout and "58.00" in result.stdout
    assert "hours in state: normal" in result.stdout
    assert "okx has no data for the window" in result.stdout


def test_results_show_unknown_id_exits_two_with_one_line_naming_it(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "show", "nosuchrun")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "RUN_NOT_FOUND" in lines[0] and "'nosuchrun'" in lines[0]


def test_results_show_ambiguous_prefix_exits_two_listing_matches(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "show", "eth000")
    assert result.exit_code == 2
    assert "eth0000001" in result.stderr and "eth0000003" in result.stderr


def test_results_compare_table_has_one_column_per_run(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "compare", "eth0000001", "btc0000002")
    assert result.exit_code == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "eth0000001" in line)
    assert "btc0000002" in header
    for label in ("dataset", "apr", "funding", "total P&L", "min_health_factor", "liquidations"):
        assert label in result.stdout
    apr_line = next(line for line in result.stdout.splitlines() if " apr " in line)
    assert apr_line.count("8.15 %") == 2


def test_results_compare_shows_amounts_in_each_share_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_DB_URL", f"sqlite:///{tmp_path / 'results.sqlite'}")
    eth = make_result(run_id="eth-run-01", mode="eth_staking_only", share_class="ETH")
    with ResultStore() as store:
        store.save(make_result(run_id="usd-run-01"))
        store.save(replace(eth, equity=eth.equity / 2000.0, initial_equity=500.0))
    result = run(monkeypatch, "results", "compare", "usd-run-01", "eth-run-01")
    assert result.exit_code == 0, result.stderr
    assert "1,000,558.00 USDT" in result.stdout
    assert "500.2790 ETH" in result.stdout


def test_results_compare_json_lists_the_runs_in_order(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "compare", "eth0000003", "eth0000001", "--json")
    assert result.exit_code == 0, result.stderr
    documents = json.loads(result.stdout)
    assert [document["run_id"] for document in documents] == ["eth0000003", "eth0000001"]
    assert all(list(document) == RUN_JSON_KEYS for document in documents)


def test_results_compare_needs_two_runs(stored: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "results", "compare", "eth0000001")
    assert result.exit_code == 2
    assert "at least two run ids" in result.stderr


def test_results_compare_unknown_id_exits_two_naming_it(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "results", "compare", "eth0000001", "gone000000")
    assert result.exit_code == 2
    assert "'gone000000'" in result.stderr
