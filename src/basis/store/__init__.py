"""Results store: finished runs in SQLite (default) or PostgreSQL, schema kept by Alembic."""

from basis.store.database import resolve_url
from basis.store.json import json_safe, run_json
from basis.store.results import MIN_PREFIX, ResultStore, RunRow
from basis.store.sweeps import PointRecord, PointRow, SweepSpec, SweepStore

__all__ = [
    "MIN_PREFIX",
    "PointRecord",
    "PointRow",
    "ResultStore",
    "RunRow",
    "SweepSpec",
    "SweepStore",
    "json_safe",
    "resolve_url",
    "run_json",
]
