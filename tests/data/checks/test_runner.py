"""check_series / check_catalog: all detections together, over frames and a real catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.data.catalog import Catalog, ParamsDoc, SeriesFrame
from basis.data.checks import check_catalog, check_series
from basis.errors import DataError, DataMissingError
from tests.data.builders import frame, hours
from tests.data.checks.stubs import info, random_walk, renumber

STRUCTURAL = {"gap", "duplicate", "conflicting_duplicate", "non_monotonic", "nan", "negative"}
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(3, 400),
    seed=st.integers(0, 2**32 - 1),
    volatility=st.floats(0.001, 0.05),
    offset=st.integers(0, 20_000),
)
def test_check_series_clean_random_walk_no_structural_findings(
    n: int, seed: int, volatility: float, offset: int
) -> None:
    data = random_walk(n, seed, volatility, START + dt.timedelta(hours=offset))
    kinds = {item.kind for item in check_series(data, info())}
    assert not kinds & STRUCTURAL


@settings(max_examples=40, deadline=None)
@given(n=st.integers(10, 300), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_check_series_removed_block_gap_count_equals_removed_rows(
    n: int, seed: int, data: st.DataObject
) -> None:
    first = data.draw(st.integers(1, n - 2))
    length = data.draw(st.integers(1, n - 1 - first))
    walk = random_walk(n, seed)
    holed = renumber(pl.concat([walk.head(first), walk.slice(first + length)]))
    gaps = [item for item in check_series(holed, info()) if item.kind == "gap"]
    assert [item.count for item in gaps] == [length]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 200), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_check_series_repeated_rows_duplicate_count_and_order_warning(
    n: int, seed: int, data: st.DataObject
) -> None:
    repeats = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=10))
    walk = random_walk(n, seed)
    doubled = renumber(pl.concat([walk, walk[repeats]]))
    found = {item.kind: item.count for item in check_series(doubled, info())}
    assert found["duplicate"] == len(repeats)
    assert "gap" not in found
    assert "conflicting_duplicate" not in found
    # Appending any row before the last one steps back in time; repeating the last row
    # only (at its own time, however often) does not.
    assert ("non_monotonic" in found) == (min(repeats) < n - 1)


def test_check_series_unknown_kind_raises_naming_series() -> None:
    with pytest.raises(DataError, match=r"test/test:perp:ETHUSDT: kind 'weather'"):
        check_series(random_walk(5, 0), info(kind="weather"))


def write_catalog(root: Path) -> Catalog:
    """A two-dataset catalog: `real` with a holed perp, a clean perp and a bad margin file;
    `other` with one clean perp of the same name."""
    catalog = Catalog(root)
    holed = renumber(pl.concat([random_walk(48, 1).head(10), random_walk(48, 1).slice(34)]))
    catalog.write(
        "real",
        [
            SeriesFrame(
                "binance:perp:BTCUSDT", "ohlcv", "cex/binance/BTCUSDT_perp_1h.csv", "1h", holed
            ),
            SeriesFrame(
                "bybit:perp:BTCUSDT",
                "ohlcv",
                "cex/bybit/BTCUSDT_perp_1h.csv",
                "1h",
                random_walk(48, 2),
            ),
            SeriesFrame(
                "okx:funding:BTCUSDT",
                "funding",
                "cex/okx/BTCUSDT_funding_8h.csv",
                "8h",
                frame(
                    "funding",
                    [START, START, *hours(6, START, 8)[1:]],
                    rate=[1e-4, 2e-4, 3e-5, -1e-5, 7e-5, 2e-5, 9e-5],
                ),
            ),
        ],
        [
            ParamsDoc(
                "binance:margin",
                "cex/margin_requirements_binance.json",
                {"initial_margin_requirement": 0.05, "maintenance_margin_requirement": 0.1},
            )
        ],
    )
    catalog.write(
        "other",
        [SeriesFrame("binance:perp:BTCUSDT", "ohlcv", "scenario:x", "1h", random_walk(48, 3))],
    )
    return catalog


def test_check_catalog_all_datasets_findings_sorted_and_tagged(tmp_path: Path) -> None:
    found = check_catalog(write_catalog(tmp_path))
    assert [(item.dataset, item.series, item.kind, item.count) for item in found] == [
        ("real", "binance:margin", "inconsistent_params", 1),
        ("real", "binance:perp:BTCUSDT", "gap", 24),
        ("real", "okx:funding:BTCUSDT", "conflicting_duplicate", 1),
    ]


def test_check_catalog_one_dataset_only_its_findings(tmp_path: Path) -> None:
    assert check_catalog(write_catalog(tmp_path), "other") == []


def test_check_catalog_unknown_dataset_names_available(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match=r"no dataset 'nope'.*\['other', 'real'\]"):
        check_catalog(write_catalog(tmp_path), "nope")


def test_check_catalog_empty_catalog_raises_with_next_step(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match=r"holds no series .*basis data import"):
        check_catalog(Catalog(tmp_path / "empty"))


def test_check_catalog_damaged_parameter_document_is_a_finding(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    series = SeriesFrame("binance:spot:BTCUSDT", "ohlcv", "s.csv", "1h", frame("ohlcv", hours(3)))
    document = ParamsDoc("binance:margin", "m.json", {"initial_margin_requirement": 0.1})
    catalog.write("real", [series], [document])
    (info_,) = catalog.params("real")
    catalog.objects.path(info_.object, "json").write_text("{not json")
    found = [f for f in check_catalog(catalog) if f.kind == "damaged_object"]
    assert [(f.series, f.severity, f.source) for f in found] == [
        ("binance:margin", "error", "m.json")
    ]
    assert "parameter document 'binance:margin'" in found[0].detail
    assert "is damaged" in found[0].detail
