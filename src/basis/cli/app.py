"""The `basis` command tree. Command modules register onto these apps; keep commands thin."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="basis",
    help="Backtest, stress-test and run market-neutral crypto yield strategies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Import, check, show and generate market data.", no_args_is_help=True)
config_app = typer.Typer(help="Check configuration files.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(config_app, name="config")

# Tables and progress go to stderr when stdout must stay machine-readable (--json).
out = Console()
err = Console(stderr=True)
