"""`basis data import` and `basis data show` through `main()`: output, exit codes, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from basis.data.catalog import MANIFEST, Catalog
from tests.cli.runner import run
from tests.data.source_files import BINANCE_FUNDING, BINANCE_SPOT, small_folder, write

BASIS = Path(sys.executable).with_name("basis")


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def imported_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog holding the small hand-made source folder, imported through the CLI."""
    catalog = tmp_path / "catalog"
    result = run(
        monkeypatch,
        "data",
        "import",
        str(small_folder(tmp_path / "src")),
        "--catalog",
        str(catalog),
    )
    assert result.exit_code == 0, result.stderr
    return catalog


def test_import_prints_series_and_skipped_exit_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = small_folder(tmp_path / "src")
    catalog = tmp_path / "catalog"
    result = run(monkeypatch, "data", "import", str(source), "--catalog", str(catalog))
    assert result.exit_code == 0, result.stderr
    for text in (
        "binance:spot:BTCUSDT",
        "cex/binance/BTCUSDT_spot_1h.csv",
        "binance:funding:BTCUSDT",
        "2024-01-01T08:00:00+00:00",  # end of the funding series
        "binance:margin",
        "README.md",
        "not a data file (.md)",
        "3 series and 1 parameter documents",
    ):
        assert text in result.stdout, text
    assert [info.series for info in Catalog(catalog).series("real")] == [
        "aave_v3:rates:USDT",
        "binance:funding:BTCUSDT",
        "binance:spot:BTCUSDT",
    ]


def test_import_default_catalog_from_basis_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_HOME", str(tmp_path / "home"))
    result = run(monkeypatch, "data", "import", str(small_folder(tmp_path / "src")))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "home" / "catalog" / MANIFEST).exists()


def test_import_default_catalog_from_basis_catalog_and_dataset_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_CATALOG", str(tmp_path / "elsewhere"))
    source = small_folder(tmp_path / "src")
    result = run(monkeypatch, "data", "import", str(source), "--dataset", "vendor_b")
    assert result.exit_code == 0, result.stderr
    assert Catalog(tmp_path / "elsewhere").datasets() == ["vendor_b"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("cex/binance/BTCUSDT_funding_8h.csv", "", "empty file"),
        (
            "cex/binance/BTCUSDT_funding_8h.csv",
            "funding_timestamp,symbol\n2024-01-01T00:00:00Z,BTCUSDT\n",
            "missing column(s) ['funding_rate']",
        ),
        (
            "cex/binance/BTCUSDT_funding_8h.csv",
            BINANCE_FUNDING.replace("2024-01-01T08:00:00Z,-2.5e-05", "01/01/2024 08:00,-2.5e-05"),
            "line 3, column 'funding_timestamp': '01/01/2024 08:00' is not a timestamp",
        ),
        (
            "cex/binance/BTCUSDT_funding_8h.csv",
            BINANCE_FUNDING.replace("0.0003", "high"),
            "line 4, column 'funding_rate': 'high' is not a number",
        ),
    ],
)
def test_import_malformed_file_exit_two_one_line_fresh_catalog_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, expected: str
) -> None:
    source = small_folder(tmp_path / "src")
    write(source, name, text)
    catalog = tmp_path / "catalog"
    result = run(monkeypatch, "data", "import", str(source), "--catalog", str(catalog))
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert line.startswith(f"error [DATA_MALFORMED] {name}: ")
    assert expected in line
    assert not (catalog / MANIFEST).exists()


