"""Row spacing inside one imported file: where a series settles on another spacing than
it had (hourly rows becoming 8-hourly, weekly rows becoming daily), the file imports with
a `frequency_change` finding naming where and from what to what.

Steps are measured between consecutive distinct timestamps (sorted, per token for
rewards), rounded to the minute. A spacing is *settled* by `SETTLED_STEPS` equal steps in
a row; a single odd step is a gap or a late row (`basis data check` reports those), never
a change. A change is a settled spacing other than the settled spacing before it.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from basis.data.importers.table import SourceTable
from basis.data.schema import ROW

__all__ = ["GROUPS", "SETTLED_STEPS", "frequency_changes"]

SETTLED_STEPS: Final = 3
"""Equal steps in a row (four rows) that settle a spacing. The real files' longest run of a
repeated odd step is 2 (the last two EIGEN payouts, 8 days apart)."""

GROUPS: Final[dict[str, tuple[str, ...]]] = {"rewards": ("token",)}
"""Columns whose values are separate series inside one file (rewards: EIGEN and ETHFI)."""

_MINUTE_US: Final = 60_000_000
_EXAMPLES: Final = 3  # changes a detail names before "…"


def frequency_changes(table: SourceTable, frame: pl.DataFrame, kind: str) -> None:
    """Note `frequency_change` on `table` when the canonical `frame` (of series `kind`,
    with `ts` and `source_row`) changes spacing inside the file.

    `count` is the rows spaced at a settled spacing other than the file's first one;
    `line` is the first row at the first new spacing; the detail lists the first changes
    (line, time, from and to).
    """
    groups = GROUPS.get(kind, ())

    def per_group(expression: pl.Expr) -> pl.Expr:
        return expression.over(groups) if groups else expression

    minutes = (pl.col("ts").diff().dt.total_microseconds() + _MINUTE_US // 2) // _MINUTE_US
    steps = (
        frame.select(*groups, "ts", ROW)
        .sort(*groups, "ts", ROW)
        .unique([*groups, "ts"], keep="first", maintain_order=True)
        .with_columns(step=per_group(minutes))
        .drop_nulls("step")
        .with_columns(run=pl.struct(*groups, "step").rle_id())
    )
    runs = (
        steps.group_by("run", maintain_order=True)
        .agg(*(pl.first(name) for name in (*groups, "step", "ts", ROW)), steps=pl.len())
        .filter(pl.col("steps") >= SETTLED_STEPS)
        .with_columns(
            before=per_group(pl.col("step").shift(1)),
            first=per_group(pl.col("step").first()),
        )
    )
    changes = runs.filter(pl.col("step") != pl.col("before")).sort(ROW)
    if changes.is_empty():
        return
    count = int(runs.filter(pl.col("step") != pl.col("first"))["steps"].sum())
    described = [_change(change, groups) for change in changes.iter_rows(named=True)]
    shown = "; ".join(described[:_EXAMPLES]) + ("; …" if len(described) > _EXAMPLES else "")
    table.note(
        "frequency_change",
        count,
        f"row spacing changes {len(described)} time(s), {count} row(s) off the first "
        f"spacing: {shown}",
        int(changes[ROW][0]),
    )


def _change(change: dict[str, Any], groups: tuple[str, ...]) -> str:
    """`[EIGEN ]line 47 (2024-01-02 23:00) from 1h to 8h`."""
    where = "".join(f"{change[name]} " for name in groups)
    stamp = change["ts"].strftime("%Y-%m-%d %H:%M")
    return (
        f"{where}line {change[ROW]} ({stamp}) from {_span(change['before'])} to "
        f"{_span(change['step'])}"
    )


def _span(minutes: int) -> str:
    """A step as people write it: 30m, 1h, 8h, 1d, 7d, 1d 12h."""
    days, rest = divmod(minutes, 1440)
    hours, left = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{left}m" if left else ""]
    return " ".join(part for part in parts if part) or "0m"
