"""Imports that survive vendor drift: every real file layout, drifted as vendors drift
them, imports (with the right findings) or is refused with a one-line reason.

The real layouts come from the first rows of each real file (BASIS_REAL_DATA, and the
perp-DEX folder beside it when there); the rewards drifts are built by hand as well, so
they run without the real data too.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from basis.data.catalog import Catalog
from basis.data.importers import SeriesRoute, route_for
from basis.data.ingest import FINDINGS_DOCUMENT, import_folder
from basis.errors import DataMalformedError
from tests.data.source_files import BINANCE_SPOT, write

ROWS = 40


def _real_files() -> list[tuple[Path, str]]:
    """(root, relative path) of every real CSV with a series importer."""
    value = os.environ.get("BASIS_REAL_DATA")
    if not value or not Path(value).is_dir():
        return []
    real = Path(value)
    found = []
    for root, folder in ((real, real), (real.parent, real.parent / "perp_dex")):
        if folder.is_dir():
            for path in sorted(folder.rglob("*.csv")):
                if isinstance(route_for(path), SeriesRoute):
                    found.append((root, path.relative_to(root).as_posix()))
    return found


NO_REAL = pytest.mark.skip(
    reason="BASIS_REAL_DATA is not set (point it at shared/data/real to drift its layouts)"
)
REAL_FILES = _real_files() or [pytest.param(None, None, marks=NO_REAL)]


def _head(path: Path, rows: int = ROWS) -> tuple[list[str], list[list[str]]]:
    """The comment lines, and the header and first data rows as CSV cells."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")][: rows + 1]
    return comments, list(csv.reader(body))


