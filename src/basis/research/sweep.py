"""Parameter sweeps: plan a grid (checked up front), run its pending points on dask, store
each finished run from the client, and summarise.

A sweep has a name; its points are keyed by dataset and parameters, so running the same
sweep again skips the points already done and retries the failed ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import distributed

from basis.engine.backtest import check_fallback
from basis.errors import ConfigError
from basis.model.result import RunResult
from basis.research.backtests import BacktestTask, check_dataset, run_task
from basis.research.cluster import Outcome, run_tasks
from basis.research.grid import Grid, Point, expand, scenario_datasets, validate
from basis.research.parameters import ModeChecker, canonical
from basis.store.sweeps import PointRecord, PointRow, SweepSpec, SweepStore

__all__ = [
    "SweepPlan",
    "SweepRequest",
    "SweepRun",
    "check_name",
    "default_name",
    "plan_sweep",
    "run_sweep",
    "store_outcome",
    "window_document",
]

NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9._\-]{0,99}")
DATASET_LABEL_LENGTH: Final = 200

Progress = Callable[[int, int], None]
"""Called with (done, failed) counts of this run after each point finishes."""


MAX_POINTS: Final = 500
"""Grids larger than this are refused unless `--max-points` raises the limit."""
# The estimate of a refused grid's cost (docs/benchmarks.md: 10k-45k engine steps/s per
# mode on one core, plus loading and storing a run).
STEPS_PER_S: Final = 20_000
POINT_OVERHEAD_S: Final = 0.5
DEFAULT_WINDOW_HOURS: Final = 2 * 8_760  # scenario:default when no window is given


@dataclass(frozen=True)
class SweepRequest:
    """A sweep as the user asks for it; `dataset` None means `scenario:default` unless the
    grid has a scenario axis."""

    mode: str
    grid: Grid
    catalog: Path
    configs: Path
    dataset: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    capital: float | None = None
    name: str | None = None
    x: str | None = None
    y: str | None = None
    max_points: int = MAX_POINTS
    fallback: str | None = None


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep: its identity, its points and the axes its report plots."""

    request: SweepRequest
    spec: SweepSpec
    points: tuple[Point, ...]
    datasets: tuple[str, ...]
    x: str
    y: str | None

    @property
    def name(self) -> str:
        return self.spec.name

    def pending(self, stored: Sequence[PointRow]) -> list[Point]:
        """The points to run: not stored yet, failed, or done but their run was deleted."""
        done = {row.key for row in stored if row.done}
        return [point for point in self.points if point.key not in done]

    def task(self, point: Point) -> BacktestTask:
        request = self.request
        return BacktestTask(
            request.mode,
            point.dataset,
            request.start,
            request.end,
            request.capital,
            point.overrides,
            request.catalog,
            request.configs,
            request.fallback,
        )


@dataclass(frozen=True)
class SweepRun:
    """What one invocation did: points run now (done, failed) and skipped (done before)."""

    ran: int
    done: int
    failed: int
    skipped: int


def plan_sweep(request: SweepRequest) -> SweepPlan:
    """Check the request and expand the grid; nothing runs. Raises ConfigError naming the
    grid file, key and value for a bad grid or a point the mode rejects, and for a bad
    `--x`/`--y` or `--data` given together with a scenario axis."""
    grid = request.grid
    if grid.scenarios and request.dataset is not None:
        raise ConfigError(
            f"{grid.path}: the grid has a scenarios axis {list(grid.scenarios)}; "
            "do not also give --data"
        )
    dataset = request.dataset or "scenario:default"
    check_dataset(dataset)
    check_fallback(request.fallback)
    datasets = tuple(scenario_datasets(grid)) if grid.scenarios else (dataset,)
    check_size(grid, datasets, request)
    points = expand(grid, datasets)
    validate(grid, points, ModeChecker(request.configs, request.mode, request.capital))
    x, y = _axes(grid, request.x, request.y)
    document = {
        **grid.document(),
        **window_document(request.start, request.end, request.capital, request.fallback),
    }
    label = ",".join(datasets)
    if len(label) > DATASET_LABEL_LENGTH:  # the scenarios are in the document anyway
        label = label[: DATASET_LABEL_LENGTH - 1] + "…"
    name = check_name(request.name) or default_name(request.mode, label, document)
    spec = SweepSpec(name, "sweep", request.mode, label, document)
    return SweepPlan(request, spec, tuple(points), datasets, x, y)


