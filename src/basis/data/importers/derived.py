"""Derived columns a source file carries beside their inputs (an APR next to the APY, a
quote volume next to volume and prices): rows where the derived value disagrees with its
inputs beyond a stated tolerance import, and the file gets an `inconsistent_derived`
finding naming the column, the count, the first row and the tolerance.

The importers keep the inputs (the primary columns), never the derived value, so a
disagreement changes nothing imported; it says the vendor's pipeline changed or broke.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from basis.data.importers.table import SourceTable

__all__ = ["Tolerance", "compare", "report"]


@dataclass(frozen=True)
class Tolerance:
    """How far a derived value may stray from what its inputs give: `amount` in `unit`,
    or a fraction of the expected value when `relative`."""

    amount: float
    unit: str = ""
    relative: bool = False

    def __str__(self) -> str:
        if self.relative:
            return f"±{self.amount * 100:g} %"
        return f"±{self.amount:g} {self.unit}".rstrip()


def compare(
    table: SourceTable,
    column: str,
    relation: str,
    expected: pl.Series,
    tolerance: Tolerance,
    *,
    upper: pl.Series | None = None,
) -> None:
    """Note `inconsistent_derived` for the rows where the file's `column` is further than
    `tolerance` from `expected` (what `relation`, in words, gives from the inputs), or
    outside `[expected, upper]` when an upper bound is given.

    A file without `column` is not checked (derived columns are optional), nor are rows
    where the cell is empty or the inputs give no finite value (an empty input, a zero
    divisor). A cell that is not a finite number disagrees.
    """
    if column not in table.columns:
        return
    rows = pl.DataFrame(
        {
            "raw": table.frame[column],
            "low": expected.cast(pl.Float64),
            "high": (expected if upper is None else upper).cast(pl.Float64),
        }
    ).with_columns(value=pl.col("raw").cast(pl.Float64, strict=False))
    below, above = pl.col("low") - pl.col("value"), pl.col("value") - pl.col("high")
    nearest = pl.when(below > 0).then(pl.col("low")).otherwise(pl.col("high")).abs()
    limit = tolerance.amount * nearest if tolerance.relative else pl.lit(tolerance.amount)
    finite = pl.col("value").is_not_null() & pl.col("value").is_finite()
    checked = pl.col("raw").is_not_null() & pl.col("low").is_finite() & pl.col("high").is_finite()
    beyond = (pl.max_horizontal(below, above) > limit).fill_null(False)
    bad = rows.select((checked & (~finite | beyond)).fill_null(False)).to_series()

    def wanted(index: int) -> str:
        low, high = rows["low"][index], rows["high"][index]
        return _number(low) if upper is None else f"{_number(low)} – {_number(high)}"

    report(table, column, bad, relation, str(tolerance), wanted)


def report(
    table: SourceTable,
    column: str,
    bad: pl.Series,
    relation: str,
    tolerance: str,
    expected: Callable[[int], str],
) -> None:
    """Note `inconsistent_derived` for the rows where `bad` holds (nothing when none):
    their count, the first one's line, its cell and `expected(index)` for that row."""
    bad = bad.fill_null(False)
    if not bad.any():
        return
    index = int(bad.arg_true()[0])
    count = int(bad.sum())
    line = table.line(index)
    cell = table.frame[column][index]
    table.note(
        "inconsistent_derived",
        count,
        f"{column} is not {relation} within {tolerance} in {count} row(s); first at line "
        f"{line}: {column} {cell!r}, expected {expected(index)}",
        line,
    )


def _number(value: float) -> str:
    return f"{value:.10g}"
