"""The dashboard: server-rendered pages (Jinja2 + htmx + plotly, all assets local).

Pages sign in with an HttpOnly, SameSite=Strict session cookie; every unsafe request
carries the session's CSRF token (a form field or htmx's header). Pages call the same
service functions as the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from basis.api import auth, figures
from basis.api.deps import SESSION_COOKIE, Caller, Context, Ctx, csrf_token, require
from basis.api.forms import form_date, form_number, form_overrides
from basis.api.research import queue_stress, stress_plan
from basis.api.routes.auth import client_address
from basis.api.routes.live import NO_RUNNER
from basis.api.services import backtest_request, load_run, queue_backtest
from basis.data.catalog import Catalog
from basis.errors import BasisError, ConfigError, ConflictError, NotFoundError, UserError
from basis.store import run_json
from basis.strategies import MODES, describe

public = APIRouter(include_in_schema=False)
router = APIRouter(include_in_schema=False)
PAGE_SIZE: Final = 50
Trader = Annotated[auth.Principal, Depends(require("trader"))]
Admin = Annotated[auth.Principal, Depends(require("admin"))]


def render(
    request: Request, context: Context, name: str, caller: auth.Principal | None, **values: Any
) -> HTMLResponse:
    """A page with the signed-in user and their CSRF token in reach of the template."""
    token = csrf_token(context.key, caller.session or "") if caller is not None else ""
    values |= {"user": caller, "csrf": token}
    return context.templates.TemplateResponse(request, name, values)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@public.get("/login")
def login_page(request: Request, context: Ctx, next: str | None = None) -> HTMLResponse:
    return render(request, context, "login.html", None, next=_safe_next(next), error=None)


@public.post("/login")
def login(
    request: Request,
    context: Ctx,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        context.login_limit.hit(client_address(request), "login attempts from this address")
        user = auth.authenticate(
            context.store, username, password, context.config, context.unknown_logins
        )
    except BasisError as error:
        page = render(request, context, "login.html", None, next=_safe_next(next), error=error)
        page.status_code = 429 if error.code == "RATE_LIMITED" else 401
        return page
    session = auth.issue_token(user, "session", context.key, context.config, context.store.now())
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=round(context.config.session_hours * 3600),
        httponly=True,
        secure=context.config.cookie_secure,
        samesite="strict",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, context: Ctx, caller: Caller) -> Response:
    """End the session: the cookie is deleted, and refused even if a copy is replayed."""
    if caller.session is not None:
        context.ended.end(caller.session, float(request.state.session_expires or 0))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def runs_page(
    request: Request,
    context: Ctx,
    caller: Caller,
    mode: Annotated[str | None, Query(max_length=64)] = None,
    dataset: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    mode, dataset = mode or None, dataset or None
    rows = context.store.list(mode=mode, dataset=dataset, limit=PAGE_SIZE + 1, offset=offset)
    return render(
        request,
        context,
        "runs.html",
        caller,
        runs=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        offset=offset,
        page=PAGE_SIZE,
        mode=mode,
        dataset=dataset,
        modes=list(MODES),
        datasets=Catalog(context.settings.catalog_path).datasets(),
    )


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str, context: Ctx, caller: Caller) -> HTMLResponse:
    result = load_run(context.store, run_id)
    return render(
        request,
        context,
        "run.html",
        caller,
        run=run_json(result),
        result=result,
        figures=figures.run_figures(result),
        events=figures.events(result),
    )


@router.get("/compare")
def compare_page(
    request: Request,
    context: Ctx,
    caller: Caller,
    ids: Annotated[list[str], Query(min_length=2, max_length=10)],
) -> HTMLResponse:
    loaded = [load_run(context.store, run_id) for run_id in ids]
    return render(
        request,
        context,
        "compare.html",
        caller,
        runs=[run_json(result) for result in loaded],
        figure=figures.compare_figure(loaded),
    )


@router.get("/launch")
def launch_page(request: Request, context: Ctx, caller: Caller) -> HTMLResponse:
    return _launch(request, context, caller, {}, None)


def _launch(
    request: Request,
    context: Context,
    caller: auth.Principal,
    form: dict[str, str],
    error: BasisError | None,
) -> HTMLResponse:
    return render(
        request,
        context,
        "launch.html",
        caller,
        modes=[(name, describe(name)) for name in MODES],
        datasets=Catalog(context.settings.catalog_path).datasets(),
        scenarios=sorted(
            p.stem for p in (context.settings.configs_path / "scenarios").glob("*.yaml")
        ),
        form=form,
        error=error,
    )


@router.post("/launch")
def launch(
    request: Request,
    context: Ctx,
    caller: Trader,
    mode: Annotated[str, Form(max_length=64)],
    data: Annotated[str, Form(max_length=200)],
    start: Annotated[str, Form(max_length=40)] = "",
    end: Annotated[str, Form(max_length=40)] = "",
    capital: Annotated[str, Form(max_length=40)] = "",
    overrides: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    form = {
        "mode": mode,
        "data": data,
        "start": start,
        "end": end,
        "capital": capital,
        "overrides": overrides,
    }
    try:
        backtest = backtest_request(
            context.settings,
            mode,
            data,
            form_date(start, "start"),
            form_date(end, "end"),
            form_number(capital, "capital"),
            form_overrides(overrides),
        )
    except ConfigError as error:
        page = _launch(request, context, caller, form, error)
        page.status_code = 422
        return page
    job = queue_backtest(context.jobs, context.settings, context.store, caller.name, backtest)
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, context: Ctx, caller: Caller) -> HTMLResponse:
    return render(request, context, "job.html", caller, job=context.jobs.get(job_id))


@router.get("/jobs/{job_id}/progress")
def job_progress(request: Request, job_id: str, context: Ctx, caller: Caller) -> HTMLResponse:
    return render(request, context, "job_progress.html", caller, job=context.jobs.get(job_id))


@router.post("/launch/stress")
def launch_stress(
    request: Request,
    context: Ctx,
    caller: Trader,
    mode: Annotated[str, Form(max_length=64)],
    scenario: Annotated[str, Form(max_length=64)],
    paths: Annotated[int, Form(ge=1, le=10_000)],
    years: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    form = {"mode": mode, "scenario": scenario, "paths": str(paths), "years": years}
    try:
        plan = stress_plan(
            context.settings, mode, scenario, paths, None, form_number(years, "years"), None, {}
        )
    except ConfigError as error:
        page = _launch(request, context, caller, form, error)
        page.status_code = 422
        return page
    job = queue_stress(context.jobs, context.config, caller.name, plan)
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)


@router.get("/jobs/{job_id}/report")
def job_report(job_id: str, context: Ctx, caller: Caller) -> FileResponse:
    """A finished sweep's heatmaps, study's trials or stress run's distributions: the HTML
    report the job wrote (its path comes from the job's own result, never the request)."""
    job = context.jobs.get(job_id)
    files = (job.result or {}).get("files") or {}
    paths = files.values() if isinstance(files, dict) else files
    reports = [str(path) for path in paths if str(path).endswith(".html")]
    if job.state != "done" or not reports:
        raise NotFoundError(f"job {job_id} has no report", field="job_id")
    return FileResponse(reports[0], media_type="text/html")


RESEARCH: Final = ("sweeps", "stress")  # folders under BASIS_HOME the research jobs write


def _reports(context: Context) -> list[tuple[str, str, dt.datetime]]:
    """(folder, file name, modified) of every HTML report of sweeps, studies and stress
    runs, newest first."""
    found = []
    for folder in RESEARCH:
        for path in (context.settings.home / folder).glob("*.html"):
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            found.append((folder, path.name, modified))
    return sorted(found, key=lambda item: item[2], reverse=True)


@router.get("/research")
def research_page(request: Request, context: Ctx, caller: Caller) -> HTMLResponse:
    return render(request, context, "research.html", caller, reports=_reports(context))


@router.get("/research/{folder}/{name}")
def research_report(folder: str, name: str, context: Ctx, caller: Caller) -> FileResponse:
    """A sweep's heatmaps, a study's trials or a stress run's distributions: only a file the
    listing has (no path from the request reaches the disk)."""
    for found_folder, found_name, _ in _reports(context):
        if (found_folder, found_name) == (folder, name):
            path = context.settings.home / found_folder / found_name
            return FileResponse(path, media_type="text/html")
    raise NotFoundError(f"no report {folder}/{name}", field="name")


@router.get("/live")
def live_page(request: Request, context: Ctx, caller: Caller) -> HTMLResponse:
    runner = context.live
    return render(
        request,
        context,
        "live.html",
        caller,
        running=runner is not None,
        detail=NO_RUNNER,
        status=runner.status() if runner is not None else {},
        risk=runner.risk() if runner is not None else {},
        positions=runner.positions() if runner is not None else [],
        orders=runner.orders() if runner is not None else [],
    )


@router.get("/users")
def users_page(request: Request, context: Ctx, caller: Admin) -> HTMLResponse:
    return _users(request, context, caller, None)


def _users(
    request: Request, context: Context, caller: auth.Principal, error: BasisError | None
) -> HTMLResponse:
    page = render(request, context, "users.html", caller, users=context.store.users(), error=error)
    if error is not None:
        page.status_code = 409 if error.code == "CONFLICT" else 422
    return page


@router.post("/users")
def add_user(
    request: Request,
    context: Ctx,
    caller: Admin,
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        auth.add_user(context.store, name, role, password, context.config, f"web:{caller.name}")
    except (UserError, ConflictError) as error:
        return _users(request, context, caller, error)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/disabled")
def set_disabled(
    request: Request,
    name: str,
    context: Ctx,
    caller: Admin,
    disabled: Annotated[bool, Form()],
) -> Response:
    if name == caller.name:
        return _users(request, context, caller, ConflictError("you cannot disable yourself"))
    auth.update_user(context.store, name, disabled=disabled, actor=f"web:{caller.name}")
    return RedirectResponse("/users", status_code=303)
