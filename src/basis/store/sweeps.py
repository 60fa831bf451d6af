"""Sweep bookkeeping: which parameter points of a named sweep or study ran, failed or wait.

A point is keyed by a hash of its dataset and parameters, so re-running a sweep under the
same name finds the points already done and skips them; failed points are tried again.
A finished point's run is saved with the point's status in one transaction, so a crash
never leaves a run that its sweep does not know about, nor a point marked done without
its run.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from basis.errors import ConfigError
from basis.model.result import RunResult
from basis.store import rows
from basis.store.results import ResultStore
from basis.store.schema import events, runs, series, sweep_points, sweeps

__all__ = [
    "KINDS",
    "STATUS_DONE",
    "STATUS_FAILED",
    "PointRecord",
    "PointRow",
    "SweepSpec",
    "SweepStore",
]

STATUS_DONE: Final = "done"
STATUS_FAILED: Final = "failed"
KINDS: Final = ("sweep", "optimize")


@dataclass(frozen=True)
class SweepSpec:
    """What defines a sweep: two runs under one name must agree on all of it.

    `grid` is the JSON document of everything that changes results (the grid or search
    space, the window, the capital, for a study its objective and seed).
    """

    name: str
    kind: str
    mode: str
    dataset: str
    grid: Mapping[str, Any]


@dataclass(frozen=True)
class PointRecord:
    """One parameter point of a sweep, as the sweep knows it before it runs."""

    key: str
    position: int
    dataset: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class PointRow:
    """A stored point with its run's numbers (None when it failed or its run was deleted)."""

    key: str
    position: int
    dataset: str
    params: Mapping[str, Any]
    status: str
    run_id: str | None
    error: str | None
    seconds: float | None
    metrics: Mapping[str, Any] | None
    risk: Mapping[str, Any] | None
    final_equity: float | None
    ran_on: str | None = None  # the dataset its run used (a scenario fallback differs)

    @property
    def done(self) -> bool:
        """Finished and its run is still stored (a deleted run makes the point run again)."""
        return self.status == STATUS_DONE and self.run_id is not None


class SweepStore(ResultStore):
    """The results store with sweeps: the one writer of a sweep's runs and points."""

    def open_sweep(self, spec: SweepSpec) -> bool:
        """Create the sweep `spec.name`, or check that the stored one is the same sweep.

        Returns True when created, False when it already existed (a resume). Raises
        ConfigError naming what differs when the name holds another kind, mode, dataset or
        grid.
        """
        if spec.kind not in KINDS:
            raise ValueError(f"sweep kind {spec.kind!r}: expected one of {KINDS}")
        grid = _normal(spec.grid)
        with self._engine.begin() as connection:
            found = (
                connection.execute(sa.select(sweeps).where(sweeps.c.name == spec.name))
                .mappings()
                .first()
            )
            if found is None:
                connection.execute(
                    sa.insert(sweeps),
                    {
                        "name": spec.name,
                        "kind": spec.kind,
                        "mode": spec.mode,
                        "dataset": spec.dataset,
                        "grid": grid,
                        "created_at": self._clock(),
                    },
                )
                return True
        differences = _differences(found, spec, grid)
        if differences:
            raise ConfigError(
                f"sweep name {spec.name!r} is already used by a different {found['kind']}: "
                f"{'; '.join(differences)}; choose another --name"
            )
        return False

    def sweep(self, name: str) -> SweepSpec | None:
        """The stored sweep `name`, or None."""
        with self._engine.connect() as connection:
            found = (
                connection.execute(sa.select(sweeps).where(sweeps.c.name == name))
                .mappings()
                .first()
            )
        if found is None:
            return None
        return SweepSpec(
            found["name"], found["kind"], found["mode"], found["dataset"], found["grid"]
        )

    def points(self, name: str) -> builtins.list[PointRow]:
        """Every stored point of sweep `name` in grid order, with its run's numbers."""
        query = (
            sa.select(
                sweep_points,
                runs.c.metrics,
                runs.c.risk,
                runs.c.final_equity,
                runs.c.dataset.label("ran_on"),
            )
            .select_from(sweep_points.outerjoin(runs, sweep_points.c.run_id == runs.c.run_id))
            .where(sweep_points.c.sweep == name)
            .order_by(sweep_points.c.position, sweep_points.c.point_key)
        )
        with self._engine.connect() as connection:
            return [_point_row(row) for row in connection.execute(query).mappings()]

    def record_done(self, name: str, point: PointRecord, result: RunResult, seconds: float) -> None:
        """Save `result` and mark `point` done with its run id, in one transaction.

        Raises ValueError when the result cannot be saved (see `ResultStore.save`).
        """
        rows.check_savable(result)
        with self._engine.begin() as connection:
            connection.execute(sa.insert(runs), rows.run_row(result, self._clock()))
            connection.execute(sa.insert(series), rows.series_rows(result))
            logged = rows.event_rows(result)
            if logged:
                connection.execute(sa.insert(events), logged)
            self._put_point(connection, name, point, STATUS_DONE, result.run_id, None, seconds)

    def record_failed(self, name: str, point: PointRecord, error: str, seconds: float) -> None:
        """Mark `point` failed with the error text; a later run of the sweep retries it."""
        with self._engine.begin() as connection:
            self._put_point(connection, name, point, STATUS_FAILED, None, error, seconds)

    def _put_point(
        self,
        connection: sa.Connection,
        name: str,
        point: PointRecord,
        status: str,
        run_id: str | None,
        error: str | None,
        seconds: float,
    ) -> None:
        values = {
            "position": point.position,
            "dataset": point.dataset,
            "params": _normal(point.params),
            "status": status,
            "run_id": run_id,
            "error": error,
            "seconds": seconds,
            "updated_at": self._clock(),
        }
        where = (sweep_points.c.sweep == name) & (sweep_points.c.point_key == point.key)
        updated = connection.execute(sa.update(sweep_points).where(where).values(**values))
        if updated.rowcount == 0:
            connection.execute(
                sa.insert(sweep_points), {"sweep": name, "point_key": point.key, **values}
            )


def _differences(found: sa.RowMapping, spec: SweepSpec, grid: Any) -> list[str]:
    """What differs between the stored sweep and `spec`, as `field: stored X, given Y`."""
    stored: dict[str, Any] = {field: found[field] for field in ("kind", "mode", "dataset")}
    given: dict[str, Any] = {"kind": spec.kind, "mode": spec.mode, "dataset": spec.dataset}
    for document, target in ((found["grid"], stored), (grid, given)):
        items = document.items() if isinstance(document, dict) else [("grid", document)]
        target.update((f"grid {key}", value) for key, value in items)
    return [
        f"{field}: stored {_text(stored.get(field))}, given {_text(given.get(field))}"
        for field in dict.fromkeys([*stored, *given])
        if _text(stored.get(field)) != _text(given.get(field))
    ]


def _normal(document: Mapping[str, Any]) -> Any:
    """The document as the database gives it back (tuples as lists, keys as strings)."""
    return json.loads(json.dumps(document, default=str))


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _point_row(row: sa.RowMapping) -> PointRow:
    return PointRow(
        key=row["point_key"],
        position=row["position"],
        dataset=row["dataset"],
        params=row["params"],
        status=row["status"],
        run_id=row["run_id"],
        error=row["error"],
        seconds=row["seconds"],
        metrics=row["metrics"],
        risk=row["risk"],
        final_equity=None if row["final_equity"] is None else float(row["final_equity"]),
        ran_on=row["ran_on"],
    )
