"""`basis data generate`: write a seeded synthetic scenario into the catalog and list it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from basis.cli.app import CatalogOption, data_app, err, open_catalog, out
from basis.config import get_settings, load_market
from basis.data.scenario import STEPS, load_scenario, resolve, write_scenario


@data_app.command("generate")
def generate(
    scenario: Annotated[
        str, typer.Argument(help="A name in configs/scenarios/ or a path to a scenario YAML.")
    ],
    seed: Annotated[
        int | None, typer.Option(help="Random seed; default: the scenario's.", min=0)
    ] = None,
    years: Annotated[
        float | None, typer.Option(help="Horizon in years; default: the scenario's.")
    ] = None,
    catalog: CatalogOption = None,
) -> None:
    """Generate a seeded synthetic market and store it as dataset `scenario:<name>`."""
    settings = get_settings()
    market = load_market(settings.configs_path)
    config = resolve(load_scenario(scenario, settings.configs_path), seed, years)
    target = open_catalog(catalog)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(f"generating {config.name}", total=len(STEPS) + 1)

        def advance(step: str) -> None:
            progress.update(task, advance=1, description=f"generating {config.name}: {step}")

        written = write_scenario(target, config, market, progress=advance)
        progress.update(task, advance=1, description="written")
    table = Table(
        title=(
            f"scenario:{config.name} — seed {config.seed}, {config.years:g} years from "
            f"{config.start.isoformat()} → {target.root}"
        ),
        title_justify="left",
    )
    table.add_column("series", overflow="fold")
    for column in ("kind", "interval", "quote"):
        table.add_column(column, overflow="fold")
    table.add_column("rows", justify="right", overflow="fold")
    table.add_column("first (UTC)", no_wrap=True, min_width=16)  # dates are never cut
    table.add_column("last (UTC)", no_wrap=True, min_width=16)
    for info in written:
        table.add_row(
            info.series,
            info.kind,
            info.interval,
            info.quote or "",
            str(info.rows),
            _minute(info.start),
            _minute(info.end),
        )
    out.print(table)


def _minute(timestamp: str | None) -> str:
    """`2024-01-01T00:00:00+00:00` → `2024-01-01 00:00` (the table is UTC throughout)."""
    return timestamp[:16].replace("T", " ") if timestamp is not None else ""
