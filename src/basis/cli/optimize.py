"""`basis optimize`: search a mode's parameter space with Optuna (ask/tell) on dask."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from basis.cli.app import CapitalOption, CatalogOption, app, err, percent, utc_date
from basis.cli.sweep import (
    DataOption,
    EndOption,
    FallbackOption,
    NameOption,
    OutOption,
    SchedulerOption,
    StartOption,
    WorkersOption,
    check_cluster,
    notice,
    points_progress,
    print_facts,
    resolve_paths,
)

if TYPE_CHECKING:  # Optuna, dask and plotly load only when the command runs
    from basis.research.study_job import StudyOutputs

__all__ = ["optimize"]


@app.command("optimize")
def optimize(
    mode: Annotated[str, typer.Option("--mode", help="Strategy mode; see `basis modes`.")],
    space: Annotated[
        Path,
        typer.Option("--space", help="Space YAML: {parameters: {key: {low, high} | {choices}}}."),
    ],
    objective: Annotated[
        str, typer.Option("--objective", help="apy | apr | sharpe | sortino | calmar.")
    ],
    direction: Annotated[
        str, typer.Option("--direction", help="maximize or minimize.")
    ] = "maximize",
    trials: Annotated[int, typer.Option("--trials", min=1, help="Trials to tell.")] = 20,
    constraints: Annotated[
        list[str] | None,
        typer.Option(
            "--constraint", help="METRIC>=X or METRIC<=X, e.g. min_health_factor>=1.1; repeatable."
        ),
    ] = None,
    data: DataOption = None,
    catalog: CatalogOption = None,
    start: StartOption = None,
    end: EndOption = None,
    capital: CapitalOption = None,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch", min=1, help="Trials asked and run together; default: the worker threads."
        ),
    ] = None,
    name: NameOption = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Sampler seed.")] = 0,
    out_dir: OutOption = None,
    fallback: FallbackOption = None,
) -> None:
    """Optimise OBJECTIVE over a parameter space; store every run; report the best feasible
    trial. The same seed and batch size give the same trials. Exits 1 without a feasible
    trial."""
    check_cluster(scheduler, workers)
    root, configs, folder = resolve_paths(catalog, out_dir)
    import optuna

    from basis.research.constraints import parse_constraint
    from basis.research.parameters import ModeChecker
    from basis.research.space import read_space
    from basis.research.study import StudyRequest
    from basis.research.study_job import run_study_job

    parsed = tuple(parse_constraint(text) for text in constraints or ())
    request = StudyRequest(
        mode=mode,
        space=read_space(space, ModeChecker(configs, mode, capital)),
        objective=objective,
        catalog=root,
        configs=configs,
        direction=direction,
        trials=trials,
        constraints=parsed,
        dataset=data or "scenario:default",
        start=utc_date(start, "start"),
        end=utc_date(end, "end"),
        capital=capital,
        seed=seed,
        name=name,
        fallback=fallback,
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with points_progress(f"optimize {mode}") as progress:
        outputs = run_study_job(request, folder, scheduler, workers, batch, progress, notice)
    _print_summary(outputs)
    if outputs.outcome.best is None:
        err.print(
            f"[red]error[/red] study {escape(outputs.plan.name)} has no feasible trial",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


def _print_summary(outputs: StudyOutputs) -> None:
    outcome = outputs.outcome
    request = outputs.plan.request
    complete = sum(1 for t in outcome.trials if t.state == "complete")
    feasible = sum(1 for t in outcome.trials if t.feasible)
    rows = [
        ("trials", f"{len(outcome.trials)} ({complete} complete, {feasible} feasible)"),
        ("backtests run now", f"{outcome.ran} (batch {outputs.batch})"),
        ("objective", f"{request.direction} {request.objective}"),
    ]
    best = outcome.best
    if best is None:
        rows.append(("best trial", "— (no feasible trial)"))
    else:
        rows.append(("best trial", f"#{best.number} (run {str(best.run_id)[:12]})"))
        rows.append((request.objective, _show(best.value, request.objective)))
        rows += [(f"  {key}", str(value)) for key, value in best.params.items()]
        rows += [
            (metric, _show(best.numbers.get(metric), metric))
            for metric in ("apy", "max_drawdown", "min_health_factor", "liquidations")
            if metric != request.objective
        ]
    print_facts(f"study {outputs.plan.name}", rows, outputs.files)


RATES = frozenset({"apy", "apr", "max_drawdown"})
"""Shown with `percent`, as `basis sweep` and `basis results` show them."""


def _show(value: object, metric: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and metric in RATES:
        return percent(value)
    return f"{value:.6g}" if isinstance(value, float) else str(value)