def check_size(grid: Grid, datasets: Sequence[str], request: SweepRequest) -> int:
    """The number of points; ConfigError when it exceeds `request.max_points`, stating the
    count and an estimated time (counted before the grid is expanded)."""
    count = len(datasets) * math.prod(len(values) for _, values in grid.parameters)
    if count <= request.max_points:
        return count
    hours = (
        (request.end - request.start) / dt.timedelta(hours=1)
        if request.start is not None and request.end is not None
        else DEFAULT_WINDOW_HOURS
    )
    seconds = count * (POINT_OVERHEAD_S + hours / STEPS_PER_S)
    raise ConfigError(
        f"{grid.path}: the grid has {count:,} points, more than the limit of "
        f"{request.max_points:,}; at about {seconds / count:.1f} s a point that is "
        f"~{seconds / 3600:,.1f} worker-hours; shrink the grid or raise the limit with "
        f"--max-points {count}"
    )


def run_sweep(
    plan: SweepPlan,
    client: distributed.Client,
    store: SweepStore,
    progress: Progress | None = None,
) -> SweepRun:
    """Run the plan's pending points on `client`; store each as it finishes.

    The sweep must be open in `store` (`store.open_sweep(plan.spec)`). A point whose run
    raises is recorded as failed with its error and never stops the others.
    """
    stored = store.points(plan.name)
    pending = plan.pending(stored)
    counts = {"done": 0, "failed": 0}

    def on_done(i: int, outcome: Outcome[RunResult]) -> None:
        point = pending[i]
        record = PointRecord(point.key, point.position, point.dataset, dict(point.params))
        status = store_outcome(store, plan.name, record, outcome)
        counts[status] += 1
        if progress is not None:
            progress(counts["done"], counts["failed"])

    run_tasks(client, run_task, [plan.task(point) for point in pending], on_done)
    skipped = len(plan.points) - len(pending)
    return SweepRun(len(pending), counts["done"], counts["failed"], skipped)


def check_name(name: str | None) -> str | None:
    """`name` when it can name a sweep and its files (letters, digits, `.`, `_`, `-`; at
    most 100 characters, not starting with a dot); ConfigError otherwise."""
    if name is not None and not NAME_PATTERN.fullmatch(name):
        raise ConfigError(
            f"--name {name!r}: use 1 to 100 letters, digits, '.', '_' or '-', not starting "
            "with '.' (it names the output files)"
        )
    return name


def window_document(
    start: dt.datetime | None,
    end: dt.datetime | None,
    capital: float | None,
    fallback: str | None = None,
) -> dict[str, Any]:
    """The run settings that are part of a sweep's identity besides its grid (a fallback
    only when asked for, so the names of earlier sweeps stay what they were)."""
    document: dict[str, Any] = {
        "start": None if start is None else start.isoformat(),
        "end": None if end is None else end.isoformat(),
        "capital": capital,
    }
    return document | ({"fallback": fallback} if fallback else {})


def default_name(mode: str, dataset: str, document: dict[str, Any]) -> str:
    """`<mode>-<8 hex>`: the same mode, datasets and grid give the same name (so a plain
    re-run resumes)."""
    digest = hashlib.sha256(canonical({"dataset": dataset, **document}).encode()).hexdigest()
    return f"{mode}-{digest[:8]}"


def store_outcome(
    store: SweepStore, name: str, point: PointRecord, outcome: Outcome[RunResult]
) -> str:
    """Record a finished point: its run and `done`, or `failed` with the error. A result the
    store refuses (ValueError) fails the point. Returns the status."""
    if outcome.value is not None:
        try:
            store.record_done(name, point, outcome.value, outcome.seconds)
        except ValueError as error:  # a result the store refuses is this point's failure
            store.record_failed(name, point, f"{type(error).__name__}: {error}", outcome.seconds)
            return "failed"
        return "done"
    store.record_failed(name, point, outcome.error or "no result", outcome.seconds)
    return "failed"


def _axes(grid: Grid, x: str | None, y: str | None) -> tuple[str, str | None]:
    axes = grid.axes
    for flag, value in (("--x", x), ("--y", y)):
        if value is not None and value not in axes:
            raise ConfigError(f"{flag} {value!r} is not an axis of {grid.path}; axes: {axes}")
    if x is not None and x == y:
        raise ConfigError(f"--x and --y are both {x!r}; choose two different axes")
    first = x or next(axis for axis in axes if axis != y)
    rest = [axis for axis in axes if axis != first]
    second = y if y is not None else (rest[0] if rest else None)
    return first, second
