"""The work a dask worker does for a sweep or study: one backtest from plain, picklable inputs.

Workers only read: the catalog must hold every dataset before tasks are submitted
(`prepare_datasets`), so that no two workers race to generate the same scenario, and the
client process alone writes results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from basis.config.market import load_market
from basis.data.catalog import REAL, Catalog
from basis.data.scenario import load_scenario, write_scenario
from basis.engine.backtest import Backtest, run_backtest
from basis.errors import ConfigError, DataMissingError
from basis.model.result import RunResult

__all__ = ["BacktestTask", "check_dataset", "prepare_datasets", "run_task"]

SCENARIO_PREFIX = "scenario:"


@dataclass(frozen=True)
class BacktestTask:
    """One backtest as a worker receives it; paths must be valid on the worker's machine."""

    mode: str
    dataset: str
    start: dt.datetime | None
    end: dt.datetime | None
    capital: float | None
    overrides: tuple[str, ...]
    catalog: Path
    configs: Path
    fallback: str | None = None  # `scenario:NAME`, only when the user asked for it

    def request(self) -> Backtest:
        return Backtest(
            self.mode,
            self.dataset,
            self.start,
            self.end,
            self.capital,
            self.overrides,
            fallback=self.fallback,
        )


def run_task(task: BacktestTask) -> RunResult:
    """Run one backtest on a worker; its errors travel back as the task's outcome."""
    return run_backtest(task.request(), Catalog(task.catalog), task.configs)


def check_dataset(dataset: str) -> None:
    """Raise ConfigError unless `dataset` is `real` or `scenario:NAME`."""
    if dataset != REAL and not (
        dataset.startswith(SCENARIO_PREFIX) and dataset.removeprefix(SCENARIO_PREFIX)
    ):
        raise ConfigError(f"--data {dataset!r}: expected `real` or `scenario:NAME`")


def prepare_datasets(
    catalog: Catalog,
    configs: Path,
    datasets: Iterable[str],
    mode: str,
    fallback: str | None = None,
) -> list[str]:
    """Generate every scenario dataset the catalog lacks; return the ones generated.

    Raises DataMissingError when `real` is wanted and not imported (`basis data import`),
    ConfigError for an unknown scenario. A mode the real data cannot serve (e.g.
    `funding_arbitrage` without perp DEX data) fails per point, naming what is missing,
    unless a `fallback` scenario was asked for (then it is generated too).
    """
    wanted = list(dict.fromkeys([*datasets, *([fallback] if fallback else [])]))
    present = set(catalog.datasets())
    if REAL in wanted and REAL not in present:
        raise DataMissingError(
            f"dataset 'real' is not in the catalog {catalog.root}; import it first with "
            "`basis data import PATH`"
        )
    generated: list[str] = []
    market = None
    for dataset in dict.fromkeys(wanted):
        if dataset == REAL or dataset in present:
            continue
        scenario = load_scenario(dataset.removeprefix(SCENARIO_PREFIX), configs)
        market = market or load_market(configs)
        write_scenario(catalog, scenario, market)
        generated.append(dataset)
    return generated
