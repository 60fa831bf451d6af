"""The service calls behind the handlers, over the same functions the CLI uses.

Handlers parse, call one of these, and render; nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from basis.api.jobs import Finished, Job, JobManager, Progress, Work
from basis.book.ledger import CATEGORIES
from basis.config.modes import ModeConfig
from basis.config.settings import Settings
from basis.data.catalog import REAL, Catalog
from basis.engine.backtest import Backtest, load_mode, run_backtest
from basis.errors import BasisError, ConfigError, RunNotFoundError
from basis.model.result import RunResult
from basis.store import ResultStore, json_safe
from basis.strategies import MODES

__all__ = [
    "at_field",
    "backtest_request",
    "backtest_work",
    "database_url",
    "load_run",
    "mode_config",
    "queue_backtest",
    "run_series",
    "utc",
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
    first, last = utc(start), utc(end)
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


def queue_backtest(
    jobs: JobManager, settings: Settings, store: ResultStore, owner: str, request: Backtest
) -> Job:
    """Queue `request` as a backtest job of `owner`; returns the queued job."""
    description = f"{request.mode} on {request.dataset}"
    return jobs.submit("backtest", owner, description, backtest_work(settings, store, request))


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


def utc(value: dt.date | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
