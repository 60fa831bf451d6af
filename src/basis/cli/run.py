"""`basis run`: the main job on the embedded default, the target of `make run`.

It generates the built-in scenario when the catalog does not have it, backtests
`usdt_market_neutral` on it, and prints the summary and the report path. It needs no
network and no real data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from basis.cli import data_generate
from basis.cli.app import CatalogOption, app, open_catalog, out
from basis.cli.backtest import execute
from basis.cli.results import print_summary
from basis.data.catalog import scenario_dataset
from basis.engine.backtest import Backtest

DEFAULT_SCENARIO = "default"
DEFAULT_MODE = "usdt_market_neutral"


@app.command("run")
def run(
    mode: Annotated[str, typer.Option(help="Strategy mode to backtest.")] = DEFAULT_MODE,
    scenario: Annotated[
        str, typer.Option(help="Scenario name in configs/scenarios/ or a YAML path.")
    ] = DEFAULT_SCENARIO,
    years: Annotated[
        float | None, typer.Option(help="Regenerate the scenario with this horizon in years.")
    ] = None,
    catalog: CatalogOption = None,
) -> None:
    """Backtest the default mode on the built-in scenario (the main job of `make run`).

    The scenario is generated when the catalog lacks it (or when --years is given).
    """
    name = Path(scenario).stem if scenario.endswith((".yaml", ".yml")) else scenario
    dataset = scenario_dataset(name)
    if years is not None or dataset not in open_catalog(catalog).datasets():
        data_generate.generate(scenario=scenario, seed=None, years=years, catalog=catalog)
    result, path = execute(Backtest(mode, dataset), catalog, None, quiet=False)
    print_summary(result)
    out.print(f"report: {path}", highlight=False, soft_wrap=True)
