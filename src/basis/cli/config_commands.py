"""`basis config check`: report every configuration problem with file, field and value."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from basis.cli.app import config_app, out
from basis.config import get_settings, loader


@config_app.command("check")
def check(
    path: Annotated[
        Path | None, typer.Argument(help="A YAML file or a folder; default: the configs/ folder.")
    ] = None,
) -> None:
    """Validate configuration files; exit 2 when anything is wrong."""
    target = path if path is not None else get_settings().configs_path
    problems = loader.check(target)
    if not problems:
        out.print(f"[green]ok[/green]: {target} — no problems")
        return
    table = Table(title=f"{len(problems)} configuration problem(s)", title_justify="left")
    for column in ("file", "field", "value given", "expected"):
        table.add_column(column, overflow="fold")
    for problem in problems:
        table.add_row(problem.file, problem.field, repr(problem.value), problem.expected)
    out.print(table)
    raise typer.Exit(2)
