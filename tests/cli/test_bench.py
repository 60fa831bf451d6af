"""`basis bench` on a short generated scenario: the JSON contract, the table, bad requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from basis.data.catalog import REAL, Catalog
from tests.cli.runner import run

YEARS = "0.05"  # 0.05 × 8,760 h = 438 hourly steps
STEPS = 438
DATASET = "scenario:default0.05y"
KEYS = ["steps", "engine_s", "steps_per_s", "load_s", "peak_mb", "dataset"]


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty catalog, and no real data: the bench generates what it needs."""
    root = tmp_path / "catalog"
    monkeypatch.setenv("BASIS_CATALOG", str(root))
    monkeypatch.delenv("BASIS_REAL_DATA", raising=False)
    return root


def bench(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    result = run(monkeypatch, "bench", "--years", YEARS, *args)
    return result.exit_code, result.stdout, result.stderr


def test_json_is_one_object_keyed_by_mode_with_consistent_figures(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stdout, stderr = bench(
        monkeypatch, "--json", "--modes", "pure_lending_usdt", "--datasets", "scenario"
    )
    assert code == 0, stderr
    document = json.loads(stdout)  # exactly one object on stdout; progress went to stderr
    assert list(document) == ["pure_lending_usdt"]
    figures = document["pure_lending_usdt"]
    assert list(figures) == KEYS
    assert figures["steps"] == STEPS
    assert figures["dataset"] == DATASET
    assert figures["engine_s"] > 0.0
    assert figures["load_s"] > 0.0
    assert figures["steps_per_s"] == pytest.approx(STEPS / figures["engine_s"], rel=1e-12)
    # The peak RSS of a process that imported numpy and polars and ran: tens of MiB at
    # least, and far below the 24 GiB of the machine.
    assert 30.0 < figures["peak_mb"] < 4096.0
    assert "bench [1/1] pure_lending_usdt on scenario:default0.05y" in stderr
    assert DATASET in Catalog(catalog).datasets()  # generated once, kept for the next run


def test_table_lists_each_mode_and_leaves_out_missing_real_data_with_a_note(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stdout, stderr = bench(
        monkeypatch, "--modes", "pure_lending_usdt,pure_lending_eth", "--repeat", "2"
    )
    assert code == 0, stderr
    assert f"{DATASET} — best of 2" in stdout
    assert "pure_lending_usdt" in stdout
    assert "pure_lending_eth" in stdout
    assert f" {STEPS} " in stdout
    assert "≥200k" in stdout  # pure_lending_usdt has a steps/s target; pure_lending_eth none
    assert "real dataset left out" in stderr
    assert REAL not in Catalog(catalog).datasets()


def test_json_on_real_data_that_is_not_there_fails_instead_of_printing_nothing(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stdout, stderr = bench(monkeypatch, "--json", "--modes", "pure_lending_usdt")
    assert code == 2
    assert stdout == ""
    assert "DATA_MISSING" in stderr
    assert "real dataset left out" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--json", "--datasets", "real,scenario"), "one dataset"),
        (("--modes", "pure_lending,btc_basis"), "--modes 'pure_lending,btc_basis'"),
        (("--datasets", "synthetic"), "--datasets 'synthetic'"),
    ],
)
def test_bad_requests_exit_two_before_running_anything(
    catalog: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    code, stdout, stderr = bench(monkeypatch, *args)
    assert (code, stdout) == (2, "")
    assert "CONFIG_INVALID" in stderr
    assert message in stderr
    assert not catalog.exists()  # nothing generated for a request that cannot run


@pytest.mark.realdata
def test_json_on_real_data_imports_it_and_runs_on_the_real_window(
    catalog: Path, real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_REAL_DATA", str(real_data))
    code, stdout, stderr = bench(
        monkeypatch, "--json", "--modes", "pure_lending_usdt,funding_arbitrage", "--repeat", "1"
    )
    assert code == 0, stderr
    document = json.loads(stdout)
    assert document["pure_lending_usdt"]["dataset"] == REAL
    # 2024-01-01 → 2025-07-01, hourly: the window the USDT Aave series covers.
    assert document["pure_lending_usdt"]["steps"] >= 13_000
    # The real data has no perp DEX: the arbitrage runs on the fallback scenario, and says so.
    assert document["funding_arbitrage"]["dataset"] == "scenario:default"
    assert "funding_arbitrage asked for real ran on scenario:default" in stderr
