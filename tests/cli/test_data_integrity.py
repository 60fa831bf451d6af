"""A damaged catalog through the CLI: one `DATA_CORRUPT` line or a finding, never a traceback
and never a result computed from the wrong bytes; `basis data gc` cleans up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from tests.cli.runner import run
from tests.conftest import CONFIGS

DATASET = "scenario:default"
PERP = "binance:perp:BTCUSDT"
SPOT = "binance:spot:BTCUSDT"


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    root = tmp_path / "catalog"
    market = load_market(CONFIGS)
    write_scenario(Catalog(root), load_scenario("default", CONFIGS), market, years=0.02)
    monkeypatch.setenv("BASIS_CATALOG", str(root))
    return Catalog(root)


def object_of(catalog: Catalog, series: str) -> Path:
    return catalog.objects.path(catalog.info(DATASET, series).object, "parquet")


def flip(path: Path, offset: int = 200, count: int = 40) -> None:
    content = bytearray(path.read_bytes())
    for index in range(offset, offset + count):
        content[index] ^= 0x55
    path.write_bytes(bytes(content))


def test_backtest_flipped_object_exits_2_with_one_line(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    flip(object_of(catalog, PERP))
    result = run(monkeypatch, "backtest", "--mode", "btc_basis", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error [DATA_CORRUPT] dataset 'scenario:default' series")
    assert "regenerate it: `basis data generate default`" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_show_object_of_another_series_exits_2(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    object_of(catalog, SPOT).write_bytes(object_of(catalog, PERP).read_bytes())
    result = run(monkeypatch, "data", "show", SPOT, "--dataset", DATASET)
    assert result.exit_code == 2
    assert "[DATA_CORRUPT]" in result.stderr and f"series '{SPOT}'" in result.stderr
    assert result.stdout == ""


def test_data_check_missing_and_damaged_objects_are_findings(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    object_of(catalog, PERP).unlink()
    flip(object_of(catalog, SPOT))
    result = run(monkeypatch, "data", "check", "--json", "--strict")
    assert result.exit_code == 1
    findings = [item for item in json.loads(result.stdout) if item["kind"].endswith("_object")]
    assert [(item["series"], item["kind"], item["severity"]) for item in findings] == [
        (PERP, "missing_object", "error"),
        (SPOT, "damaged_object", "error"),
    ]
    table = run(monkeypatch, "data", "check")
    assert table.exit_code == 0
    assert "missing_object" in table.stdout and "damaged_object" in table.stdout


def test_data_check_objects_folder_deleted_lists_every_series(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in catalog.objects.folder.iterdir():
        path.unlink()
    catalog.objects.folder.rmdir()
    result = run(monkeypatch, "data", "check", "--json")
    assert result.exit_code == 0, result.stderr
    kinds = {item["kind"] for item in json.loads(result.stdout)} - {"missing_range"}
    assert kinds == {"missing_object"}


def test_data_gc_removes_orphans_and_says_how_much(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    (catalog.objects.folder / ("cd" * 32 + ".parquet")).write_bytes(b"x" * 10)
    result = run(monkeypatch, "data", "gc")
    assert result.exit_code == 0, result.stderr
    assert "removed 1 unreferenced object(s) and 0 temporary file(s), 10 bytes" in result.stdout
    assert run(monkeypatch, "data", "show", SPOT, "--dataset", DATASET).exit_code == 0
