"""Optimisation studies: Optuna ask/tell over a search space, trials evaluated in batches on
dask, every run stored (as a sweep named after the study) from the client process.

The sampler is TPE with Optuna's trial constraints (`Trial.set_constraint`, which replaced
`constraints_func` in Optuna 5): each trial carries one violation per constraint (≤ 0
feasible) and TPE ranks infeasible trials by their total violation, so it steers away
from infeasible regions without distorting the objective with a penalty. A trial whose
run fails, or whose objective does not apply, is told FAIL. With the same seed and batch
size a study asks the same trials; a point already done under the study's name is reused,
not run again, so re-running a study replays it from the store and extends it when
`--trials` grows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import distributed
import optuna
from optuna.samplers import TPESampler
from optuna.study import StudyDirection
from optuna.trial import Trial, TrialState

from basis.engine.backtest import check_fallback
from basis.errors import ConfigError
from basis.model.result import RunResult
from basis.research.backtests import BacktestTask, check_dataset, run_task
from basis.research.cluster import Outcome, run_tasks
from basis.research.constraints import OBJECTIVES, Constraint, objective_value
from basis.research.parameters import canonical, overrides, point_key
from basis.research.space import Space
from basis.research.sweep import check_name, store_outcome, window_document
from basis.store.sweeps import PointRecord, PointRow, SweepSpec, SweepStore

__all__ = [
    "DIRECTIONS",
    "STATE_COMPLETE",
    "STATE_FAILED",
    "StudyOutcome",
    "StudyPlan",
    "StudyRequest",
    "TrialRecord",
    "plan_study",
    "run_study",
]

DIRECTIONS: Final = ("maximize", "minimize")
STATE_COMPLETE: Final = "complete"
STATE_FAILED: Final = "failed"

Progress = Callable[[int, int, int], None]
"""Called with (complete, failed, total) trials: once at the start, then after each tell."""


@dataclass(frozen=True)
class StudyRequest:
    """An optimisation as the user asks for it."""

    mode: str
    space: Space
    objective: str
    catalog: Path
    configs: Path
    direction: str = "maximize"
    trials: int = 20
    constraints: tuple[Constraint, ...] = ()
    dataset: str = "scenario:default"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    capital: float | None = None
    seed: int = 0
    name: str | None = None
    fallback: str | None = None


@dataclass(frozen=True)
class StudyPlan:
    """A checked study and its identity in the store."""

    request: StudyRequest
    spec: SweepSpec

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class TrialRecord:
    """One told trial: its point, state, objective value and constraint violations.

    `numbers` are the run's metrics and risk fields merged; `reused` says the run came from
    the store (done before this batch) rather than from a new backtest.
    """

    number: int
    params: Mapping[str, Any]
    key: str
    state: str
    value: float | None
    violations: tuple[float, ...]
    run_id: str | None
    error: str | None
    numbers: Mapping[str, Any] = field(default_factory=dict)
    reused: bool = False

    @property
    def feasible(self) -> bool:
        return self.state == STATE_COMPLETE and all(v <= 0.0 for v in self.violations)


@dataclass(frozen=True)
class StudyOutcome:
    """Every trial in number order, the best feasible one, how many backtests ran, and the
    Optuna study as told (for Optuna's own analysis and plots)."""

    trials: tuple[TrialRecord, ...]
    best: TrialRecord | None
    ran: int
    study: optuna.Study


def plan_study(request: StudyRequest) -> StudyPlan:
    """Check the request; nothing runs. Raises ConfigError for a bad objective, direction,
    trial count or dataset."""
    if request.objective not in OBJECTIVES:
        raise ConfigError(f"--objective {request.objective!r}: expected one of {list(OBJECTIVES)}")
    if request.direction not in DIRECTIONS:
        raise ConfigError(f"--direction {request.direction!r}: expected one of {list(DIRECTIONS)}")
    if request.trials < 1:
        raise ConfigError(f"--trials must be at least 1, got {request.trials}")
    check_dataset(request.dataset)
    check_fallback(request.fallback)
    document = {
        **request.space.document,
        "objective": request.objective,
        "direction": request.direction,
        "constraints": [str(constraint) for constraint in request.constraints],
        "seed": request.seed,
        **window_document(request.start, request.end, request.capital, request.fallback),
    }
    digest = hashlib.sha256(
        canonical({"dataset": request.dataset, **document}).encode()
    ).hexdigest()
    name = check_name(request.name) or f"{request.mode}-{request.objective}-{digest[:8]}"
    return StudyPlan(request, SweepSpec(name, "optimize", request.mode, request.dataset, document))


def run_study(
    plan: StudyPlan,
    client: distributed.Client,
    store: SweepStore,
    batch: int,
    progress: Progress | None = None,
) -> StudyOutcome:
    """Ask `batch` trials at a time, run the new points on `client`, tell the results.

    The study must be open in `store` (`store.open_sweep(plan.spec)`).
    """
    if batch < 1:
        raise ConfigError(f"--batch must be at least 1, got {batch}")
    request = plan.request
    study = _create_study(plan)
    distributions = request.space.distributions()
    records: list[TrialRecord] = []
    counts = {STATE_COMPLETE: 0, STATE_FAILED: 0}
    ran = 0
    if progress is not None:
        progress(0, 0, request.trials)
    while len(records) < request.trials:
        asked = [study.ask(distributions) for _ in range(min(batch, request.trials - len(records)))]
        points = [_point(plan, trial) for trial in asked]
        before = {row.key: row for row in store.points(plan.name)}
        ran += _run_new(plan, client, store, points, before)
        after = {row.key: row for row in store.points(plan.name)}
        for trial, point in zip(asked, points, strict=True):
            record = _record(request, trial, point, after.get(point.key), before.get(point.key))
            _tell(study, trial, record, request.constraints)
            records.append(record)
            counts[record.state] += 1
            if progress is not None:
                progress(counts[STATE_COMPLETE], counts[STATE_FAILED], request.trials)
    return StudyOutcome(tuple(records), _best(records, request.direction), ran, study)


def _create_study(plan: StudyPlan) -> optuna.Study:
    request = plan.request
    sampler = TPESampler(seed=request.seed)
    direction = (
        StudyDirection.MAXIMIZE if request.direction == "maximize" else StudyDirection.MINIMIZE
    )
    return optuna.create_study(study_name=plan.name, direction=direction, sampler=sampler)


def _point(plan: StudyPlan, trial: Trial) -> PointRecord:
    params = plan.request.space.params(trial.params)
    dataset = plan.request.dataset
    return PointRecord(point_key(dataset, params), trial.number, dataset, params)


def _run_new(
    plan: StudyPlan,
    client: distributed.Client,
    store: SweepStore,
    points: Sequence[PointRecord],
    stored: Mapping[str, PointRow],
) -> int:
    """Run (once each) the points not already done; store their results. Returns how many."""
    request = plan.request
    new = {
        point.key: point
        for point in points
        if point.key not in stored or not stored[point.key].done
    }
    todo = list(new.values())
    tasks = [
        BacktestTask(
            request.mode,
            point.dataset,
            request.start,
            request.end,
            request.capital,
            overrides(point.params),
            request.catalog,
            request.configs,
            request.fallback,
        )
        for point in todo
    ]

    def on_done(i: int, outcome: Outcome[RunResult]) -> None:
        store_outcome(store, plan.name, todo[i], outcome)

    run_tasks(client, run_task, tasks, on_done)
    return len(todo)


def _record(
    request: StudyRequest,
    trial: Trial,
    point: PointRecord,
    row: PointRow | None,
    before: PointRow | None,
) -> TrialRecord:
    failed = TrialRecord(
        number=trial.number,
        params=point.params,
        key=point.key,
        state=STATE_FAILED,
        value=None,
        violations=(),
        run_id=None,
        error=row.error if row is not None else "the point was not stored",
        reused=before is not None and before.done,
    )
    if row is None or not row.done:
        return failed
    numbers = {**(row.metrics or {}), **(row.risk or {}), "final_equity": row.final_equity}
    value = objective_value(request.objective, numbers)
    found = replace(
        failed,
        violations=tuple(c.violation(numbers) for c in request.constraints),
        run_id=row.run_id,
        numbers=numbers,
    )
    if value is None:
        undefined = f"objective {request.objective} does not apply to this run (it is undefined)"
        return replace(found, error=undefined)
    return replace(found, state=STATE_COMPLETE, value=value, error=None)


def _tell(
    study: optuna.Study, trial: Trial, record: TrialRecord, constraints: Sequence[Constraint]
) -> None:
    for constraint, violation in zip(constraints, record.violations, strict=False):
        trial.set_constraint(str(constraint), violation)
    if record.state == STATE_COMPLETE:
        study.tell(trial, record.value)
    else:
        study.tell(trial, state=TrialState.FAIL)


def _best(records: Sequence[TrialRecord], direction: str) -> TrialRecord | None:
    """The feasible trial with the best value; the earliest one on a tie."""
    feasible = [record for record in records if record.feasible and record.value is not None]
    if not feasible:
        return None
    sign = 1.0 if direction == "maximize" else -1.0
    return max(feasible, key=lambda r: (sign * (r.value or 0.0), -r.number))
