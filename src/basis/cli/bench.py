"""`basis bench`: engine steps/s, load time and peak memory per mode (issue 5 targets).

`--json` prints one object keyed by mode for one dataset:
`{"<mode>": {"steps", "engine_s", "steps_per_s", "load_s", "peak_mb", "dataset"}, ...}`.
`dataset` says what the mode actually ran on (`funding_arbitrage` asked for `real` runs on
`scenario:default`). Without `--json` both datasets are shown, one table each.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from basis.benchmarks import (
    SCENARIO,
    STEP_RATE_TARGETS,
    BenchData,
    Figures,
    Suite,
    run_suite,
)
from basis.cli.app import CatalogOption, app, err, open_catalog, out
from basis.config import get_settings
from basis.data.catalog import REAL
from basis.errors import ConfigError, DataMissingError
from basis.strategies import MODES

__all__ = ["bench"]


@app.command("bench")
def bench(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object keyed by mode (one dataset).")
    ] = False,
    modes: Annotated[
        str | None, typer.Option("--modes", help="Comma-separated modes; default: all nine.")
    ] = None,
    datasets: Annotated[
        str | None,
        typer.Option(
            "--datasets",
            help="Comma-separated, from `real` and `scenario`; default: both, `real` with --json.",
        ),
    ] = None,
    repeat: Annotated[
        int, typer.Option("--repeat", min=1, help="Runs per mode; the best is kept.")
    ] = 3,
    scenario: Annotated[
        str, typer.Option("--scenario", help="Scenario generated for the `scenario` dataset.")
    ] = "default",
    years: Annotated[
        float, typer.Option("--years", help="Horizon of the generated scenario, in years.")
    ] = 5.0,
    catalog: CatalogOption = None,
) -> None:
    """Time the engine per mode (steps/s), the load, and the peak memory of each run.

    Each mode runs in a fresh process (so its peak RSS is its own) that loads and runs it
    `--repeat` times; load and engine seconds are the best of those. The real dataset is imported
    from BASIS_REAL_DATA when the catalog lacks it, and left out with a note otherwise;
    the scenario (default 5 years of `default`, stored as `scenario:default5y`) is
    generated when absent.
    """
    chosen_modes = _split(modes) if modes is not None else list(MODES)
    default = REAL if as_json else f"{REAL},{SCENARIO}"
    chosen = _split(datasets if datasets is not None else default)
    if as_json and len(set(chosen)) != 1:
        raise ConfigError(
            f"--json prints one object keyed by mode, for one dataset; got --datasets "
            f"{','.join(chosen)!r}: run once per dataset"
        )
    settings = get_settings()
    data = BenchData(scenario, years)
    suite = run_suite(
        chosen_modes,
        chosen,
        open_catalog(catalog),
        settings.configs_path,
        data=data,
        repeat=repeat,
        real_folder=settings.real_data,
        progress=lambda line: err.print(f"bench {line}", highlight=False),
    )
    for note in suite.notes:
        err.print(f"[yellow]note[/yellow] {note}", highlight=False, soft_wrap=True)
    if not suite.figures:
        raise DataMissingError(f"nothing to benchmark on --datasets {','.join(chosen)!r}")
    if as_json:
        document = {figures.mode: figures.as_json() for figures in suite.figures}
        typer.echo(json.dumps(document, allow_nan=False))
        return
    for table in _tables(suite, repeat):
        out.print(table)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _tables(suite: Suite, repeat: int) -> list[Table]:
    """One table per dataset, modes in the order given."""
    tables = []
    for dataset, group in suite.by_dataset.items():
        table = _table(dataset, repeat)
        for figures in group:
            moved = figures.dataset != dataset
            table.add_row(
                f"{figures.mode} (on {figures.dataset})" if moved else figures.mode,
                f"{figures.steps:,}",
                f"{figures.engine_s:.3f}",
                f"{figures.steps_per_s:,.0f}",
                _target(figures),
                f"{figures.load_s:.3f}",
                f"{figures.peak_mb:,.0f}",
            )
        tables.append(table)
    return tables


def _table(dataset: str, repeat: int) -> Table:
    table = Table(
        title=f"{dataset} — best of {repeat}; peak MB: peak RSS of one process per mode",
        title_justify="left",
    )
    table.add_column("mode", overflow="fold")
    for column in ("steps", "engine s", "steps/s", "target", "load s", "peak MB"):
        table.add_column(column, justify="right", no_wrap=True)
    return table


def _target(figures: Figures) -> str:
    target = STEP_RATE_TARGETS.get(figures.mode)
    if target is None:
        return ""
    met = "[green]met[/green]" if figures.steps_per_s >= target else "[red]not met[/red]"
    return f"≥{target / 1000:,.0f}k {met}"
