"""`basis data check` end to end: hand-made source files → import → findings (JSON, table)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from basis.data.catalog import Catalog
from basis.data.ingest import import_folder
from tests.cli.runner import run

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
# Closes that move every hour without lining up or repeating (see tests/data/checks/stubs).
CLOSES = [100.0 + 0.1 * i + (0.6 if i % 2 else 0.0) for i in range(72)]
RATES = [1e-5 * value for value in (1, 3, 2, 5, 4, 6, 3, 7, 5)]


def iso(hour: int) -> str:
    return (START + dt.timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def source_folder(root: Path) -> Path:
    """Three days of data where every series covers 2024-01-01 00:00 until 2024-01-04 00:00:

    * Binance BTC perp misses 2024-01-02 (24 hourly bars): one gap, count 24;
    * Bybit ETH perp repeats the 10:00 bar: one duplicate, count 1;
    * OKX ETH funding has 2024-01-02 08:00 twice with different rates: one conflict;
    * the Binance margin file has initial < maintenance only: one inconsistency.
    """
    binance = [
        "timestamp,open,high,low,close,volume,quote_volume,trades_count,source,symbol,data_type"
    ]
    binance += [
        f"{iso(h)},{c},{c},{c},{c},1.0,{c},10,binance_futures,BTCUSDT,futures"
        for h, c in enumerate(CLOSES)
        if not 24 <= h < 48
    ]
    write(root / "cex/binance/BTCUSDT_perp_1h.csv", binance)
    bybit = ["timestamp,open,high,low,close,volume,source,symbol,data_type,turnover"]
    for h, c in enumerate(CLOSES):
        row = f"{iso(h)},{c},{c},{c},{c},2.0,bybit,ETHUSDT,futures,{2 * c}"
        bybit += [row, row] if h == 10 else [row]
    write(root / "cex/bybit/ETHUSDT_perp_1h.csv", bybit)
    okx = ["funding_timestamp,funding_rate,symbol,source"]
    for index, rate in enumerate(RATES):
        okx.append(f"{iso(8 * index)},{rate},ETHUSDT,okx")
        if index == 4:
            okx.append(f"{iso(8 * index)},0.0001,ETHUSDT,okx")
    write(root / "cex/okx/ETHUSDT_funding_8h.csv", okx)
    margin = {
        "initial_margin_requirement": 0.05,
        "maintenance_margin_requirement": 0.1,
        "liquidation_threshold": 0.1,
        "max_leverage": 20,
    }
    write(root / "cex/margin_requirements_binance.json", [json.dumps(margin)])
    return root


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog"
    import_folder(source_folder(tmp_path / "source"), Catalog(path))
    return path


def test_data_check_json_lists_exactly_the_planted_defects(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "check", "--catalog", str(catalog), "--json")
    assert result.exit_code == 0, result.stderr
    findings = json.loads(result.stdout)
    assert {(f["series"], f["kind"], f["severity"], f["count"]) for f in findings} == {
        ("binance:perp:BTCUSDT", "gap", "warning", 24),
        ("bybit:perp:ETHUSDT", "duplicate", "warning", 1),
        ("okx:funding:ETHUSDT", "conflicting_duplicate", "error", 1),
        ("binance:margin", "inconsistent_params", "error", 1),
    }
    by_series = {f["series"]: f for f in findings}
    assert by_series["binance:perp:BTCUSDT"]["source"] == "cex/binance/BTCUSDT_perp_1h.csv"
    assert by_series["bybit:perp:ETHUSDT"]["detail"].endswith("2024-01-01 10:00 (rows 12, 13)")
    assert (
        "2024-01-02 08:00 (rows 6, 7): rate 4e-05 vs 0.0001"
        in (by_series["okx:funding:ETHUSDT"]["detail"])
    )
    assert all(
        set(f) == {"source", "series", "kind", "severity", "count", "detail"} for f in findings
    )


def test_data_check_strict_exits_one_on_errors(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "check", "--catalog", str(catalog), "--json", "--strict")
    assert result.exit_code == 1
    assert json.loads(result.stdout)


def test_data_check_strict_exits_zero_with_warnings_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = source_folder(tmp_path / "source")
    (source / "cex/okx/ETHUSDT_funding_8h.csv").unlink()
    (source / "cex/margin_requirements_binance.json").unlink()
    import_folder(source, Catalog(tmp_path / "catalog"))
    result = run(monkeypatch, "data", "check", "--catalog", str(tmp_path / "catalog"), "--strict")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_data_check_table_shows_series_range_rows_and_findings(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "check", "--catalog", str(catalog), "--dataset", "real")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    [first] = [index for index, line in enumerate(lines) if "binance:perp:BTCUSDT" in line]
    cells = [cell.strip() for cell in lines[first].split("│")]
    assert cells[1:7] == ["binance:perp:BTCUSDT", "2024-01-01 00:00", "48", "gap", "warning", "24"]
    assert "cex/binance/BTCUSDT_perp_1h.csv" in lines[first + 1]
    assert "→ 2024-01-03 23:00" in lines[first + 1]
    for text in (
        "dataset 'real'",
        "conflicting_duplicate",
        "inconsistent_params",
        "4 finding(s): 2 error(s), 2 warning(s), 0 info",
    ):
        assert text in result.stdout, text


def test_data_check_empty_catalog_exits_two_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "check", "--catalog", str(tmp_path / "nothing"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DATA_MISSING" in lines[0]
    assert "holds no series or parameter documents" in lines[0]
    assert result.stdout == ""


def test_data_check_unknown_dataset_exits_two_naming_available(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "check", "--catalog", str(catalog), "--dataset", "nope")
    assert result.exit_code == 2
    assert "available: ['real']" in result.stderr


def test_data_check_default_catalog_from_environment(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_CATALOG", str(catalog))
    result = run(monkeypatch, "data", "check", "--json")
    assert len(json.loads(result.stdout)) == 4