def _findings_folder(root: Path) -> Path:
    """The small folder with two findings: the spot file's first quote volume a tenth of
    volume × price (26.25 for 262.5), and funding settled every 8 h, then every hour."""
    source = small_folder(root)
    write(source, "cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT.replace("262.5", "26.25"))
    hours = [0, 8, 16, 24, 25, 26, 27]  # line 6 (2024-01-02 01:00) starts the hourly rows
    funding = ["funding_timestamp,funding_rate,symbol,source"] + [
        f"2024-01-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z,0.0001,BTCUSDT,binance_futures"
        for hour in hours
    ]
    write(source, "cex/binance/BTCUSDT_funding_8h.csv", "\n".join(funding) + "\n")
    return source


def test_import_findings_shown_by_check_and_strict_refuses_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _findings_folder(tmp_path / "src")
    catalog = tmp_path / "catalog"
    result = run(monkeypatch, "data", "import", str(source), "--catalog", str(catalog))
    assert result.exit_code == 0, result.stderr
    assert "inconsistent_derived" in result.stdout and "frequency_change" in result.stdout
    checked = run(monkeypatch, "data", "check", "--catalog", str(catalog), "--json")
    found = {f["kind"]: f for f in json.loads(checked.stdout) if f["series"] == "import:findings"}
    derived, spacing = found["inconsistent_derived"], found["frequency_change"]
    assert (derived["source"], derived["severity"], derived["count"]) == (
        "cex/binance/BTCUSDT_spot_1h.csv",
        "warning",
        1,
    )
    assert derived["detail"] == (
        "quote_volume is not between volume × low and volume × high within ±0.1 % in 1 "
        "row(s); first at line 2: quote_volume '26.25', expected 225 – 275"
    )
    assert (spacing["source"], spacing["count"]) == ("cex/binance/BTCUSDT_funding_8h.csv", 3)
    assert spacing["detail"].endswith("line 6 (2024-01-02 01:00) from 8h to 1h")
    strict = tmp_path / "strict"
    result = run(monkeypatch, "data", "import", str(source), "--catalog", str(strict), "--strict")
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert line.startswith("error [DATA_MALFORMED] --strict: 2 finding(s) refuse the import: ")
    assert "BTCUSDT_funding_8h.csv: frequency_change (" in line
    assert "BTCUSDT_spot_1h.csv: inconsistent_derived (quote_volume" in line
    assert not (strict / MANIFEST).exists()


def test_import_missing_folder_exit_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "data", "import", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "[DATA_MISSING]" in one_error_line(result.stderr)


def test_show_summary_statistics_head_and_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "catalog"
    source = tmp_path / "src"
    # closes 10, 20, 60 → min 10, mean (10 + 20 + 60) / 3 = 30, max 60.
    write(
        source,
        "cex/bybit/ETHUSDT_spot_1h.csv",
        "timestamp,open,high,low,close,volume,source,symbol,data_type,turnover\n"
        "2024-01-01T00:00:00Z,9,11,8,10,1,bybit,ETHUSDT,spot,10\n"
        "2024-01-01T01:00:00Z,10,21,9,20,2,bybit,ETHUSDT,spot,40\n"
        "2024-01-01T02:00:00Z,20,61,19,60,3,bybit,ETHUSDT,spot,180\n",
    )
    assert run(monkeypatch, "data", "import", str(source), "--catalog", str(catalog)).exit_code == 0
    result = run(
        monkeypatch, "data", "show", "bybit:spot:ETHUSDT", "--catalog", str(catalog), "--rows", "1"
    )
    assert result.exit_code == 0, result.stderr
    stdout = result.stdout
    for text in (
        "real / bybit:spot:ETHUSDT",
        "cex/bybit/ETHUSDT_spot_1h.csv",
        "2024-01-01T00:00:00+00:00 → 2024-01-01T02:00:00+00:00",
        "first 1 rows",
        "last 1 rows",
    ):
        assert text in stdout, text
    close = next(line for line in stdout.splitlines() if line.startswith("│ close"))
    assert [cell.strip() for cell in close.split("│")][3:6] == ["10", "30", "60"]
    # Head shows line 2 (first data row), tail line 4; the middle row (line 3) is not shown.
    rows = [line for line in stdout.splitlines() if line.startswith("│ 2024-01-01")]
    assert [line.split("│")[-2].strip() for line in rows] == ["2", "4"]


def test_show_unknown_series_exit_two_lists_available(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = imported_catalog(tmp_path, monkeypatch)
    result = run(monkeypatch, "data", "show", "binance:perp:ETHUSDT", "--catalog", str(catalog))
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "[DATA_MISSING] no series 'binance:perp:ETHUSDT' in dataset 'real'" in line
    assert "'binance:spot:BTCUSDT'" in line


def test_show_series_name_with_emoji_code_printed_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rich would turn ":x:" into an emoji; the error must name the series as typed.
    catalog = imported_catalog(tmp_path, monkeypatch)
    result = run(monkeypatch, "data", "show", "nope:x:y", "--catalog", str(catalog))
    assert result.exit_code == 2
    assert "no series 'nope:x:y' in dataset 'real'" in one_error_line(result.stderr)


def test_show_empty_catalog_exit_two_names_missing_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "show", "binance:spot:BTCUSDT", "--catalog", str(tmp_path))
    assert result.exit_code == 2
    assert "[DATA_MISSING] no dataset 'real' in catalog" in one_error_line(result.stderr)


def test_console_script_malformed_import_exit_two_without_traceback(tmp_path: Path) -> None:
    source = small_folder(tmp_path / "src")
    write(source, "aave_v3/rates_1d/USDT.csv", "targetDate,symbol\n")
    env = {**os.environ, "BASIS_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    done = subprocess.run(
        [str(BASIS), "data", "import", str(source)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert line == (
        "error [DATA_MALFORMED] aave_v3/rates_1d/USDT.csv: no data rows after the header on "
        "line 1; expected at least one row"
    )
    assert not (tmp_path / "home" / "catalog").exists()


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [
        ("", "expected letters, digits"),
        ("../x", "not a path"),
        ("a/b", "not a path"),
        (".hidden", "not starting with '.'"),
        ("x..y", "not a path"),
        ("scenario:default", "`scenario:*` datasets hold generated data only"),
    ],
)
def test_import_dataset_name_empty_path_like_or_scenario_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dataset: str, expected: str
) -> None:
    source = small_folder(tmp_path / "src")
    catalog = tmp_path / "catalog"
    result = run(
        monkeypatch, "data", "import", str(source), "--catalog", str(catalog), "--dataset", dataset
    )
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert line.startswith(f"error [CONFIG_INVALID] dataset name {dataset!r}: ")
    assert expected in line
    assert not catalog.exists()


def test_show_at_80_columns_keeps_every_date_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = imported_catalog(tmp_path, monkeypatch)
    args = ("data", "show", "binance:spot:BTCUSDT", "--catalog", str(catalog))
    narrow = run(monkeypatch, *args, columns=80)
    assert narrow.exit_code == 0
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80
    assert "2024-01-01 00:00" in narrow.stdout and "2024-01-01 01:00" in narrow.stdout
    assert "…" not in narrow.stdout  # folded, never cut
