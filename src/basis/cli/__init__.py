"""The `basis` console command: typer + rich. Errors become one line and an exit code."""

from __future__ import annotations

import sys

from basis.cli import config_commands  # noqa: F401  (registers commands)
from basis.cli.app import app, err
from basis.errors import BasisError


def main() -> None:
    """Entry point: run the command tree; a `BasisError` prints one line, never a traceback."""
    try:
        app()
    except BasisError as error:
        err.print(f"[red]error[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(error.exit_code)
