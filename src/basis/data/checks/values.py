"""Detections on values: missing numbers (NaN or null) and impossible negatives."""

from __future__ import annotations

import polars as pl

from basis.data.catalog import SeriesInfo
from basis.data.checks.columns import roles
from basis.data.checks.finding import EXAMPLES, Finding, FindingKind, examples, finding
from basis.data.schema import ROW


def _missing(frame: pl.DataFrame, name: str) -> pl.Expr:
    column = pl.col(name)
    if frame.schema[name].is_float():
        return column.is_null() | column.is_nan()
    return column.is_null()


def nan(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """A `nan` finding counting rows with a NaN or null in a required value column.

    Optional columns (a source that did not quote a price) are not counted.
    Returns [] or one finding whose detail names each column, its count and first rows.
    """
    kind_roles = roles(info)
    required = [name for name in kind_roles.values(info.kind) if name not in kind_roles.optional]
    return _report(
        frame,
        info,
        "nan",
        {name: _missing(frame, name) for name in required},
        "NaN or null",
    )


def negative(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """A `negative` finding counting rows with an impossible value: a price, exchange rate or
    index at or below zero, or a volume, total, gas price or lending rate below zero.

    Funding rates and benchmark yields may be negative and are not checked.
    Returns [] or one finding whose detail names each column, its count and first rows.
    """
    kind_roles = roles(info)
    conditions = {name: pl.col(name) <= 0 for name in kind_roles.positive}
    conditions |= {name: pl.col(name) < 0 for name in kind_roles.non_negative}
    return _report(frame, info, "negative", conditions, "impossible value")


def _report(
    frame: pl.DataFrame,
    info: SeriesInfo,
    kind: FindingKind,
    conditions: dict[str, pl.Expr],
    what: str,
) -> list[Finding]:
    if not conditions or frame.is_empty():
        return []
    flags = {f"{name}?": condition.fill_null(False) for name, condition in conditions.items()}
    hit = frame.sort(ROW).with_columns(**flags).filter(pl.any_horizontal(list(flags)))
    if hit.is_empty():
        return []
    parts = []
    for name in conditions:
        column = hit.filter(pl.col(f"{name}?"))
        if not column.is_empty():
            shown = [
                f"row {row}: {value}"
                for row, value in column.head(EXAMPLES).select(ROW, name).iter_rows()
            ]
            parts.append(f"{name} {column.height} ({examples(shown, column.height)})")
    detail = f"{hit.height} row(s) with {what}: " + " | ".join(parts)
    return [finding(kind, info, hit.height, detail)]
