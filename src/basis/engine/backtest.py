"""A backtest from names: mode config (+ overrides), dataset, window, flows → a `RunResult`.

`prepare` resolves the configuration and loads the data, `execute` runs the engine on
it; `run_backtest` is both. The split lets benchmarks time the engine alone and lets
sweeps reuse one load.

This is what `basis backtest`, the sweeps and the API call; it owns the choices a user
does not spell out: the default window and the venue fallback. It never runs on another
dataset than the one asked for unless the request names a `fallback`, and then the run
says so (a warning and the `fallback` record).
"""

from __future__ import annotations

import copy
import dataclasses
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
from basis.strategies import Strategy, build
from basis.strategies.wash_trading import refuse_wash_trading

__all__ = [
    "EVERY_VENUE_MODES",
    "FALLBACK_SCENARIO",
    "Backtest",
    "Prepared",
    "check_fallback",
    "effective_allocation",
    "execute",
    "load_flows",
    "load_mode",
    "prepare",
    "run_backtest",
]

FALLBACK_SCENARIO = "default"
EVERY_VENUE_MODES = frozenset({"funding_arbitrage"})
"""Modes that cannot run without every perp venue they name (a long and a short leg)."""


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
    fallback: str | None = None  # `scenario:NAME` to run on when `dataset` lacks a series
    require_venues: bool = False  # a perp venue without data is an error, not a warning
    allow_unpaid: bool = False  # accept a run that ends owing withdrawals


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
    labels = {}
    if capital is not None:
        extra.append(f"initial_capital={capital!r}")
        labels["initial_capital"] = f"--capital {capital:g}"
    return loader.load(ModeConfig, path, extra, labels=labels)


def load_flows(path: Path | None) -> tuple[Flow, ...]:
    if path is None:
        return ()
    return loader.load(FlowSchedule, path).flows


@dataclass(frozen=True)
class Prepared:
    """A backtest with its configuration resolved and its data loaded, not yet run.

    It holds no strategy: a strategy keeps per-run state (the hedge weights, the model of
    the directional modes), so `execute` builds a fresh one each time and the same
    `Prepared` can be executed any number of times with the same result.
    """

    config: ModeConfig
    market: MarketConfig
    inputs: Inputs
    flows: tuple[Flow, ...]
    record: Mapping[str, Any]  # the run's configuration record; `execute` copies it
    allow_unpaid: bool = False
    flows_file: Path | None = None

    @property
    def steps(self) -> int:
        """Hourly steps the engine will run."""
        return self.inputs.data.steps


def prepare(
    request: Backtest,
    catalog: Catalog,
    configs: Path,
    policy: ResolutionPolicy | None = None,
    account: tuple[str, float] | None = None,
) -> Prepared:
    """Resolve `request` and load its inputs (no engine step runs). `account` (venue,
    share of the capital) runs the mode as one account of a split (`ModeConfig.on_account`).

    Raises ConfigError / DataError naming what is wrong.
    """
    if request.start is not None and request.end is not None and request.end <= request.start:
        raise ConfigError(
            f"--start {request.start:%Y-%m-%d %H:%M} is "
            f"{'equal to' if request.end == request.start else 'after'} --end "
            f"{request.end:%Y-%m-%d %H:%M} (UTC): the window would be empty; --end is the "
            "hour the book is valued at and must come after --start"
        )
    check_fallback(request.fallback)
    market = load_market(configs)
    config = load_mode(configs, request.mode, request.overrides, request.capital)
    if account is not None:
        venue, share = account
        config = config.on_account(venue, config.initial_capital * share)
    flows = load_flows(request.flows)
    strategy = build(config, market)
    needs = strategy.needs()
    inputs, fallback = _inputs(request, needs, catalog, configs, market, policy)
    record: dict[str, Any] = {
        "mode": config.model_dump(mode="json"),
        "dataset": inputs.data.dataset,
        "fallback": fallback,
        "overrides": list(request.overrides),
        "flows": [flow.model_dump(mode="json") for flow in flows],
        "venues": list(inputs.venues),
        "allocation": effective_allocation(strategy, inputs.venues),
    }
    return Prepared(config, market, inputs, flows, record, request.allow_unpaid, request.flows)


