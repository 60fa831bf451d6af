"""The JSON shape of a run, shared by `basis backtest --json` and `basis results show --json`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np

from basis.model.result import RunResult

__all__ = ["json_safe", "run_json"]


def run_json(result: RunResult) -> dict[str, Any]:
    """The run's window, equity, summary and warnings as a JSON-ready dict.

    Keys, in order: mode, share_class, dataset, fallback, allocation, start, end,
    initial_equity, final_equity, net_flows, metrics, attribution, risk, warnings, run_id.
    `dataset` is the dataset the run used; `fallback` is None, or `{requested, used,
    reason}` when the run was asked to fall back (`--fallback`); `allocation` the hedge
    weights per venue the run used, None where the mode has none. Datetimes are ISO-8601
    in UTC, rates are decimals, amounts are in the share class; NaN and ±inf become None
    (JSON has neither).
    Raises `ValueError` when the result has no summary.
    """
    if result.summary is None:
        raise ValueError(f"run {result.run_id!r} has no summary")
    document = {
        "mode": result.mode,
        "share_class": result.share_class,
        "dataset": result.dataset,
        "fallback": result.config.get("fallback"),
        "allocation": result.config.get("allocation"),
        "start": result.start,
        "end": result.end,
        "initial_equity": result.initial_equity,
        "final_equity": result.final_equity if len(result.equity) else None,
        "net_flows": result.net_flows,
        "metrics": result.summary.metrics,
        "attribution": result.summary.attribution,
        "risk": result.summary.risk,
        "warnings": result.warnings,
        "run_id": result.run_id,
    }
    cleaned: dict[str, Any] = json_safe(document)
    return cleaned


def json_safe(value: Any) -> Any:
    """`value` with datetimes as ISO-8601 UTC strings, numpy scalars as Python numbers,
    tuples as lists and non-finite floats as None, ready for `json.dumps(allow_nan=False)`."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value
