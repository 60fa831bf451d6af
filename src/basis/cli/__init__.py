"""The `basis` console command: typer + rich. Errors become one line and an exit code."""

from __future__ import annotations

import sys

from rich.markup import escape

from basis.cli import (  # noqa: F401  (registers commands)
    accounts,
    audit,
    backtest,
    bench,
    config_commands,
    dashboard,
    data_check,
    data_gc,
    data_generate,
    data_import,
    live,
    optimize,
    results,
    run,
    serve,
    session,
    stress,
    sweep,
    users,
    venue,
)
from basis.cli.app import app, err
from basis.errors import BasisError


def main() -> None:
    """Entry point: run the command tree; a `BasisError` prints one line, never a traceback."""
    try:
        app()
    except BasisError as error:
        err.print(
            f"[red]error[/red] {escape(str(error))}", highlight=False, soft_wrap=True, emoji=False
        )
        sys.exit(error.exit_code)