def execute(prepared: Prepared, progress: Progress | None = None) -> RunResult:
    """Run a fresh strategy over the prepared inputs and return the summarised result.

    Raises ConfigError when the withdrawals leave money unpaid at the end of the window
    and `allow_unpaid` was not given: the run would end owing its investors.
    """
    strategy = build(prepared.config, prepared.market)
    record = copy.deepcopy(dict(prepared.record))  # the result owns its copy
    result = run(
        strategy,
        prepared.inputs,
        prepared.market,
        prepared.flows,
        config_record=record,
        progress=progress,
    )
    unpaid = result.summary.metrics.get("unpaid") if result.summary else None
    if unpaid and not prepared.allow_unpaid:
        withdrawals = [flow for flow in prepared.flows if flow.amount < 0]
        last = max(withdrawals, key=lambda flow: flow.time) if withdrawals else None
        what = (
            f" (the last, {-last.amount:,.2f} at {last.time:%Y-%m-%d %H:%M}, waits for an "
            "unwind, a transfer or a withdrawal queue)"
            if last is not None
            else ""
        )
        where = f"--flows {prepared.flows_file}" if prepared.flows_file else "the flows"
        raise ConfigError(
            f"{where}: {unpaid:,.2f} {result.share_class} of withdrawals is still unpaid when "
            f"the window ends at {result.end:%Y-%m-%d %H:%M} UTC{what}; end the window later, "
            "withdraw earlier, or pass --allow-unpaid to accept a run that ends owing it"
        )
    return result


def run_backtest(
    request: Backtest,
    catalog: Catalog,
    configs: Path,
    policy: ResolutionPolicy | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run `request` (`prepare`, then `execute`); raises ConfigError / DataError as they do."""
    return execute(prepare(request, catalog, configs, policy), progress)


def check_fallback(fallback: str | None) -> None:
    """Raise ConfigError unless `fallback` is None or `scenario:NAME`: only generated data
    may stand in for a dataset, and only when asked for."""
    if fallback is not None and not (
        fallback.startswith("scenario:") and fallback.removeprefix("scenario:")
    ):
        raise ConfigError(f"--fallback {fallback!r}: expected `scenario:NAME`")


def effective_allocation(strategy: Strategy, venues: Sequence[str]) -> dict[str, float] | None:
    """The hedge weights a run of `strategy` uses: `hedge_allocation` renormalised over the
    venues with data, as the loop sets them. None for modes that do not hedge by it."""
    perp_venues = strategy.needs().perp_venues
    if not perp_venues or tuple(perp_venues) != tuple(strategy.config.hedge_allocation):
        return None
    strategy.use_venues(venues)
    return dict(strategy.weights)


def _inputs(
    request: Backtest,
    needs: Needs,
    catalog: Catalog,
    configs: Path,
    market: MarketConfig,
    policy: ResolutionPolicy | None,
) -> tuple[Inputs, dict[str, str] | None]:
    """The inputs from `request.dataset`, else (when asked) from `request.fallback`.

    Returns the inputs and the fallback record (`requested`, `used`, `reason`), None when
    the requested dataset was used. Raises `DataMissingError` naming what is missing, and
    how to ask for a fallback, when the dataset lacks a series or a required venue.
    """
    required = (
        needs.perp_venues if (request.require_venues or request.mode in EVERY_VENUE_MODES) else ()
    )
    try:
        return _load(request, request.dataset, needs, required, catalog, market, policy), None
    except DataMissingError as error:
        if request.fallback is None or request.fallback == request.dataset:
            if request.fallback is None and request.dataset == REAL:
                raise DataMissingError(
                    f"{error.message}; to run on synthetic data instead, ask for it: "
                    f"--fallback {scenario_dataset(FALLBACK_SCENARIO)}"
                ) from None
            raise
        reason = error.message
    fallback = request.fallback
    if fallback.startswith("scenario:") and fallback not in catalog.datasets():
        name = fallback.removeprefix("scenario:")
        write_scenario(catalog, load_scenario(name, configs), market)
    inputs = _load(request, fallback, needs, required, catalog, market, policy)
    warning = f"ran on {fallback}, not on {request.dataset} as asked (--fallback): {reason}"
    record = {"requested": request.dataset, "used": fallback, "reason": reason}
    return (
        dataclasses.replace(inputs, warnings=(warning, *inputs.warnings)),
        record,
    )


def _load(
    request: Backtest,
    dataset: str,
    needs: Needs,
    required: Sequence[str],
    catalog: Catalog,
    market: MarketConfig,
    policy: ResolutionPolicy | None,
) -> Inputs:
    """`load_inputs` from `dataset`; DataMissingError when a `required` venue was dropped."""
    inputs = load_inputs(catalog, dataset, needs, market, request.start, request.end, policy)
    missing = [venue for venue in required if venue not in inputs.venues]
    if missing:
        why = "; ".join(f"{venue}: {inputs.dropped.get(venue, 'no data')}" for venue in missing)
        asked = "--require-venues" if request.mode not in EVERY_VENUE_MODES else request.mode
        raise DataMissingError(
            f"dataset {dataset!r} has no usable {needs.perp_base} perp data for "
            f"{', '.join(missing)}, which {asked} requires ({why})"
        )
    return inputs