def _text(comments: list[str], table: list[list[str]], newline: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(table)
    return "".join(line + newline for line in comments) + out.getvalue()


Drift = Callable[[list[str], list[list[str]]], str]

ACCEPTED: dict[str, Drift] = {
    "as is": lambda c, t: _text(c, t),
    "CRLF": lambda c, t: _text(c, t, "\r\n"),
    "BOM": lambda c, t: "\ufeff" + _text(c, t),
    "trailing empty line": lambda c, t: _text(c, t) + "\n",
    "reordered columns": lambda c, t: _text(c, [row[::-1] for row in t]),
    "extra column": lambda c, t: _text(c, [[*t[0], "vendor_note"]] + [[*r, "x"] for r in t[1:]]),
}


def _import(root: Path, name: str, text: str, catalog: Path) -> Catalog:
    store = Catalog(catalog)
    write(root, name, text)
    import_folder(root, store)
    return store


@pytest.mark.parametrize(("root", "name"), REAL_FILES)
def test_every_real_layout_imports_the_same_rows_whatever_the_vendor_drift(
    root: Path, name: str, tmp_path: Path
) -> None:
    comments, table = _head(root / name)
    route = route_for(root / name)
    assert isinstance(route, SeriesRoute)
    frames = {}
    for label, drift in ACCEPTED.items():
        store = _import(tmp_path / label / "src", name, drift(comments, table), tmp_path / label)
        frames[label] = store.read("real", route.series).drop("source_row", strict=False)
    for label, frame in frames.items():
        assert frame.equals(frames["as is"]), label


@pytest.mark.parametrize(("root", "name"), REAL_FILES)
def test_a_real_layout_without_its_first_column_is_refused_in_one_line(
    root: Path, name: str, tmp_path: Path
) -> None:
    comments, table = _head(root / name)
    write(tmp_path / "src", name, _text(comments, [row[1:] for row in table]))
    with pytest.raises(DataMalformedError) as refused:
        import_folder(tmp_path / "src", Catalog(tmp_path / "catalog"))
    assert "\n" not in refused.value.message and name in refused.value.message
    assert Catalog(tmp_path / "catalog").datasets() == []  # nothing half-written


# -- derived columns and row spacing of the real layouts -------------------------------------

# Derived columns each layout carries beside their inputs (docs/data.md, "Errors and findings").
DERIVED: dict[str, tuple[str, ...]] = {
    "ohlcv": ("quote_volume", "turnover"),
    "gas": ("gas_price_gwei",),
    "lst_rates": ("peg_premium_percent",),
    "benchmark": ("apr_decimal", "apr_percent"),
    "lending_rates": ("timestamp",),
    "rewards": ("period_days", "weekly_reward_eth", "distribution_eth"),
}
FINDINGS = ("inconsistent_derived", "frequency_change")


def _derived_files() -> list[tuple[Path, str, str]]:
    """(root, relative path, derived column) for each derived column of each real file."""
    found = []
    for root, name in _real_files():
        route = route_for(root / name)
        assert isinstance(route, SeriesRoute)
        header = _head(root / name, 0)[1][0]
        found += [
            (root, name, column) for column in DERIVED.get(route.kind, ()) if column in header
        ]
    return found


DERIVED_FILES = _derived_files() or [pytest.param(None, None, None, marks=NO_REAL)]
# Every real layout with a derived column is covered, pinned so one that loses it is noticed:
# 7 CEX candle files (Binance quote_volume, Bybit turnover), gas, 2 pegs, sUSDe's 2 APRs,
# 4 Aave rate files, the rewards' 3.
DERIVED_COUNT = 7 + 1 + 2 + 2 + 4 + 3


def _off(cell: str) -> str:
    """A derived value that disagrees with anything its inputs give: 1.5 x + 1."""
    return repr(float(cell) * 1.5 + 1)


def test_every_real_layout_with_a_derived_column_is_drifted() -> None:
    if _real_files():
        assert len(DERIVED_FILES) == DERIVED_COUNT, [(n, c) for _, n, c in DERIVED_FILES]


@pytest.mark.parametrize(("root", "name", "column"), DERIVED_FILES)
def test_a_real_derived_column_off_its_inputs_imports_with_one_finding(
    root: Path, name: str, column: str, tmp_path: Path
) -> None:
    comments, table = _head(root / name, 60)
    route = route_for(root / name)
    assert isinstance(route, SeriesRoute)
    clean = Catalog(tmp_path / "clean")
    write(tmp_path / "clean_src", name, _text(comments, table))
    clean_findings = import_folder(tmp_path / "clean_src", clean).findings
    at = table[0].index(column)
    filled = [index for index, row in enumerate(table[1:], 1) if row[at]]
    first = filled[2]
    for index in (first, filled[5]):  # two rows off, the first on line comments + 1 + first
        table[index][at] = _off(table[index][at])
    source, store = tmp_path / "src", Catalog(tmp_path / "catalog")
    write(source, name, _text(comments, table))
    findings = import_folder(source, store).findings
    (found,) = [f for f in findings if f.kind == "inconsistent_derived"]
    assert (found.count, found.line) == (2, len(comments) + 1 + first)
    assert found.detail.startswith(f"{column} is not ") and "within ±" in found.detail
    assert f"first at line {found.line}: {column} '{table[first][at]}'" in found.detail
    assert [f for f in findings if f is not found] == list(clean_findings)
    assert (
        store.read("real", route.series)
        .drop(column, strict=False)
        .equals(clean.read("real", route.series).drop(column, strict=False))
    )  # the primary columns import unchanged
    with pytest.raises(DataMalformedError, match=r"--strict: \d finding") as refused:
        import_folder(source, Catalog(tmp_path / "strict"), strict=True)
    assert f"{name}: inconsistent_derived ({column} is not" in refused.value.message
    assert "\n" not in refused.value.message
    assert Catalog(tmp_path / "strict").datasets() == []


SPACED = [param for param in REAL_FILES if param[1] is None or "rewards" not in param[1]]


@pytest.mark.parametrize(("root", "name"), SPACED)
def test_a_real_series_thinned_to_every_eighth_row_is_a_frequency_change(
    root: Path, name: str, tmp_path: Path
) -> None:
    comments, table = _head(root / name, 100)
    # data rows 1-20, then 28, 36, ... 76: seven rows 8 intervals apart (sUSDe misses the
    # day after its row 76: a gap, kept out of the thinned stretch)
    rows = table[1:21] + table[28:77:8]
    route = route_for(root / name)
    assert isinstance(route, SeriesRoute)
    store = _import(tmp_path / "src", name, _text(comments, [table[0], *rows]), tmp_path)
    assert store.read("real", route.series).height == 27  # every row imports
    findings = import_folder(tmp_path / "src", Catalog(tmp_path / "again")).findings
    assert [(f.kind, f.count, f.line) for f in findings] == [
        ("frequency_change", 7, len(comments) + 1 + 21)
    ]
    assert f": line {len(comments) + 22} (" in findings[0].detail
    assert f") from {route.interval} to " in findings[0].detail
    with pytest.raises(DataMalformedError, match=r"--strict: 1 finding") as refused:
        import_folder(tmp_path / "src", Catalog(tmp_path / "strict"), strict=True)
    assert f"{name}: frequency_change (row spacing changes 1 time(s)" in refused.value.message
    assert "\n" not in refused.value.message


@pytest.mark.parametrize(("root", "name"), REAL_FILES)
def test_a_clean_real_file_has_no_derived_or_spacing_finding(root: Path, name: str) -> None:
    route = route_for(root / name)
    assert isinstance(route, SeriesRoute)
    _, findings = route.load(root / name, name)
    assert [f for f in findings if f.kind in FINDINGS] == []


# -- rewards: the drifts of a seasonal vendor file ------------------------------------------

HEADER = (
    "period_start,period_end,payout_date,period_days,reward_type,data_quality,"
    "eigen_per_eeth_weekly,eigen_price_usd,ethfi_per_eeth,ethfi_price_usd"
)
WEEKLY = "2024-10-06,2024-10-12,2024-10-12,6,EIGEN_via_KING,exact,0.179,3.5,,"
REWARDS = "staking/etherfi_rewards.csv"


def _rewards(tmp_path: Path, *rows: str, header: str = HEADER) -> tuple[pl.DataFrame, dict]:
    write(tmp_path / "src", REWARDS, "\n".join([header, *rows]) + "\n")
    store = Catalog(tmp_path / "catalog")
    import_folder(tmp_path / "src", store)
    frame = store.read("real", "etherfi:rewards:weETH")
    names = {info.name for info in store.params("real")}
    findings = (
        {f["kind"]: f for f in store.read_params("real", FINDINGS_DOCUMENT)["findings"]}
        if FINDINGS_DOCUMENT in names
        else {}
    )
    return frame, findings


def test_weekly_exact_rows_import_without_findings(tmp_path: Path) -> None:
    frame, findings = _rewards(tmp_path, WEEKLY)
    assert frame["amount_per_lst"].to_list() == [0.179] and findings == {}


def test_daily_rows_are_paid_pro_rata_by_day(tmp_path: Path) -> None:
    frame, findings = _rewards(
        tmp_path,
        "2024-10-06,2024-10-06,2024-10-06,0,EIGEN_via_KING,exact,0.175,3.5,,",
        "2024-10-07,2024-10-07,2024-10-07,0,EIGEN_via_KING,exact,0.175,3.5,,",
    )
    assert frame["amount_per_lst"].to_list() == pytest.approx([0.025, 0.025])  # 0.175 / 7
    assert findings["short_period"]["count"] == 2


def test_an_inclusive_period_count_is_a_finding_not_a_refusal(tmp_path: Path) -> None:
    frame, findings = _rewards(
        tmp_path, "2024-10-06,2024-10-12,2024-10-12,7,EIGEN_via_KING,exact,0.179,3.5,,"
    )
    assert frame["amount_per_lst"].to_list() == [0.179]  # one week, counted either way
    assert findings["inclusive_period"]["count"] == 1


def test_estimated_rows_with_empty_prices_import_flagged(tmp_path: Path) -> None:
    frame, findings = _rewards(
        tmp_path, WEEKLY, "2024-08-15,2024-10-05,2024-10-05,51,ETHFI_Seasonal,estimated,,,0.01,"
    )
    assert frame["estimated"].to_list() == [False, True]
    assert frame["quoted_price_usd"].to_list() == [3.5, None]  # priced from the DEX later
    assert findings["estimated"]["count"] == 1 and findings["empty_field"]["count"] == 1


def test_a_new_reward_type_leaves_its_rows_out_with_a_finding(tmp_path: Path) -> None:
    frame, findings = _rewards(
        tmp_path, WEEKLY, "2024-10-06,2024-10-12,2024-10-12,6,SWELL_Points,exact,,,,"
    )
    assert frame.height == 1
    assert "SWELL_Points" in findings["new_category"]["detail"]


def test_a_renamed_optional_price_column_imports_unpriced(tmp_path: Path) -> None:
    header = HEADER.replace("eigen_price_usd", "eigen_usd")
    frame, findings = _rewards(tmp_path, WEEKLY, header=header)
    assert frame["quoted_price_usd"].to_list() == [None] and "empty_field" in findings


def test_a_period_that_disagrees_with_its_dates_imports_by_the_dates(tmp_path: Path) -> None:
    frame, findings = _rewards(
        tmp_path, "2024-10-06,2024-10-12,2024-10-12,9,EIGEN_via_KING,exact,0.179,3.5,,"
    )
    assert frame["amount_per_lst"].to_list() == [0.179]  # one week, as the dates say
    found = findings["inconsistent_derived"]
    assert (found["count"], found["line"]) == (1, 2)
    assert found["detail"] == (
        "period_days is not period_end − period_start in days (nor one more, an inclusive "
        "count) within ±0 days in 1 row(s); first at line 2: period_days '9', expected 6 "
        "(dates 2024-10-06 → 2024-10-12)"
    )
    with pytest.raises(DataMalformedError, match="--strict: 1 finding") as refused:
        import_folder(tmp_path / "src", Catalog(tmp_path / "strict"), strict=True)
    assert f"{REWARDS}: inconsistent_derived (period_days" in refused.value.message
    assert "\n" not in refused.value.message


ETH_HEADER = HEADER + ",eth_price_usd,weekly_reward_eth,distribution_eth"


def test_reward_eth_values_off_their_amount_and_prices_are_one_finding_each(
    tmp_path: Path,
) -> None:
    # 0.179 EIGEN × 3.5 / 2500 = 0.0002506 ETH; 0.02 ETHFI × 2.8 / 2500 = 0.0000224 ETH
    _, findings = _rewards(
        tmp_path,
        WEEKLY + ",2500,0.0002506,",
        WEEKLY + ",2500,0.0002507,",  # 4e-4 off: beyond ±0.0001 %
        "2024-10-06,2024-10-12,2024-10-28,6,ETHFI_via_KING,exact,,,0.02,2.8,2500,,0.0000224",
        header=ETH_HEADER,
    )
    found = findings["inconsistent_derived"]
    assert (found["count"], found["line"]) == (1, 3)
    assert found["detail"].startswith(
        "weekly_reward_eth is not eigen_per_eeth_weekly × eigen_price_usd / eth_price_usd "
        "within ±0.0001 % in 1 row(s); first at line 3: weekly_reward_eth '0.0002507', "
        "expected 0.0002506"
    )


def test_weekly_eigen_payouts_becoming_daily_are_a_frequency_change(tmp_path: Path) -> None:
    weekly = [
        f"{start},{end},{end},6,EIGEN_via_KING,exact,0.18,3.5,,"
        for start, end in (
            ("2024-10-06", "2024-10-12"),
            ("2024-10-13", "2024-10-19"),
            ("2024-10-20", "2024-10-26"),
            ("2024-10-27", "2024-11-02"),
        )
    ]
    daily = [
        f"2024-11-0{d},2024-11-0{d},2024-11-0{d},0,EIGEN_via_KING,exact,0.18,3.5,,"
        for d in range(3, 8)
    ]
    frame, findings = _rewards(tmp_path, *weekly, *daily)
    assert frame.height == 9  # every row imports
    found = findings["frequency_change"]
    assert (found["count"], found["line"]) == (5, 6)
    assert found["detail"].endswith("EIGEN line 6 (2024-11-03 00:00) from 7d to 1d")
    assert findings["short_period"]["count"] == 5


# -- folders: unknown files, --strict, --skip-invalid ---------------------------------------


def test_an_unknown_file_is_a_finding_and_strict_refuses_it(tmp_path: Path) -> None:
    source = tmp_path / "src"
    write(source, "cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT)
    write(source, "cex/binance/BTCUSDT_orderbook_1m.csv", "ts,bid\n1,2\n")
    report = import_folder(source, Catalog(tmp_path / "catalog"))
    assert [(f.file, f.kind) for f in report.findings] == [
        ("cex/binance/BTCUSDT_orderbook_1m.csv", "unknown_file")
    ]
    with pytest.raises(DataMalformedError, match="--strict: 1 finding"):
        import_folder(source, Catalog(tmp_path / "strict"), strict=True)
    assert Catalog(tmp_path / "strict").datasets() == []


def test_skip_invalid_imports_the_valid_files_and_lists_the_refused(tmp_path: Path) -> None:
    source = tmp_path / "src"
    write(source, "cex/binance/BTCUSDT_spot_1h.csv", BINANCE_SPOT)
    bad = BINANCE_SPOT.replace("2024-01-01T01:00:00Z", "nope")
    write(source, "cex/binance/ETHUSDT_spot_1h.csv", bad.replace("BTC/USDT", "ETH/USDT"))
    with pytest.raises(DataMalformedError, match="ETHUSDT_spot_1h"):
        import_folder(source, Catalog(tmp_path / "all"))
    assert Catalog(tmp_path / "all").datasets() == []  # all or nothing by default
    report = import_folder(source, Catalog(tmp_path / "some"), skip_invalid=True)
    assert [info.series for info in report.series] == ["binance:spot:BTCUSDT"]
    ((path, reason),) = [(r.path, r.reason) for r in report.refused]
    assert path == "cex/binance/ETHUSDT_spot_1h.csv" and "is not a timestamp" in reason
