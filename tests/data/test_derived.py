"""Derived-column checks: the tolerance's edge, ranges, empty and unreadable cells, and the
finding's count, first line and message."""

from __future__ import annotations

import polars as pl
import pytest

from basis.data.importers.derived import Tolerance, compare
from basis.data.importers.table import ImportFinding, SourceTable


def _table(**columns: list[str | None]) -> SourceTable:
    """A source table of text cells whose first data row is on line 5 (comments above)."""
    return SourceTable(
        "x/file.csv", pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)), 5
    )


def _expected(*values: float | None) -> pl.Series:
    return pl.Series("expected", values, dtype=pl.Float64)


def test_tolerance_is_written_as_the_docs_state_it() -> None:
    assert str(Tolerance(0.02, "gwei")) == "±0.02 gwei"
    assert str(Tolerance(0.001, relative=True)) == "±0.1 %"
    assert str(Tolerance(0, "s")) == "±0 s"


def test_absolute_tolerance_edge_within_passes_beyond_is_counted() -> None:
    # expected 12.07: 12.09 is 0.02 off (within), 12.1 and 12.03 are 0.03 / 0.04 off
    table = _table(gas=["12.07", "12.09", "12.1", "12.03"])
    compare(
        table, "gas", "base + p50", _expected(12.07, 12.07, 12.07, 12.07), Tolerance(0.021, "gwei")
    )
    assert table.findings == [
        ImportFinding(
            "x/file.csv",
            "inconsistent_derived",
            2,
            "gas is not base + p50 within ±0.021 gwei in 2 row(s); first at line 7: "
            "gas '12.1', expected 12.07",
            7,
        )
    ]


def test_relative_range_counts_values_outside_low_high_beyond_the_tolerance() -> None:
    # range 225 – 275 at ±0.1 %: 275.2 is within (0.07 %), 224.8 within (0.09 %), 276 and 200 beyond
    table = _table(quote=["262.5", "275.2", "224.8", "276", "200"])
    low, high = _expected(225, 225, 225, 225, 225), _expected(275, 275, 275, 275, 275)
    compare(
        table, "quote", "volume × [low, high]", low, Tolerance(0.001, relative=True), upper=high
    )
    (found,) = table.findings
    assert (found.count, found.line) == (2, 8)
    assert found.detail.endswith("first at line 8: quote '276', expected 225 – 275")


def test_empty_cells_and_inputs_without_a_value_are_not_checked_text_disagrees() -> None:
    table = _table(apr=[None, "0.2", "n/a", "0.3", "5"])
    # row 5 divides by a zero price: its inputs give no value to compare with
    compare(table, "apr", "f(apy)", _expected(0.1, None, 0.1, 0.1, float("inf")), Tolerance(1e-6))
    (found,) = table.findings
    assert (found.count, found.line) == (2, 7)  # 'n/a' and 0.3
    assert "apr 'n/a', expected 0.1" in found.detail


def test_a_file_without_the_derived_column_is_not_checked() -> None:
    table = _table(other=["1"])
    compare(table, "apr", "f(apy)", _expected(0.1), Tolerance(1e-6))
    assert table.findings == []


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_derived_cells_disagree(value: str) -> None:
    table = _table(apr=["0.1", value])
    compare(table, "apr", "f(apy)", _expected(0.1, 0.1), Tolerance(1e-6))
    assert [(f.count, f.line) for f in table.findings] == [(1, 6)]
