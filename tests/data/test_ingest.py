"""Folder import: routing, skips, one atomic commit, idempotency, and the real data folder."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from basis.data.catalog import MANIFEST, Catalog, SeriesFrame
from basis.data.ingest import Skipped, import_folder
from basis.data.schema import ROW
from basis.errors import DataMalformedError, DataMissingError
from tests.data.builders import T0, frame, hours
from tests.data.source_files import BINANCE_FUNDING, BINANCE_SPOT, small_folder, write


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of a catalog (manifest and objects) by relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def test_import_folder_small_folder_writes_series_params_and_reports_skips(
    tmp_path: Path,
) -> None:
    catalog = Catalog(tmp_path / "catalog")
    report = import_folder(small_folder(tmp_path / "src"), catalog)
    assert report.dataset == "real"
    assert [(info.series, info.rows, info.source) for info in report.series] == [
        ("aave_v3:rates:USDT", 2, "aave_v3/rates_1d/USDT.csv"),
        ("binance:funding:BTCUSDT", 3, "cex/binance/BTCUSDT_funding_8h.csv"),
        ("binance:spot:BTCUSDT", 2, "cex/binance/BTCUSDT_spot_1h.csv"),
    ]
    assert [(info.name, info.source) for info in report.params] == [
        ("binance:margin", "cex/margin_requirements_binance.json")
    ]
    assert report.skipped == (Skipped("README.md", "not a data file (.md)"),)
    assert catalog.read_params("real", "binance:margin") == {
        "initial_margin_requirement": 0.05,
        "nested": {"max_leverage": 20},
    }
    spot = catalog.read("real", "binance:spot:BTCUSDT")
    assert spot["close"].to_list() == [105.0, 115.0]
    assert spot[ROW].to_list() == [2, 3]
    info = catalog.info("real", "binance:spot:BTCUSDT")
    assert (info.start, info.end) == ("2024-01-01T00:00:00+00:00", "2024-01-01T01:00:00+00:00")


def test_import_folder_other_dataset_name(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    import_folder(small_folder(tmp_path / "src"), catalog, dataset="vendor_b")
    assert catalog.datasets() == ["vendor_b"]


def test_import_folder_bad_file_fresh_catalog_stays_empty(tmp_path: Path) -> None:
    source = small_folder(tmp_path / "src")
    write(source, "cex/bybit/ETHUSDT_funding_8h.csv", "funding_timestamp,funding_rate,symbol\n")
    root = tmp_path / "catalog"
    with pytest.raises(
        DataMalformedError, match=re.escape("cex/bybit/ETHUSDT_funding_8h.csv: no data rows")
    ):
        import_folder(source, Catalog(root))
    assert not root.exists()


def test_import_folder_bad_file_leaves_good_catalog_byte_identical(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    import_folder(small_folder(tmp_path / "good"), catalog)
    before = snapshot(catalog.root)
    bad = small_folder(tmp_path / "bad")
    # The spot file now has different (valid) values and the funding file a bad cell:
    # nothing of this run may reach the catalog, not even the valid spot file.
    write(bad, "cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT.replace("105.0,2.5", "999.0,2.5"))
    write(bad, "cex/binance/BTCUSDT_funding_8h.csv", BINANCE_FUNDING.replace("0.0003", "0.03%"))
    with pytest.raises(DataMalformedError, match="line 4, column 'funding_rate'"):
        import_folder(bad, catalog)
    assert snapshot(catalog.root) == before
    assert MANIFEST in before


def test_import_folder_twice_catalog_byte_identical(tmp_path: Path) -> None:
    source = small_folder(tmp_path / "src")
    catalog = Catalog(tmp_path / "catalog")
    import_folder(source, catalog)
    first = snapshot(catalog.root)
    import_folder(source, catalog)
    assert snapshot(catalog.root) == first
    # manifest + 3 series objects + 1 parameter document
    assert len(first) == 5


def test_import_folder_keeps_other_series_and_replaces_same_name(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    other = frame("funding", hours(2, T0, 8))
    catalog.write("real", [SeriesFrame("okx:funding:BTCUSDT", "funding", "x.csv", "8h", other)])
    import_folder(small_folder(tmp_path / "src"), catalog)
    names = [info.series for info in catalog.series("real")]
    assert names == [
        "aave_v3:rates:USDT",
        "binance:funding:BTCUSDT",
        "binance:spot:BTCUSDT",
        "okx:funding:BTCUSDT",
    ]


def test_import_folder_unknown_data_files_are_findings_not_refusals(tmp_path: Path) -> None:
    source = small_folder(tmp_path / "src")
    write(source, "cex/binance/BTCUSDT_spot_1h (1).csv", BINANCE_SPOT)
    write(source, "notes/extra.json", "{}")
    catalog = Catalog(tmp_path / "catalog")
    report = import_folder(source, catalog)
    assert [(f.file, f.kind) for f in report.findings] == [
        ("cex/binance/BTCUSDT_spot_1h (1).csv", "unknown_file"),
        ("notes/extra.json", "unknown_file"),
    ]
    assert "no importer for this file name" in report.findings[0].detail
    assert len(report.series) == 3  # the known files imported
    kept = catalog.read_params("real", "import:findings")["findings"]
    assert [f["file"] for f in kept] == [f.file for f in report.findings]
    with pytest.raises(DataMalformedError, match=r"--strict: 2 finding\(s\)"):
        import_folder(source, Catalog(tmp_path / "strict"), strict=True)


def test_import_folder_hidden_and_other_files_skipped_with_reason(tmp_path: Path) -> None:
    source = small_folder(tmp_path / "src")
    write(source, ".git/config", "x")
    write(source, ".git/objects/ab/cdef", "x")
    write(source, ".git/objects/data.csv", "not read")
    write(source, "cex/.DS_Store", "x")
    write(source, "LICENSE", "x")
    report = import_folder(source, Catalog(tmp_path / "catalog"))
    assert report.skipped == (
        Skipped(".git/", "hidden folder"),
        Skipped("LICENSE", "not a data file (no suffix)"),
        Skipped("README.md", "not a data file (.md)"),
        Skipped("cex/.DS_Store", "hidden file"),
    )


def test_import_folder_two_files_same_series_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "src", "a/cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT)
    write(tmp_path / "src", "b/cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT)
    with pytest.raises(
        DataMalformedError,
        match=re.escape(
            "b/cex/binance/BTCUSDT_spot_1h.csv: would become 'binance:spot:BTCUSDT' like "
            "a/cex/binance/BTCUSDT_spot_1h.csv"
        ),
    ):
        import_folder(tmp_path / "src", Catalog(tmp_path / "catalog"))


def test_import_folder_sub_folder_routes_by_path_tail_source_relative(tmp_path: Path) -> None:
    small_folder(tmp_path / "src")
    report = import_folder(tmp_path / "src" / "cex" / "binance", Catalog(tmp_path / "catalog"))
    assert [(info.series, info.source) for info in report.series] == [
        ("binance:funding:BTCUSDT", "BTCUSDT_funding_8h.csv"),
        ("binance:spot:BTCUSDT", "BTCUSDT_spot_1h.csv"),
    ]


def test_import_folder_missing_folder_is_data_missing(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match="nope: no such folder"):
        import_folder(tmp_path / "nope", Catalog(tmp_path / "catalog"))


def test_import_folder_without_data_files_is_data_missing(tmp_path: Path) -> None:
    write(tmp_path / "src", "README.md", "hello")
    with pytest.raises(DataMissingError, match=r"no data files to import \(1 skipped\)"):
        import_folder(tmp_path / "src", Catalog(tmp_path / "catalog"))


# -- the real data folder ---------------------------------------------------------------------


def data_lines(path: Path) -> int:
    """Rows of a source CSV counted independently of the importer: lines that are neither
    `#` comments nor the header nor blank."""
    text = path.read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return len(lines) - 1


@pytest.fixture(scope="module")
def real_catalog(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    catalog = Catalog(tmp_path_factory.mktemp("real") / "catalog")
    import_folder(real_data, catalog)
    return catalog


@pytest.mark.realdata
def test_real_import_every_file_series_or_document(real_catalog: Catalog) -> None:
    assert len(real_catalog.series("real")) == 29
    assert [info.name for info in real_catalog.params("real")] == [
        "aave_v3:risk_parameters",
        "aave_v3:risk_parameters_snapshot",
        "binance:margin",
        "ethereum:gas_units",
        "etherfi:eigen_distributions",
        "etherfi:ethfi_topups",
        "execution_costs:summary",
        "import:findings",  # the five estimated seasonal airdrop rows of the rewards file
    ]


@pytest.mark.realdata
def test_real_import_rows_equal_data_lines_in_source_order(
    real_catalog: Catalog, real_data: Path
) -> None:
    for info in real_catalog.series("real"):
        stored = real_catalog.read("real", info.series)
        assert info.rows == data_lines(real_data / info.source), info.series
        assert stored[ROW].diff().drop_nulls().eq(1).all(), info.series


@pytest.mark.realdata
def test_real_import_first_rows_exact(real_catalog: Catalog) -> None:
    utc = dt.UTC
    spot = real_catalog.read("real", "binance:spot:BTCUSDT").row(0)
    assert spot == (
        dt.datetime(2024, 1, 1, tzinfo=utc),
        42283.58,
        42554.57,
        42261.02,
        42475.23,
        1271.68108,
        2,
    )
    # 5 comment lines + header → first data row on line 7; unix 1704067200 = 2024-01-01.
    usdt = real_catalog.read("real", "aave_v3:oracle:USDT").row(0)
    assert usdt == (dt.datetime(2024, 1, 1, tzinfo=utc), 0.99965, 7)
    # 6 comment lines + header → line 8.
    weeth = real_catalog.read("real", "aave_v3:oracle:weETH").row(0)
    assert weeth == (dt.datetime(2024, 5, 12, 1, tzinfo=utc), 1.0381626525752412, 8)
    # OKX perp: 547874.5999999999 contracts × 0.1 ETH.
    okx = real_catalog.read("real", "okx:perp:ETHUSDT")
    assert okx["volume"][0] == pytest.approx(54787.46, rel=1e-12)
    benchmark = real_catalog.read("real", "ethena:benchmark:sUSDe").row(0)
    # The source writes "0.24710000000000001" (24.71 / 100 in floating point), kept exactly.
    assert benchmark == (dt.datetime(2024, 2, 16, tzinfo=utc), 0.24710000000000001, 2)
    snapshot_doc = real_catalog.read_params("real", "aave_v3:risk_parameters_snapshot")
    assert snapshot_doc["WETH"]["LTV"] == 0.805
    assert snapshot_doc["WETH"]["Frozen"] is False


@pytest.mark.realdata
def test_real_import_duplicates_kept(real_catalog: Catalog) -> None:
    bybit = real_catalog.read("real", "bybit:perp:ETHUSDT")
    assert bybit.height == 13141
    assert bybit["ts"].n_unique() == 13128
    okx = real_catalog.read("real", "okx:funding:ETHUSDT")
    assert okx.height == 1356
    assert okx["ts"].n_unique() < okx.height


@pytest.mark.realdata
def test_real_import_rewards_match_raw_tables(real_catalog: Catalog, real_data: Path) -> None:
    """EIGEN payouts of a week equal eigen_earned / eETH of the raw distribution table."""
    rewards = real_catalog.read("real", "etherfi:rewards:weETH")
    eigen = rewards.filter(rewards["token"] == "EIGEN")
    assert eigen.height == 40
    with open(real_data / "staking/etherfi_eigen_distributions.csv") as handle:
        raw = {row["staking_period_end"]: row for row in csv.DictReader(handle)}
    # 2024-10-06..2024-10-12: 358681 EIGEN / (1531605 + 474149) eETH = 0.17883 ≈ 0.179.
    week = eigen.filter(eigen["period_end"] == dt.datetime(2024, 10, 12, tzinfo=dt.UTC))
    row = raw["2024-10-12"]
    earned = float(row["eigen_earned"])
    base = float(row["eth_restaked"]) + float(row["eth_not_restaked"])
    assert week["amount_per_lst"][0] == pytest.approx(earned / base, abs=5e-4)
    ethfi = rewards.filter(rewards["token"] == "ETHFI")
    assert ethfi["amount_per_lst"].to_list()[:2] == [0.248, 0.02]


@pytest.mark.realdata
def test_real_import_twice_byte_identical(real_data: Path, tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    import_folder(real_data, catalog)
    first = snapshot(catalog.root)
    import_folder(real_data, catalog)
    assert snapshot(catalog.root) == first
    assert len(first) == 1 + 29 + 7 + 1  # and the findings (estimated reward rows)
