"""A backtest from names: mode config (+ overrides), dataset, window, flows → a `RunResult`.

`prepare` resolves the configuration and loads the data, `execute` runs the engine on
it; `run_backtest` is both. The split lets benchmarks time the engine alone and lets
sweeps reuse one load.

This is what `basis backtest`, the sweeps and the API call; it owns the choices a user
does not spell out: the default window, the venue fallback, the scenario fallback for
venues without real data.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from basis.config import loader
from basis.config.flows import Flow, FlowSchedule
from basis.config.market import MarketConfig, load_market
from basis.config.modes import ModeConfig
from basis.data.catalog import REAL, Catalog, scenario_dataset
from basis.data.resolve import ResolutionPolicy
from basis.data.scenario import load_scenario, write_scenario
from basis.engine.inputs import Inputs, load_inputs
from basis.engine.loop import Progress, run
from basis.errors import ConfigError, DataMissingError
from basis.model.needs import Needs
from basis.model.result import RunResult
from basis.strategies import build
from basis.strategies.wash_trading import refuse_wash_trading

__all__ = [
    "FALLBACK_SCENARIO",
    "Backtest",
    "Prepared",
    "execute",
    "load_flows",
    "load_mode",
    "prepare",
    "run_backtest",
]

FALLBACK_SCENARIO = "default"


@dataclass(frozen=True)
class Backtest:
    """What to run: every field has the default a user would expect."""

    mode: str
    dataset: str = scenario_dataset(FALLBACK_SCENARIO)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    capital: float | None = None
    overrides: Sequence[str] = ()
    flows: Path | None = None


def load_mode(
    configs: Path, mode: str, overrides: Sequence[str], capital: float | None
) -> ModeConfig:
    """`configs/modes/<mode>.yaml` with `--set` overrides (and `--capital`)."""
    refuse_wash_trading(mode)
    path = configs / "modes" / f"{mode}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (configs / "modes").glob("*.yaml"))
        raise ConfigError(f"unknown mode {mode!r}; known: {known}")
    extra = list(overrides)
    if capital is not None:
        extra.append(f"initial_capital={capital}")
    return loader.load(ModeConfig, path, extra)


def load_flows(path: Path | None) -> tuple[Flow, ...]:
    if path is None:
        return ()
    return loader.load(FlowSchedule, path).flows


@dataclass(frozen=True)
class Prepared:
    """A backtest with its configuration resolved and its data loaded, not yet run.

    It holds no strategy: a strategy keeps per-run state (the hedge weights, the funding
    history of `funding_arbitrage`), so `execute` builds a fresh one each time and the
    same `Prepared` can be executed any number of times with the same result.
    """

    config: ModeConfig
    market: MarketConfig
    inputs: Inputs
    flows: tuple[Flow, ...]
    record: Mapping[str, Any]  # the run's configuration record; `execute` copies it

    @property
    def steps(self) -> int:
        """Hourly steps the engine will run."""
        return self.inputs.data.steps


def prepare(
    request: Backtest,
    catalog: Catalog,
    configs: Path,
    policy: ResolutionPolicy | None = None,
) -> Prepared:
    """Resolve `request` and load its inputs (no engine step runs).

    Raises ConfigError / DataError naming what is wrong.
    """
    market = load_market(configs)
    config = load_mode(configs, request.mode, request.overrides, request.capital)
    flows = load_flows(request.flows)
    inputs = _inputs(request, build(config, market).needs(), catalog, configs, market, policy)
    record: dict[str, Any] = {
        "mode": config.model_dump(mode="json"),
        "dataset": inputs.data.dataset,
        "overrides": list(request.overrides),
        "flows": [flow.model_dump(mode="json") for flow in flows],
        "venues": list(inputs.venues),
    }
    return Prepared(config, market, inputs, flows, record)


def execute(prepared: Prepared, progress: Progress | None = None) -> RunResult:
    """Run a fresh strategy over the prepared inputs and return the summarised result."""
    strategy = build(prepared.config, prepared.market)
    record = copy.deepcopy(dict(prepared.record))  # the result owns its copy
    return run(
        strategy,
        prepared.inputs,
        prepared.market,
        prepared.flows,
        config_record=record,
        progress=progress,
    )


def run_backtest(
    request: Backtest,
    catalog: Catalog,
    configs: Path,
    policy: ResolutionPolicy | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run `request` (`prepare`, then `execute`); raises ConfigError / DataError as they do."""
    return execute(prepare(request, catalog, configs, policy), progress)


def _inputs(
    request: Backtest,
    needs: Needs,
    catalog: Catalog,
    configs: Path,
    market: MarketConfig,
    policy: ResolutionPolicy | None,
) -> Inputs:
    arbitrage = request.mode == "funding_arbitrage" and request.dataset == REAL
    try:
        inputs = load_inputs(
            catalog, request.dataset, needs, market, request.start, request.end, policy
        )
    except DataMissingError as error:
        if not arbitrage:
            raise
        reason = str(error)
    else:
        missing = sorted(set(needs.perp_venues) - set(inputs.venues))
        if not (arbitrage and missing):
            return inputs
        reason = f"no {needs.perp_base} perp data for {', '.join(missing)}"
    # funding_arbitrage needs perp DEX venues the real data does not have: run on scenario.
    dataset = scenario_dataset(FALLBACK_SCENARIO)
    if dataset not in catalog.datasets():
        write_scenario(catalog, load_scenario(FALLBACK_SCENARIO, configs), market)
    inputs = load_inputs(catalog, dataset, needs, market, request.start, request.end, policy)
    warning = (
        f"funding_arbitrage ran on {dataset}, not on real data: the real dataset lacks a "
        f"venue it needs ({reason})"
    )
    return Inputs(inputs.data, inputs.venues, inputs.start, inputs.end, (warning, *inputs.warnings))
