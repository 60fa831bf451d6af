"""Sweeps, optimisation studies and stress runs as jobs, planned like `basis sweep`,
`basis optimize` and `basis stress` (nothing runs until the job does) and run on Dask.

dask, Optuna and polars load only when a job is planned or runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basis.api.config import ServiceConfig
from basis.api.jobs import Finished, Job, JobManager, Progress, Work
from basis.api.schemas import StudyCreate
from basis.api.services import mode_config, overrides, utc
from basis.config.settings import Settings
from basis.store import json_safe

if TYPE_CHECKING:
    import datetime as dt

    from basis.research.stress import StressPlan
    from basis.research.study import StudyRequest
    from basis.research.sweep import SweepRequest

__all__ = [
    "queue_stress",
    "queue_study",
    "queue_sweep",
    "stress_plan",
    "stress_work",
    "study_request",
    "study_work",
    "sweep_request",
    "sweep_work",
]


def sweep_request(
    settings: Settings,
    mode: str,
    grid: Mapping[str, Any],
    data: str | None,
    start: dt.date | None,
    end: dt.date | None,
    capital: float | None,
    name: str | None,
) -> SweepRequest:
    """A checked sweep, as `basis sweep` plans it (grid, points, name); nothing runs.

    Raises ConfigError naming `mode`, or the grid's key and value (as "request.grid").
    """
    from basis.research.grid import parse_grid
    from basis.research.sweep import SweepRequest, plan_sweep

    mode_config(settings, mode, {}, capital)
    configs = settings.configs_path.resolve()
    request = SweepRequest(
        mode=mode,
        grid=parse_grid(grid, Path("request.grid"), configs),
        catalog=settings.catalog_path.resolve(),
        configs=configs,
        dataset=data,
        start=utc(start),
        end=utc(end),
        capital=capital,
        name=name,
    )
    plan_sweep(request)
    return request


def sweep_work(
    request: SweepRequest, out: Path, scheduler: str | None, workers: int | None
) -> Work:
    """The job that runs a sweep like `basis sweep`: points stored as they finish, then the
    table and the heatmap report; its result names them and the best point."""

    def work(progress: Progress) -> Finished:
        from basis.research.sweep_job import run_sweep_job

        def advance(done: int, failed: int, total: int) -> None:
            progress(done + failed, total)

        outputs = run_sweep_job(request, out, scheduler, workers, advance)
        result = {
            "name": outputs.plan.name,
            "points": len(outputs.plan.points),
            "done": outputs.done,
            "failed": outputs.failed,
            "best": outputs.best,
            "files": [str(path) for path in outputs.files],
        }
        return Finished(result=json_safe(result))

    return work


def study_request(settings: Settings, body: StudyCreate) -> StudyRequest:
    """A checked optimisation study, as `basis optimize` plans it; nothing runs.

    Raises ConfigError naming `mode`, or the space's key and value (as "request.space").
    """
    from basis.research.constraints import parse_constraint
    from basis.research.parameters import ModeChecker
    from basis.research.space import parse_space
    from basis.research.study import StudyRequest, plan_study

    mode_config(settings, body.mode, {}, body.capital)
    configs = settings.configs_path.resolve()
    checker = ModeChecker(configs, body.mode, body.capital)
    request = StudyRequest(
        mode=body.mode,
        space=parse_space(body.space, Path("request.space"), checker),
        objective=body.objective,
        catalog=settings.catalog_path.resolve(),
        configs=configs,
        direction=body.direction,
        trials=body.trials,
        constraints=tuple(parse_constraint(text) for text in body.constraints),
        dataset=body.data,
        start=utc(body.start),
        end=utc(body.end),
        capital=body.capital,
        seed=body.seed,
        name=body.name,
    )
    plan_study(request)
    return request


def study_work(
    request: StudyRequest, out: Path, scheduler: str | None, workers: int | None
) -> Work:
    """The job that runs a study like `basis optimize`; its result names the best feasible
    trial (None when none is feasible) and the trials table and report."""

    def work(progress: Progress) -> Finished:
        import optuna

        from basis.research.study_job import run_study_job

        optuna.logging.set_verbosity(optuna.logging.WARNING)

        def advance(done: int, failed: int, total: int) -> None:
            progress(done + failed, total)

        outputs = run_study_job(request, out, scheduler, workers, None, advance)
        best = outputs.outcome.best
        result = {
            "name": outputs.plan.name,
            "trials": len(outputs.outcome.trials),
            "best": None
            if best is None
            else {
                "number": best.number,
                "value": best.value,
                "params": dict(best.params),
                "run_id": best.run_id,
            },
            "files": [str(path) for path in outputs.files],
        }
        return Finished(run_id=None if best is None else best.run_id, result=json_safe(result))

    return work


def queue_sweep(
    jobs: JobManager, config: ServiceConfig, home: Path, owner: str, request: SweepRequest
) -> Job:
    """Queue a sweep job of `owner` on the configured cluster; returns the queued job."""
    work = sweep_work(request, home / "sweeps", config.dask_scheduler, config.dask_workers)
    return jobs.submit("sweep", owner, f"sweep {request.mode}", work)


def queue_study(
    jobs: JobManager, config: ServiceConfig, home: Path, owner: str, request: StudyRequest
) -> Job:
    """Queue an optimisation job of `owner` on the configured cluster."""
    work = study_work(request, home / "sweeps", config.dask_scheduler, config.dask_workers)
    return jobs.submit("optimize", owner, f"optimize {request.objective} of {request.mode}", work)


def queue_stress(jobs: JobManager, config: ServiceConfig, owner: str, plan: StressPlan) -> Job:
    """Queue a stress job of `owner` on the configured cluster."""
    spec = plan.spec
    description = f"stress {spec.mode.mode} on {spec.scenario.name}, {len(plan.seeds)} paths"
    work = stress_work(plan, config.dask_scheduler, config.dask_workers)
    return jobs.submit("stress", owner, description, work)


def stress_plan(
    settings: Settings,
    mode: str,
    scenario: str,
    paths: int,
    seed: int | None,
    years: float | None,
    capital: float | None,
    values: Mapping[str, Any],
) -> StressPlan:
    """A checked stress plan, as `basis stress` builds it from its options; nothing runs.

    Raises ConfigError naming `mode` or `set`, or (unnamed) the scenario or horizon.
    """
    from basis.research.stress import StressRequest, plan_stress

    mode_config(settings, mode, values, capital)
    request = StressRequest(mode, scenario, paths, seed, years, capital, overrides(values))
    return plan_stress(request, settings.configs_path, settings.home)


def stress_work(plan: StressPlan, scheduler: str | None, workers: int | None) -> Work:
    """The job that runs `plan` on a Dask cluster (local unless `scheduler`), writes its
    files and leaves `basis stress --json`'s object; progress counts finished paths."""

    def work(progress: Progress) -> Finished:
        from basis.research.cluster import Outcome, open_client
        from basis.research.statistics import PathRecord
        from basis.research.stress import run_stress, stress_json
        from basis.research.stress_report import write_outputs

        finished = 0

        def on_done(index: int, outcome: Outcome[PathRecord]) -> None:
            nonlocal finished
            finished += 1
            progress(finished, len(plan.seeds))

        with open_client(scheduler, workers) as client:
            run = run_stress(plan, client, on_done)
        return Finished(result=stress_json(run, write_outputs(run)))

    return work
