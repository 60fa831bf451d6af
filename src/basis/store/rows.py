"""Turn a `RunResult` into table rows and back, with no database in sight.

Series rows are named `times`, `equity`, `flows`, `attribution:<category>` (one column of
the attribution array each) and `series:<name>` for the result's own series, so a series
can never collide with the fixed ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from basis.book.ledger import CATEGORIES
from basis.model.result import Event, EventKind, RunResult, RunSummary
from basis.store.schema import RUN_ID_LENGTH

__all__ = [
    "STATUS_COMPLETE",
    "check_savable",
    "event_rows",
    "result_from_rows",
    "run_row",
    "series_rows",
]

STATUS_COMPLETE: Final = "complete"
TIMES: Final = "times"
EQUITY: Final = "equity"
FLOWS: Final = "flows"
ATTRIBUTION_PREFIX: Final = "attribution:"
SERIES_PREFIX: Final = "series:"
FLOAT64: Final = "<f8"
INT64: Final = "<i8"


def check_savable(result: RunResult) -> None:
    """Raise `ValueError` when `result` breaks the run contract in a way the store would keep:
    no summary, a bad id, naive datetimes, or arrays of different lengths."""
    name = f"run {result.run_id!r}"
    if not result.run_id or len(result.run_id) > RUN_ID_LENGTH:
        raise ValueError(f"{name}: a run id has 1 to {RUN_ID_LENGTH} characters")
    if result.summary is None:
        raise ValueError(f"{name} has no summary; summarise it before saving")
    instants = [("start", result.start), ("end", result.end)]
    instants += [(f"event {k}", event.time) for k, event in enumerate(result.events)]
    for label, instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"{name}: {label} time {instant.isoformat()} has no timezone")
    steps = len(result.times)
    shapes = {EQUITY: result.equity.shape, FLOWS: result.flows.shape}
    shapes |= {f"{SERIES_PREFIX}{key}": values.shape for key, values in result.series.items()}
    wrong = {key: shape for key, shape in shapes.items() if shape != (steps,)}
    if result.times.ndim != 1 or wrong:
        raise ValueError(f"{name}: arrays must have one value per step ({steps}); got {wrong}")
    if result.attribution.shape != (steps, len(CATEGORIES)):
        raise ValueError(
            f"{name}: attribution has shape {result.attribution.shape}, "
            f"expected ({steps}, {len(CATEGORIES)})"
        )


def run_row(result: RunResult, created_at: datetime) -> dict[str, Any]:
    """The `basis_runs` row of a checked result."""
    summary = _summary(result)
    return {
        "run_id": result.run_id,
        "mode": result.mode,
        "share_class": result.share_class,
        "dataset": result.dataset,
        "start": result.start,
        "end": result.end,
        "created_at": created_at,
        "status": STATUS_COMPLETE,
        "steps": len(result.times),
        "initial_equity": _nullable(result.initial_equity),
        "final_equity": _nullable(result.final_equity) if len(result.equity) else None,
        "net_flows": _nullable(result.net_flows),
        "config": dict(result.config),
        "metrics": dict(summary.metrics),
        "attribution": dict(summary.attribution),
        "risk": dict(summary.risk),
        "warnings": list(result.warnings),
    }


def series_rows(result: RunResult) -> list[dict[str, Any]]:
    """The `basis_run_series` rows: one little-endian blob per array or attribution column."""
    arrays: list[tuple[str, str, npt.NDArray[Any]]] = [
        (TIMES, INT64, result.times),
        (EQUITY, FLOAT64, result.equity),
        (FLOWS, FLOAT64, result.flows),
    ]
    arrays += [
        (f"{ATTRIBUTION_PREFIX}{category.value}", FLOAT64, result.attribution[:, column])
        for column, category in enumerate(CATEGORIES)
    ]
    arrays += [(f"{SERIES_PREFIX}{key}", FLOAT64, values) for key, values in result.series.items()]
    return [
        {
            "run_id": result.run_id,
            "name": name,
            "position": position,
            "dtype": dtype,
            "values": np.ascontiguousarray(values, dtype=dtype).tobytes(),
        }
        for position, (name, dtype, values) in enumerate(arrays)
    ]


def event_rows(result: RunResult) -> list[dict[str, Any]]:
    """The `basis_run_events` rows, numbered in log order from 0."""
    return [
        {
            "run_id": result.run_id,
            "seq": seq,
            "time": event.time,
            "kind": event.kind.value,
            "account": event.account,
            "subject": event.subject,
            "detail": event.detail,
            "size": _nullable(event.size),
            "value": _nullable(event.value),
            "cost": _nullable(event.cost),
        }
        for seq, event in enumerate(result.events)
    ]


def result_from_rows(
    run: Mapping[Any, Any],
    arrays: Sequence[Mapping[Any, Any]],
    logged: Sequence[Mapping[Any, Any]],
) -> RunResult:
    """Rebuild the `RunResult` from its run row, its series rows (in position order) and its
    event rows (in seq order). A category missing from an older run loads as zeros."""
    by_name = {row["name"]: _array(row["dtype"], row["values"]) for row in arrays}
    steps = int(run["steps"])
    columns = [
        by_name.get(f"{ATTRIBUTION_PREFIX}{category.value}", np.zeros(steps, dtype=np.float64))
        for category in CATEGORIES
    ]
    return RunResult(
        run_id=run["run_id"],
        mode=run["mode"],
        share_class=run["share_class"],
        dataset=run["dataset"],
        start=run["start"],
        end=run["end"],
        config=run["config"],
        initial_equity=_float(run["initial_equity"]),
        times=by_name[TIMES].astype(np.int64),
        equity=by_name[EQUITY].astype(np.float64),
        flows=by_name[FLOWS].astype(np.float64),
        attribution=np.column_stack(columns).astype(np.float64),
        series={
            name.removeprefix(SERIES_PREFIX): values.astype(np.float64)
            for name, values in by_name.items()
            if name.startswith(SERIES_PREFIX)
        },
        events=tuple(_event(row) for row in logged),
        warnings=tuple(run["warnings"]),
        summary=RunSummary(
            metrics=run["metrics"], attribution=run["attribution"], risk=run["risk"]
        ),
    )


def _summary(result: RunResult) -> RunSummary:
    if result.summary is None:
        raise ValueError(f"run {result.run_id!r} has no summary; summarise it before saving")
    return result.summary


def _array(dtype: str, blob: bytes) -> npt.NDArray[Any]:
    return np.frombuffer(blob, dtype=np.dtype(dtype))


def _event(row: Mapping[Any, Any]) -> Event:
    return Event(
        time=row["time"],
        kind=EventKind(row["kind"]),
        account=row["account"],
        subject=row["subject"],
        detail=row["detail"],
        size=_float(row["size"]),
        value=_float(row["value"]),
        cost=_float(row["cost"]),
    )


def _nullable(value: float) -> float | None:
    """NaN as NULL: SQLite cannot store NaN (it would turn it into NULL anyway)."""
    number = float(value)
    return None if math.isnan(number) else number


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)
