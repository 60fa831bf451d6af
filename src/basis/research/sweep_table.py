"""The sweep table: one row per grid point with its parameters, status and run numbers.

Written as Parquet and CSV beside the HTML report; rates are decimals (0.05 = 5 %),
amounts in the mode's share class, and a metric that does not apply is null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from basis.analytics.metrics import METRIC_KEYS
from basis.research.grid import Point
from basis.research.parameters import canonical
from basis.store.sweeps import PointRow

__all__ = ["HEAD_COLUMNS", "METRIC_COLUMNS", "STATUS_PENDING", "cell", "first_line", "sweep_table"]

STATUS_PENDING: Final = "pending"
HEAD_COLUMNS: Final = ("position", "dataset", "ran_on")
STATUS_COLUMNS: Final = ("status", "error", "run_id")
RISK_KEYS: Final = ("min_health_factor", "min_margin_ratio", "liquidations")
_FIRST: Final = ("apr", "apy", "max_drawdown", "min_health_factor", "liquidations")
METRIC_COLUMNS: Final = (
    *_FIRST,
    "final_equity",
    *(key for key in (*METRIC_KEYS, *RISK_KEYS) if key not in _FIRST),
)
"""The run numbers in table order: the headline ones first, then every other metric."""


def sweep_table(
    points: Sequence[Point], stored: Mapping[str, PointRow], names: Sequence[str]
) -> pl.DataFrame:
    """The table of `points` (grid order) with what the store holds for each (by key).

    Columns: position, dataset (as asked), ran_on (the dataset its run used: a scenario
    when the asked one lacked a series and the sweep allowed a fallback; null until run),
    one per parameter in `names` (mappings and lists as JSON
    text), status (done | failed | pending), error (its first line), run_id, then
    `METRIC_COLUMNS`, then seconds (the run's wall time on its worker).
    """
    records = [_record(point, stored.get(point.key), names) for point in points]
    columns = [*HEAD_COLUMNS, *names, *STATUS_COLUMNS, *METRIC_COLUMNS, "seconds"]
    schema: dict[str, Any] = {
        "position": pl.Int64,
        "dataset": pl.String,
        "ran_on": pl.String,
        "status": pl.String,
        "error": pl.String,
        "run_id": pl.String,
        "liquidations": pl.Int64,
        "seconds": pl.Float64,
    }
    series = []
    for column in columns:
        values = [record[column] for record in records]
        dtype = schema.get(column, None if column in names else pl.Float64)
        series.append(pl.Series(column, values, dtype=dtype, strict=False))
    return pl.DataFrame(series)


def cell(value: Any) -> Any:
    """A parameter value as a table cell: scalars as they are, anything else as JSON text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return canonical(value)


def first_line(text: str | None) -> str | None:
    return None if text is None else text.strip().splitlines()[0] if text.strip() else text


def _record(point: Point, row: PointRow | None, names: Sequence[str]) -> dict[str, Any]:
    ran_on = row.ran_on if row is not None and row.done else None
    record: dict[str, Any] = {
        "position": point.position,
        "dataset": point.dataset,
        "ran_on": ran_on,
    }
    record |= {name: cell(point.params.get(name)) for name in names}
    numbers: dict[str, Any] = {}
    if row is not None and row.done:
        numbers = {**(row.metrics or {}), **(row.risk or {}), "final_equity": row.final_equity}
    record |= {column: _number(numbers.get(column)) for column in METRIC_COLUMNS}
    liquidations = numbers.get("liquidations")
    record["liquidations"] = int(liquidations) if isinstance(liquidations, int | float) else None
    record["status"] = row.status if row is not None else STATUS_PENDING
    record["error"] = first_line(row.error) if row is not None else None
    record["run_id"] = row.run_id if row is not None else None
    record["seconds"] = row.seconds if row is not None else None
    return record


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    return float(value) if isinstance(value, int | float) else None
