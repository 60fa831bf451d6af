"""`basis run`: the main job on the embedded default, the target of `make run`.

Until the backtest engine lands it generates the built-in scenario into the catalog and
prints its data-check table; it needs no network and no real data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from basis.cli import data_check, data_generate
from basis.cli.app import CatalogOption, app
from basis.data.catalog import scenario_dataset

DEFAULT_SCENARIO = "default"


@app.command("run")
def run(
    scenario: Annotated[
        str, typer.Option(help="Scenario name in configs/scenarios/ or a YAML path.")
    ] = DEFAULT_SCENARIO,
    years: Annotated[
        float | None, typer.Option(help="Horizon in years; default: the scenario's.")
    ] = None,
    catalog: CatalogOption = None,
) -> None:
    """Generate the built-in scenario and check its data (the main job of `make run`)."""
    data_generate.generate(scenario=scenario, seed=None, years=years, catalog=catalog)
    name = Path(scenario).stem if scenario.endswith((".yaml", ".yml")) else scenario
    data_check.check(catalog=catalog, dataset=scenario_dataset(name), as_json=False, strict=True)
