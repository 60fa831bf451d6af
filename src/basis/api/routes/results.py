"""Stored runs: list (filter, paginate), show (as `basis backtest --json`), compare, the HTML
report, and equity, attribution and risk series as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from basis.api.deps import Ctx
from basis.api.schemas import ERRORS, RunOut, RunPage, RunRowOut, RunSeries
from basis.api.services import load_run, run_series
from basis.store import run_json

router = APIRouter(prefix="/results", tags=["results"], responses=ERRORS)


@router.get("", summary="Stored runs, newest first")
def list_results(
    context: Ctx,
    mode: Annotated[str | None, Query(max_length=64)] = None,
    dataset: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> RunPage:
    rows = context.store.list(mode=mode, dataset=dataset, limit=limit + 1, offset=offset)
    page = [RunRowOut.model_validate(row, from_attributes=True) for row in rows[:limit]]
    more = len(rows) > limit
    return RunPage(
        runs=page, limit=limit, offset=offset, next_offset=offset + limit if more else None
    )


@router.get("/compare", summary="Several runs side by side (as `basis results compare --json`)")
def compare(
    context: Ctx, ids: Annotated[list[str], Query(min_length=2, max_length=10)]
) -> list[RunOut]:
    return [RunOut.model_validate(run_json(load_run(context.store, run_id))) for run_id in ids]


@router.get("/{run_id}", summary="A run: exactly what `basis backtest --json` printed")
def show(run_id: str, context: Ctx) -> RunOut:
    return RunOut.model_validate(run_json(load_run(context.store, run_id)))


@router.get("/{run_id}/report", response_class=HTMLResponse, summary="The run's HTML report")
def report(run_id: str, context: Ctx) -> HTMLResponse:
    from basis.analytics.report import render_report

    result = load_run(context.store, run_id)
    return HTMLResponse(render_report(result))


@router.get("/{run_id}/series", summary="Equity, attribution (cumulative) and risk series")
def series(
    run_id: str,
    context: Ctx,
    names: Annotated[list[str] | None, Query(max_length=100)] = None,
    points: Annotated[int, Query(ge=2, le=20_000)] = 2_000,
) -> RunSeries:
    result = load_run(context.store, run_id)
    document: dict[str, Any] = run_series(result, names or [], points)
    return RunSeries.model_validate(document)
