"""`basis backtest` and `basis modes`: run a mode, store it, write its report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from basis.cli.app import (
    CapitalOption,
    CatalogOption,
    EndOption,
    app,
    err,
    open_catalog,
    out,
    utc_date,
)
from basis.cli.results import print_summary
from basis.config import get_settings
from basis.data.catalog import REAL, Catalog, scenario_dataset
from basis.engine.accounts import AccountSplit, parse_accounts, run_accounts
from basis.engine.backtest import Backtest, run_backtest
from basis.engine.loop import Progress as StepProgress
from basis.errors import ConfigError
from basis.files import require_writable
from basis.model.result import RunResult
from basis.store import ResultStore, json_safe, run_json
from basis.strategies import MODES, describe
from basis.strategies.wash_trading import refuse_wash_trading

__all__ = ["backtest", "execute", "modes"]


def execute(
    request: Backtest,
    catalog: Path | None,
    report: Path | None,
    quiet: bool,
    *,
    html: bool = True,
    accounts: Sequence[AccountSplit] = (),
) -> tuple[RunResult, Path | None]:
    """Run, store and (when `html`) report one backtest; the progress bar goes to stderr.

    Returns the result and the report's path (None when no report was written).
    """
    settings = get_settings()
    opened = open_catalog(catalog)
    reports = settings.home / "reports"
    if html:  # fail before the run, not after it
        require_writable(report or reports / "report.html", shown=report or reports)
    with ResultStore() as store:
        store.require_writable()
        if quiet:
            result = _run(request, opened, settings.configs_path, accounts, None)
        else:
            result = _run_with_bar(request, opened, settings.configs_path, accounts)
        store.save(result)
    if not html:
        return result, None
    # plotly and the figure code load only when a report is written.
    from basis.analytics.report import write_report

    path = report or reports / f"{result.mode}-{result.run_id[:12]}.html"
    write_report(result, path)
    return result, path


def _run(
    request: Backtest,
    catalog: Catalog,
    configs: Path,
    accounts: Sequence[AccountSplit],
    progress: StepProgress | None,
) -> RunResult:
    if accounts:
        return run_accounts(request, accounts, catalog, configs, progress=progress)
    return run_backtest(request, catalog, configs, progress=progress)


def _run_with_bar(
    request: Backtest, catalog: Catalog, configs: Path, accounts: Sequence[AccountSplit]
) -> RunResult:
    with Progress(
        TextColumn(f"[bold]{request.mode}[/bold]"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} h"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("backtest", total=0)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return _run(request, catalog, configs, accounts, progress)


@app.command("backtest")
def backtest(
    mode: Annotated[str, typer.Option("--mode", help="Strategy mode; see `basis modes`.")],
    data: Annotated[
        str, typer.Option("--data", help="`real` or `scenario:NAME` (default scenario:default).")
    ] = scenario_dataset("default"),
    catalog: CatalogOption = None,
    start: Annotated[str | None, typer.Option(help="First hour, e.g. 2024-06-01.")] = None,
    end: EndOption = None,
    capital: CapitalOption = None,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="Override a mode parameter: key=value.")
    ] = None,
    flows: Annotated[
        Path | None, typer.Option("--flows", help="Deposits and withdrawals schedule (YAML).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Where to write the HTML report (with --json: only when given)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object only; no report unless --report.")
    ] = False,
    fallback: Annotated[
        str | None,
        typer.Option(
            "--fallback",
            metavar="scenario:NAME",
            help="Run on this scenario when --data lacks a series the mode needs (said in the "
            "warnings, the JSON and the stored run). Without it such a run fails.",
        ),
    ] = None,
    require_venues: Annotated[
        bool,
        typer.Option(
            "--require-venues",
            help="Fail when a perp venue of the hedge allocation has no data, instead of "
            "dropping it with a warning and spreading its share over the others.",
        ),
    ] = False,
    allow_unpaid: Annotated[
        bool,
        typer.Option(
            "--allow-unpaid",
            help="Accept withdrawals that are still unpaid when the window ends (an error "
            "otherwise).",
        ),
    ] = False,
    accounts: Annotated[
        str | None,
        typer.Option(
            "--accounts",
            metavar="NAME=VENUE[:WEIGHT],...",
            help="Split the mode over accounts, each on its venue with its own book, margin "
            "and liquidation and its share of --capital (equal shares without weights).",
        ),
    ] = None,
) -> None:
    """Backtest a mode; print the summary and where the report is (or JSON with --json).

    With --json the run is stored but no HTML report is written unless --report is given:
    the JSON carries no report path, and the 3 MB report costs ~0.2-0.6 s (docs/benchmarks.md).
    """
    refuse_wash_trading(mode)
    if mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}; known: {sorted(MODES)}")
    if data != REAL and not data.startswith("scenario:"):
        raise ConfigError(f"--data {data!r}: expected `real` or `scenario:NAME`")
    first, last = utc_date(start, "start"), utc_date(end, "end")
    request = Backtest(
        mode,
        data,
        first,
        last,
        capital,
        tuple(overrides or ()),
        flows,
        fallback=fallback,
        require_venues=require_venues,
        allow_unpaid=allow_unpaid,
    )
    splits = parse_accounts(accounts) if accounts is not None else ()
    result, path = execute(
        request,
        catalog,
        report,
        quiet=as_json,
        html=report is not None or not as_json,
        accounts=splits,
    )
    if as_json:
        typer.echo(json.dumps(json_safe(run_json(result)), allow_nan=False))
        return
    print_summary(result)
    out.print(f"report: {path}", highlight=False, soft_wrap=True)


@app.command("modes")
def modes() -> None:
    """List the strategy modes with a one-line description."""
    table = Table(
        title="strategy modes",
        title_justify="left",
        caption="No mode trades volume between managed accounts: basis refuses wash trading "
        "(docs/accounts.md).",
        caption_justify="left",
    )
    table.add_column("mode")
    table.add_column("description")
    for name in MODES:
        table.add_row(name, describe(name))
    out.print(table)
