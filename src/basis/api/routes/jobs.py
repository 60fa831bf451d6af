"""Backtests, sweeps, studies and stress runs as jobs: submit (202, a job id), watch, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from basis.api.auth import Principal
from basis.api.deps import Caller, Ctx, require
from basis.api.jobs import Job
from basis.api.research import (
    queue_stress,
    queue_study,
    queue_sweep,
    stress_plan,
    study_request,
    sweep_request,
)
from basis.api.schemas import (
    ERRORS,
    BacktestCreate,
    JobAccepted,
    JobOut,
    StressCreate,
    StudyCreate,
    SweepCreate,
)
from basis.api.services import backtest_request, queue_backtest

router = APIRouter(tags=["backtests and jobs"], responses=ERRORS)
Trader = Annotated[Principal, Depends(require("trader"))]


def job_out(job: Job) -> JobOut:
    return JobOut.model_validate(job.public())


@router.post(
    "/backtests",
    status_code=202,
    summary="Queue a backtest (as `basis backtest --json`); poll its job or watch the WebSocket",
)
def submit_backtest(body: BacktestCreate, caller: Trader, context: Ctx) -> JobAccepted:
    request = backtest_request(
        context.settings, body.mode, body.data, body.start, body.end, body.capital, body.overrides
    )
    job = queue_backtest(context.jobs, context.settings, context.store, caller.name, request)
    return JobAccepted(job_id=job.job_id)


@router.post(
    "/sweeps",
    status_code=202,
    summary="Queue a parameter sweep (as `basis sweep`; the same name resumes it)",
)
def submit_sweep(body: SweepCreate, caller: Trader, context: Ctx) -> JobAccepted:
    request = sweep_request(
        context.settings,
        body.mode,
        body.grid,
        body.data,
        body.start,
        body.end,
        body.capital,
        body.name,
    )
    job = queue_sweep(context.jobs, context.config, context.settings.home, caller.name, request)
    return JobAccepted(job_id=job.job_id)


@router.post(
    "/optimize",
    status_code=202,
    summary="Queue an optimisation study (as `basis optimize`); the best trial is the job's run",
)
def submit_study(body: StudyCreate, caller: Trader, context: Ctx) -> JobAccepted:
    request = study_request(context.settings, body)
    job = queue_study(context.jobs, context.config, context.settings.home, caller.name, request)
    return JobAccepted(job_id=job.job_id)


@router.post(
    "/stress",
    status_code=202,
    summary="Queue a stress run (as `basis stress --json`; its object is the job's result)",
)
def submit_stress(body: StressCreate, caller: Trader, context: Ctx) -> JobAccepted:
    plan = stress_plan(
        context.settings,
        body.mode,
        body.scenario,
        body.paths,
        body.seed,
        body.years,
        body.capital,
        body.overrides,
    )
    job = queue_stress(context.jobs, context.config, caller.name, plan)
    return JobAccepted(job_id=job.job_id)


@router.get("/jobs", summary="Jobs of this process, newest first")
def list_jobs(caller: Caller, context: Ctx) -> list[JobOut]:
    return [job_out(job) for job in context.jobs.list()]


@router.get("/jobs/{job_id}", summary="A job's state, progress (0..1), run id and error")
def show_job(job_id: str, caller: Caller, context: Ctx) -> JobOut:
    return job_out(context.jobs.get(job_id))


@router.post("/jobs/{job_id}/cancel", summary="Cancel a queued or running job")
def cancel_job(job_id: str, caller: Trader, context: Ctx) -> JobOut:
    return job_out(context.jobs.cancel(job_id))
