"""Run the `basis` command in-process through `main()`, capturing output and exit code."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest

from basis.cli import main
from basis.cli.app import err as err_console
from basis.cli.app import out as out_console


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run(monkeypatch: pytest.MonkeyPatch, *args: str, columns: int = 200) -> Result:
    """Invoke `basis ARGS...` as the console script would, with wide rich output."""
    monkeypatch.setattr(sys, "argv", ["basis", *args])
    monkeypatch.setenv("COLUMNS", str(columns))
    # rich fixes a console's width when it is made if COLUMNS is set then (an xdist worker
    # inherits the parent's), so the shared consoles are set to `columns` for this call
    for console in (out_console, err_console):
        monkeypatch.setattr(console, "width", columns)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())
