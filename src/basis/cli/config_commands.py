"""`basis config check` and `show`: validate configuration files, print resolved ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from basis.cli.app import config_app, out
from basis.config import get_settings, loader
from basis.errors import ConfigError


@config_app.command("check")
def check(
    path: Annotated[
        Path | None, typer.Argument(help="A YAML file or a folder; default: the configs/ folder.")
    ] = None,
) -> None:
    """Validate configuration files (sweep grids and spaces under sweeps/ too); exit 2 when
    anything is wrong."""
    from functools import partial

    from basis.research.sweep_files import sweep_file_problems

    configs = get_settings().configs_path
    target = path if path is not None else configs
    problems = loader.check(target, {"sweeps": partial(sweep_file_problems, configs=configs)})
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


@config_app.command("show")
def show(
    path: Annotated[Path, typer.Argument(help="A YAML file under configs/ (modes/, venues/, …).")],
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field: key.path=value (repeatable)."),
    ] = None,
) -> None:
    """Print the resolved configuration: defaults ← file ← --set overrides."""
    model = loader.model_for(path)
    if model is None:
        raise ConfigError(
            f"{path}: not a known configuration file; expected a file under "
            f"{sorted(loader.MODEL_BY_FOLDER)}/ or one of {sorted(loader.MODEL_BY_FILE)}"
        )
    config = loader.load(model, path, overrides or [])
    out.print(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), end="")
