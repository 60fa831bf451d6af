"""The service calls behind the handlers, over the same functions the CLI uses.

Handlers parse, call one of these, and render; nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from basis.api.jobs import Finished, Progress, Work
from basis.api.schemas import StudyCreate
from basis.book.ledger import CATEGORIES
from basis.config.modes import ModeConfig
from basis.config.settings import Settings
from basis.data.catalog import REAL, Catalog
from basis.engine.backtest import Backtest, load_mode, run_backtest
from basis.errors import BasisError, ConfigError, RunNotFoundError
from basis.model.result import RunResult
from basis.store import ResultStore, json_safe
from basis.strategies import MODES

if TYPE_CHECKING:  # dask loads only when a sweep or stress job runs
    from basis.research.stress import StressPlan
    from basis.research.study import StudyRequest
    from basis.research.sweep import SweepRequest

__all__ = [
    "at_field",
    "backtest_request",
    "backtest_work",
    "database_url",
    "load_run",
    "mode_config",
    "run_series",
    "stress_plan",
    "stress_work",
    "study_request",
    "study_work",
    "sweep_request",
    "sweep_work",
]

Error = TypeVar("Error", bound=BasisError)


def at_field(error: Error, field: str) -> Error:
    """`error` naming `field` as the input at fault (the API shows it beside the code)."""
    error.field = field
    return error


def load_run(store: ResultStore, run_id: str) -> RunResult:
    """The stored run `run_id` (or a unique prefix); RunNotFoundError names `run_id`."""
    try:
        return store.load(run_id)
    except RunNotFoundError as error:
        raise at_field(error, "run_id") from None


def database_url(settings: Settings) -> str:
    """The results database of `settings`: BASIS_DB_URL, else SQLite in BASIS_HOME."""
    if settings.db_url:
        return settings.db_url
    settings.home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.home / 'results.sqlite'}"


def overrides(values: Mapping[str, Any]) -> tuple[str, ...]:
    """`{"k": v}` as the CLI's `--set k=v` strings (values as JSON, which YAML reads back)."""
    return tuple(
        f"{key}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in values.items()
    )


def mode_config(
    settings: Settings, mode: str, values: Mapping[str, Any], capital: float | None = None
) -> ModeConfig:
    """The resolved configuration of `mode` (defaults ← file ← `values`).

    Raises ConfigError naming `mode` when it is unknown, `set` when an override is wrong.
    """
    if mode not in MODES:
        raise at_field(ConfigError(f"unknown mode {mode!r}; known: {sorted(MODES)}"), "mode")
    try:
        return load_mode(settings.configs_path, mode, overrides(values), capital)
    except ConfigError as error:
        raise at_field(error, "set") from None


def backtest_request(
    settings: Settings,
    mode: str,
    data: str,
    start: dt.date | None,
    end: dt.date | None,
    capital: float | None,
    values: Mapping[str, Any],
) -> Backtest:
    """A checked backtest request, as `basis backtest` would build it from its options.

    Raises ConfigError naming the field (mode, data, set, end) before anything is queued.
    """
    mode_config(settings, mode, values, capital)
    if data != REAL and not data.startswith("scenario:"):
        raise at_field(ConfigError(f"data {data!r}: expected `real` or `scenario:NAME`"), "data")
    first, last = _utc(start), _utc(end)
    if first is not None and last is not None and last <= first:
        raise at_field(ConfigError(f"end {last.isoformat()} is not after start"), "end")
    return Backtest(mode, data, first, last, capital, overrides(values))


def backtest_work(settings: Settings, store: ResultStore, request: Backtest) -> Work:
    """The job that runs `request` and stores its run, as `basis backtest --json` does."""

    def work(progress: Progress) -> Finished:
        catalog = Catalog(settings.catalog_path)
        result = run_backtest(request, catalog, settings.configs_path, progress=progress)
        return Finished(run_id=store.save(result))

    return work


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
        start=_utc(start),
        end=_utc(end),
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
        start=_utc(body.start),
        end=_utc(body.end),
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


def run_series(result: RunResult, names: Sequence[str], points: int) -> dict[str, Any]:
    """Series of a run for charts: `equity`, `flows`, `attribution:<category>` (cumulative)
    or any recorded series, sampled to at most `points` evenly spaced hours.

    Raises ConfigError naming `names` when one is not recorded.
    """
    available = run_series_names(result)
    unknown = [name for name in names if name not in available]
    if unknown:
        raise at_field(
            ConfigError(f"unknown series {unknown}; this run has {sorted(available)}"), "names"
        )
    steps = len(result.times)
    index = np.unique(np.linspace(0, steps - 1, min(points, steps)).round().astype(int))
    index = index if steps else np.zeros(0, dtype=int)
    times = [dt.datetime.fromtimestamp(int(t), dt.UTC).isoformat() for t in result.times[index]]
    chosen = {name: available[name][index].tolist() for name in names or list(available)}
    return {"run_id": result.run_id, "times": times, "series": json_safe(chosen)}


def run_series_names(result: RunResult) -> dict[str, np.ndarray[Any, Any]]:
    """Every series a run can show, by name."""
    found: dict[str, np.ndarray[Any, Any]] = {"equity": result.equity, "flows": result.flows}
    for column, category in enumerate(CATEGORIES):
        found[f"attribution:{category.value}"] = np.cumsum(result.attribution[:, column])
    found |= dict(result.series)
    return found


def _utc(value: dt.date | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
