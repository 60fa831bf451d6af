"""Monte Carlo stress: one mode over many seeded paths of a scenario, run on a Dask cluster.

Path i is the scenario generated with seed `SEED + i` (SEED defaults to the scenario's own
seed) and backtested in memory on a worker (`paths.run_path`); the worker sends back a
compact `PathRecord`. A path that raises is recorded with its error and never stops the
others. The worst path (lowest total return, ties to the lowest seed) is run again in the
client and checked against its record; `stress_report.write_outputs` then stores it in the
results store and writes its run report beside the stress report.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import distributed

from basis.config.market import load_market
from basis.data.scenario import load_scenario, resolve
from basis.engine.backtest import load_mode
from basis.errors import BasisError, ConfigError, StressError
from basis.model.result import RunResult
from basis.research.cluster import Outcome, run_tasks
from basis.research.paths import PathSpec, run_path
from basis.research.statistics import PathRecord, StressSummary, summarize_paths
from basis.store import json_safe
from basis.strategies import MODES
from basis.strategies.wash_trading import refuse_wash_trading

__all__ = [
    "PathOutcome",
    "StressFiles",
    "StressPlan",
    "StressRequest",
    "StressRun",
    "path_record",
    "plan_stress",
    "record_of",
    "run_paths",
    "run_stress",
    "stress_json",
]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RERUN_TOLERANCE = 1e-9  # relative; the same seed must give the same path

OnDone = Callable[[int, Outcome[PathRecord]], None]


@dataclass(frozen=True)
class StressRequest:
    """What `basis stress` asks for; None means the scenario's (or mode's) own value."""

    mode: str
    scenario: str
    paths: int
    seed: int | None = None
    years: float | None = None
    capital: float | None = None
    overrides: Sequence[str] = ()
    name: str | None = None
    out: Path | None = None


@dataclass(frozen=True)
class StressPlan:
    """A validated request: the spec every worker gets, the seeds, where files go."""

    spec: PathSpec
    seeds: tuple[int, ...]
    name: str
    out: Path


@dataclass(frozen=True)
class PathOutcome:
    """One path as it finished: `record` on success, else `error` (first line of it in
    `error`, the worker's traceback in `detail`)."""

    index: int
    seed: int
    record: PathRecord | None
    error: str | None
    detail: str | None
    seconds: float


@dataclass(frozen=True)
class StressRun:
    """A finished stress run: every path, their summary, and the worst path's full run."""

    plan: StressPlan
    outcomes: tuple[PathOutcome, ...]
    summary: StressSummary
    worst: RunResult | None


@dataclass(frozen=True)
class StressFiles:
    """Where the outputs went; `worst_report` is None when no path completed."""

    parquet: Path
    csv: Path
    html: Path
    worst_report: Path | None


def plan_stress(
    request: StressRequest, configs: Path, home: Path, now: dt.datetime | None = None
) -> StressPlan:
    """Validate `request` and resolve every configuration it names, before any path runs.

    Raises `ConfigError` for an unknown mode or scenario (listing the known ones), fewer
    than one path, a negative seed, a horizon the scenario cannot have, a bad `--set`
    or capital, or a name that is not a plain file name.
    """
    refuse_wash_trading(request.mode)
    if request.mode not in MODES:
        raise ConfigError(f"unknown mode {request.mode!r}; known: {sorted(MODES)}")
    if request.paths < 1:
        raise ConfigError(f"--paths must be at least 1, got {request.paths}")
    if request.seed is not None and request.seed < 0:
        raise ConfigError(f"--seed must not be negative, got {request.seed}")
    if request.name is not None and not NAME.match(request.name):
        raise ConfigError(
            f"--name {request.name!r}: use letters, digits, '.', '_' and '-' only "
            "(it names files in the output folder)"
        )
    market = load_market(configs)
    mode = load_mode(configs, request.mode, list(request.overrides), request.capital)
    scenario = resolve(load_scenario(request.scenario, configs), request.seed, request.years)
    spec = PathSpec(mode, scenario, market, tuple(request.overrides))
    seeds = tuple(scenario.seed + i for i in range(request.paths))
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    name = request.name or f"{request.mode}-{scenario.name}-{stamp}"
    return StressPlan(spec, seeds, name, request.out or home / "stress")


def path_record(spec: PathSpec, seed: int) -> PathRecord:
    """Run the path with `seed` and keep only its compact record (what a worker returns)."""
    return record_of(run_path(spec, seed), seed)


def record_of(result: RunResult, seed: int) -> PathRecord:
    """The compact record of a finished path run."""
    if result.summary is None:
        raise BasisError(f"run {result.run_id} of seed {seed} has no summary")
    metrics, risk = result.summary.metrics, result.summary.risk
    attribution = result.summary.attribution
    total_return = metrics["total_return"]
    if total_return is None:
        raise BasisError(f"run {result.run_id} of seed {seed} has no total return")
    return PathRecord(
        seed=seed,
        apy=metrics["apy"],
        apr=metrics["apr"],
        max_drawdown=metrics["max_drawdown"],
        min_health_factor=risk["min_health_factor"],
        min_margin_ratio=risk["min_margin_ratio"],
        liquidations=int(risk["liquidations"]),
        final_equity=result.final_equity,
        total_return=total_return,
        turnover=metrics["turnover"],
        costs=-math.fsum(attribution[c] for c in ("trading_fees", "slippage", "gas")),
        carry_capture=metrics.get("carry_capture"),
    )


def run_paths(
    client: distributed.Client,
    spec: PathSpec,
    seeds: Sequence[int],
    on_done: OnDone | None = None,
) -> tuple[PathOutcome, ...]:
    """Run one path per seed on the cluster; outcomes in seed order, failures included.

    `on_done(i, outcome)` is called in the client as each path finishes (for progress).
    """
    task = functools.partial(path_record, spec)
    outcomes = run_tasks(client, task, list(seeds), on_done or _ignore)
    return tuple(
        _outcome(i, seed, o) for i, (seed, o) in enumerate(zip(seeds, outcomes, strict=True))
    )


def run_stress(
    plan: StressPlan, client: distributed.Client, on_done: OnDone | None = None
) -> StressRun:
    """Run every path of `plan`, summarise them and run the worst path again in the client.

    Raises `StressError` when the worst path's re-run disagrees with its record (the same
    seed must give the same market and the same run).
    """
    outcomes = run_paths(client, plan.spec, plan.seeds, on_done)
    records = [o.record for o in outcomes if o.record is not None]
    summary = summarize_paths(records, failed=len(outcomes) - len(records))
    worst = None
    if summary.worst is not None:
        worst = run_path(plan.spec, summary.worst.seed)
        again = record_of(worst, summary.worst.seed)
        if not math.isclose(
            again.total_return, summary.worst.total_return, rel_tol=RERUN_TOLERANCE
        ):
            raise StressError(
                f"the worst path (seed {again.seed}) gave total return "
                f"{summary.worst.total_return!r} on its worker but {again.total_return!r} when "
                "run again in the client: the path is not reproducible (do the workers run "
                "the same basis and numpy versions?)"
            )
    return StressRun(plan, outcomes, summary, worst)


def stress_json(run: StressRun, files: StressFiles) -> dict[str, Any]:
    """The stress run as one JSON-ready object (rates are decimals; None where n/a)."""
    plan, summary = run.plan, run.summary
    worst = None
    if summary.worst is not None and run.worst is not None:
        worst = {**asdict(summary.worst), "run_id": run.worst.run_id}
    document = {
        "name": plan.name,
        "mode": plan.spec.mode.mode,
        "share_class": plan.spec.mode.share_class,
        "initial_capital": plan.spec.mode.initial_capital,
        "scenario": plan.spec.scenario.name,
        "years": plan.spec.scenario.years,
        "seeds": [plan.seeds[0], plan.seeds[-1]],
        "paths": summary.paths,
        "completed": summary.completed,
        "failed": summary.failed,
        "apy": asdict(summary.apy),
        "max_drawdown": asdict(summary.max_drawdown),
        "liquidation": asdict(summary.liquidation),
        "min_health_factor": asdict(summary.min_health_factor),
        "min_margin_ratio": asdict(summary.min_margin_ratio),
        "worst": worst,
        "errors": [{"seed": o.seed, "error": o.error} for o in run.outcomes if o.error],
        "files": {
            key: None if value is None else str(value) for key, value in asdict(files).items()
        },
    }
    cleaned: dict[str, Any] = json_safe(document)
    return cleaned


def _outcome(index: int, seed: int, outcome: Outcome[PathRecord]) -> PathOutcome:
    if outcome.error is not None or outcome.value is None:
        detail = outcome.error or "the worker returned nothing"
        first = detail.strip().splitlines()[0] if detail.strip() else detail
        return PathOutcome(index, seed, None, first, detail, outcome.seconds)
    return PathOutcome(index, seed, outcome.value, None, None, outcome.seconds)


def _ignore(index: int, outcome: Outcome[PathRecord]) -> None:
    """The default `on_done`: nothing to show."""
