"""Run the `basis` command in-process through `main()`, capturing output and exit code."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest

from basis.cli import main


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run(monkeypatch: pytest.MonkeyPatch, *args: str, columns: int = 200) -> Result:
    """Invoke `basis ARGS...` as the console script would, with wide rich output."""
    monkeypatch.setattr(sys, "argv", ["basis", *args])
    monkeypatch.setenv("COLUMNS", str(columns))
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())
