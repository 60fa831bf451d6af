"""`basis stress`: a mode over many seeded paths of a scenario, on a Dask cluster."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from basis.cli.app import CapitalOption, app, err, out
from basis.config import get_settings
from basis.files import require_writable

if TYPE_CHECKING:  # dask, Optuna and plotly load only when the command runs
    from basis.research.cluster import Outcome
    from basis.research.statistics import PathRecord
    from basis.research.stress import StressFiles, StressRun

__all__ = ["stress"]

DASH = "—"
SHOWN_ERRORS = 10


@app.command("stress")
def stress(
    mode: Annotated[str, typer.Option("--mode", help="Strategy mode; see `basis modes`.")],
    scenario: Annotated[
        str, typer.Option("--scenario", help="Scenario name (configs/scenarios) or YAML path.")
    ],
    paths: Annotated[int, typer.Option("--paths", help="Number of paths (seeds) to run.")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of path 0 (default: the scenario's).")
    ] = None,
    years: Annotated[
        float | None, typer.Option("--years", help="Horizon of each path (default: scenario's).")
    ] = None,
    capital: CapitalOption = None,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="Override a mode parameter: key=value.")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: local)."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes (default: CPUs).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Base name of the files.")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default <BASIS_HOME>/stress).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only.")] = False,
) -> None:
    """Stress a mode over PATHS seeded paths of a scenario; print the distribution of
    outcomes and write the per-path table and an HTML report."""
    settings = get_settings()
    from basis.research.cluster import open_client
    from basis.research.stress import StressRequest, plan_stress, run_stress
    from basis.research.stress import stress_json as to_json
    from basis.research.stress_report import write_outputs

    request = StressRequest(
        mode, scenario, paths, seed, years, capital, tuple(overrides or ()), name, out_dir
    )
    plan = plan_stress(request, settings.configs_path, settings.home)
    require_writable(plan.out / f"{plan.name}.html", shown=plan.out)  # before the paths run
    with (
        open_client(scheduler, workers) as client,
        Progress(
            TextColumn(f"[bold]stress {mode}[/bold] on {plan.spec.scenario.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("paths · {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json,
        ) as bar,
    ):
        task = bar.add_task("paths", total=len(plan.seeds), failed=0)
        run = run_stress(plan, client, _progress(bar, task))
    files = write_outputs(run)
    if as_json:
        typer.echo(json.dumps(to_json(run, files), allow_nan=False))
        return
    _print(run, files)


def _progress(bar: Progress, task: TaskID) -> Callable[[int, Outcome[PathRecord]], None]:
    failed = 0

    def on_done(index: int, outcome: Outcome[PathRecord]) -> None:
        nonlocal failed
        failed += 0 if outcome.ok else 1
        bar.update(task, advance=1, failed=failed)

    return on_done


def _print(run: StressRun, files: StressFiles) -> None:
    plan, s = run.plan, run.summary
    scenario, config = plan.spec.scenario, plan.spec.mode
    out.print(
        f"stress {config.mode} on {scenario.name}: {s.paths} paths, seeds {plan.seeds[0]}…"
        f"{plan.seeds[-1]}, {scenario.years:g} years each, {config.initial_capital:,.2f} "
        f"{config.share_class}; {s.completed} completed, {s.failed} failed",
        highlight=False,
        soft_wrap=True,
    )
    table = Table(title=f"over the {s.completed} completed paths", title_justify="left")
    table.add_column("")
    columns = (
        ("APY", s.apy, _percent),
        ("max drawdown", s.max_drawdown, _percent),
        ("min health factor", s.min_health_factor, _number),
        ("min margin ratio", s.min_margin_ratio, _percent),
    )
    for label, _, _ in columns:
        table.add_column(label, justify="right", no_wrap=True)
    for statistic in ("mean", "minimum", "p5", "median", "p95", "maximum"):
        table.add_row(
            statistic.removesuffix("imum"),
            *(fmt(getattr(d, statistic)) for _, d, fmt in columns),
        )
    table.add_row("paths", *(str(d.count) for _, d, _ in columns))
    out.print(table)
    liquidation = s.liquidation
    out.print(
        f"probability of liquidation: {_percent(liquidation.share)} "
        f"({liquidation.successes} of {liquidation.trials} paths with ≥ 1 liquidation; "
        f"{liquidation.confidence:.0%} Wilson interval {_percent(liquidation.low)} – "
        f"{_percent(liquidation.high)})",
        highlight=False,
        soft_wrap=True,
    )
    worst, result = s.worst, run.worst
    if worst is not None and result is not None:
        facts = Table(
            title="worst path (lowest total return)", title_justify="left", show_header=False
        )
        facts.add_column("")
        facts.add_column("", justify="right")
        for key, value in (
            ("seed", str(worst.seed)),
            ("total return", _percent(worst.total_return)),
            ("APY", _percent(worst.apy)),
            ("max drawdown", _percent(worst.max_drawdown)),
            ("min health factor", _number(worst.min_health_factor)),
            ("min margin ratio", _percent(worst.min_margin_ratio)),
            ("liquidations", str(worst.liquidations)),
            ("final equity", f"{worst.final_equity:,.2f} {result.share_class}"),
            ("stored run", result.run_id),
        ):
            facts.add_row(key, value)
        out.print(facts)
    failures = [o for o in run.outcomes if o.error is not None]
    for o in failures[:SHOWN_ERRORS]:
        out.print(f"failed path {o.index} (seed {o.seed}): {o.error}", highlight=False)
    if len(failures) > SHOWN_ERRORS:
        out.print(f"… and {len(failures) - SHOWN_ERRORS} more in {files.csv}", highlight=False)
    for label, path in (
        ("report", files.html),
        ("worst path report", files.worst_report),
        ("per-path table", files.parquet),
        ("per-path csv", files.csv),
    ):
        out.print(f"{label}: {path}", highlight=False, soft_wrap=True)


def _percent(value: float | None) -> str:
    return DASH if value is None else f"{value * 100 + 0.0:,.2f} %"


def _number(value: float | None) -> str:
    return DASH if value is None else f"{value + 0.0:,.3f}"
