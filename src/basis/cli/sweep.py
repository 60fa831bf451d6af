"""`basis sweep`: backtest a mode over a parameter grid on dask; store, tabulate, report.

Also holds the options and helpers `basis optimize` shares (data, window, cluster, output).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from basis.cli.app import (
    CapitalOption,
    CatalogOption,
    EndOption,
    app,
    err,
    out,
    percent,
    utc_date,
)
from basis.config import get_settings
from basis.errors import ConfigError
from basis.files import require_writable

if TYPE_CHECKING:  # dask and plotly load only when the command runs
    from basis.research.sweep_job import SweepOutputs

__all__ = [
    "DataOption",
    "EndOption",
    "FallbackOption",
    "NameOption",
    "OutOption",
    "SchedulerOption",
    "StartOption",
    "WorkersOption",
    "check_cluster",
    "notice",
    "points_progress",
    "resolve_paths",
    "sweep",
]

DataOption = Annotated[
    str | None,
    typer.Option("--data", help="`real` or `scenario:NAME` (default scenario:default)."),
]
StartOption = Annotated[str | None, typer.Option(help="First hour, e.g. 2024-06-01.")]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="A running dask scheduler, e.g. tcp://10.0.0.5:8786; default: a local cluster.",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Local worker processes (default: CPU count)."),
]
NameOption = Annotated[
    str | None,
    typer.Option("--name", help="Name in the results store; the same name resumes."),
]
FallbackOption = Annotated[
    str | None,
    typer.Option(
        "--fallback",
        metavar="scenario:NAME",
        help="Run points on this scenario when --data lacks a series the mode needs "
        "(each run says so). Without it such points fail.",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Output folder; default <BASIS_HOME>/sweeps/."),
]


def check_cluster(scheduler: str | None, workers: int | None) -> None:
    """--workers sizes the local cluster; a remote cluster has the workers it was given."""
    if scheduler is not None and workers is not None:
        raise ConfigError(
            "--workers sizes the local cluster; with --scheduler, start workers on the "
            "cluster with `dask worker ADDRESS` instead"
        )


def resolve_paths(catalog: Path | None, out_dir: Path | None) -> tuple[Path, Path, Path]:
    """Absolute (catalog, configs, output folder): workers may run in another directory.

    Raises `IoError` now, before any point runs, when the output folder cannot be written.
    """
    settings = get_settings()
    root = catalog if catalog is not None else settings.catalog_path
    folder = out_dir if out_dir is not None else settings.home / "sweeps"
    require_writable(folder / "report.html", shown=folder)
    return root.resolve(), settings.configs_path.resolve(), folder.resolve()


@contextmanager
def points_progress(label: str) -> Iterator[Callable[[int, int, int], None]]:
    """Progress on stderr counting finished, done and failed points: a bar on a terminal,
    else one plain line per finished point (logs and CI keep no control codes)."""
    if not err.is_terminal:
        yield _progress_lines(label)
        return
    with Progress(
        TextColumn(f"[bold]{escape(label)}[/bold]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} points"),
        TextColumn("[green]{task.fields[done]} done[/green]"),
        TextColumn("[red]{task.fields[failed]} failed[/red]"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=0, done=0, failed=0)

        def update(done: int, failed: int, total: int) -> None:
            bar.update(task, completed=done + failed, total=total, done=done, failed=failed)

        yield update


def _progress_lines(label: str) -> Callable[[int, int, int], None]:
    """`label: 3/12 points (3 done, 0 failed), 4 s elapsed`, once per change."""
    started = time.monotonic()
    shown: list[tuple[int, int, int]] = []

    def update(done: int, failed: int, total: int) -> None:
        if total == 0 or (shown and shown[-1] == (done, failed, total)):
            return
        shown.append((done, failed, total))
        elapsed = time.monotonic() - started
        err.print(
            f"{escape(label)}: {done + failed}/{total} points ({done} done, {failed} failed), "
            f"{elapsed:,.0f} s elapsed",
            highlight=False,
            soft_wrap=True,
        )

    return update


def notice(message: str) -> None:
    err.print(escape(message), highlight=False, soft_wrap=True)


@app.command("sweep")
def sweep(
    mode: Annotated[str, typer.Option("--mode", help="Strategy mode; see `basis modes`.")],
    grid: Annotated[
        Path, typer.Option("--grid", help=r"Grid YAML: {parameters: {key: \[values]}}.")
    ],
    data: DataOption = None,
    catalog: CatalogOption = None,
    start: StartOption = None,
    end: EndOption = None,
    capital: CapitalOption = None,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    name: NameOption = None,
    x: Annotated[str | None, typer.Option("--x", help="Report x axis (a grid key).")] = None,
    y: Annotated[str | None, typer.Option("--y", help="Report y axis (a grid key).")] = None,
    out_dir: OutOption = None,
    max_points: Annotated[
        int,
        typer.Option(
            "--max-points", min=1, help="Refuse grids with more points than this (default 500)."
        ),
    ] = 500,
    fallback: FallbackOption = None,
) -> None:
    """Backtest MODE at every point of a grid on dask; store the runs, write a table and report.

    Re-running with the same --name skips points already done and retries failed ones.
    Exits 1 when every point failed.
    """
    check_cluster(scheduler, workers)
    root, configs, folder = resolve_paths(catalog, out_dir)
    from basis.research.grid import read_grid
    from basis.research.sweep import SweepRequest
    from basis.research.sweep_job import run_sweep_job

    request = SweepRequest(
        mode=mode,
        grid=read_grid(grid, configs),
        catalog=root,
        configs=configs,
        dataset=data,
        start=utc_date(start, "start"),
        end=utc_date(end, "end"),
        capital=capital,
        name=name,
        x=x,
        y=y,
        max_points=max_points,
        fallback=fallback,
    )
    with points_progress(f"sweep {mode}") as progress:
        outputs = run_sweep_job(request, folder, scheduler, workers, progress, notice)
    _print_summary(outputs)
    if outputs.done == 0:
        error = outputs.first_error() or "no point ran"
        err.print(
            f"[red]error[/red] every point of sweep {escape(outputs.plan.name)} failed; "
            f"first error: {escape(error)}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


def print_facts(title: str, rows: Sequence[tuple[str, str]], files: Sequence[Path]) -> None:
    """A research command's summary: a two-column table of facts, then the files written
    (`basis sweep` and `basis optimize` end alike)."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value")
    for what, value in rows:
        table.add_row(what, value)
    out.print(table)
    for path in files:
        out.print(f"wrote: {path}", highlight=False, soft_wrap=True)


def _print_summary(outputs: SweepOutputs) -> None:
    run = outputs.run
    rows = [
        ("points", str(len(outputs.plan.points))),
        ("ran now", f"{run.ran} ({run.done} done, {run.failed} failed)"),
        ("skipped (done before)", str(run.skipped)),
        ("done / failed in total", f"{outputs.done} / {outputs.failed}"),
        ("best APY", _best(outputs)),
    ]
    print_facts(f"sweep {outputs.plan.name}", rows, outputs.files)


def _best(outputs: SweepOutputs) -> str:
    best: Mapping[str, Any] | None = outputs.best
    if best is None:
        return "—"
    point = outputs.plan.points[int(best["position"])]
    return f"{percent(float(best['apy']))} at {point.label()} (run {str(best['run_id'])[:12]})"
