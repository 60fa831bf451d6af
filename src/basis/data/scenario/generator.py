"""Generate a scenario's full set of series and write them to a catalog (the offline default)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from basis.config import loader
from basis.config.market import MarketConfig
from basis.config.scenarios import ScenarioConfig
from basis.data.catalog import Catalog, ParamsDoc, SeriesFrame, SeriesInfo, scenario_dataset
from basis.data.scenario.benchmark import benchmark_frame
from basis.data.scenario.funding import funding_frames, simulate_funding
from basis.data.scenario.gas import gas_frame
from basis.data.scenario.lending import lending_frames
from basis.data.scenario.prices import ETH, simulate_prices
from basis.data.scenario.rewards import reward_frame, simulate_tokens, token_frames
from basis.data.scenario.staking import lst_frames, simulate_lst
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline
from basis.data.scenario.venues import venue_frames
from basis.errors import ConfigError

STEPS = ("prices", "funding", "venues", "staking", "lending", "rewards", "gas", "benchmark")
PARAMETERS = "scenario"  # name of the parameter document stored beside the series
Progress = Callable[[str], None]


def load_scenario(reference: str, configs_path: Path) -> ScenarioConfig:
    """Load a scenario by name (`configs/scenarios/<name>.yaml`) or by path to a YAML file.

    Raises `ConfigError` naming the scenarios available when the name is unknown, and for
    an invalid file.
    """
    path = Path(reference)
    if path.suffix not in (".yaml", ".yml") and not path.is_file():
        folder = configs_path / "scenarios"
        path = folder / f"{reference}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in folder.glob("*.yaml"))
            raise ConfigError(
                f"unknown scenario {reference!r}: no file {path}; known: {known or 'none'}"
            )
    return loader.load(ScenarioConfig, path)


def resolve(scenario: ScenarioConfig, seed: int | None, years: float | None) -> ScenarioConfig:
    """Return `scenario` with `seed` and `years` replaced when given, validated again.

    Raises `ConfigError` when an override is invalid, e.g. a horizon that ends before a shock.
    """
    if seed is None and years is None:
        return scenario
    data = scenario.model_dump()
    if seed is not None:
        data["seed"] = seed
    if years is not None:
        data["years"] = years
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {loader.expectation(item)}"
            for item in error.errors()
        )
        raise ConfigError(
            f"scenario {scenario.name!r} with seed={seed}, years={years}: {reasons}"
        ) from None


def generate(
    scenario: ScenarioConfig,
    market: MarketConfig,
    seed: int | None = None,
    years: float | None = None,
    *,
    progress: Progress | None = None,
) -> list[SeriesFrame]:
    """Return every series of the scenario, sorted by name; the same inputs give equal frames.

    `progress`, when given, is called with each name in `STEPS` as that step finishes.
    Raises `ConfigError` when the scenario shocks venues, or pays rewards on LSTs or in
    tokens, or simulates reserves, that the market configuration does not have.
    """
    scenario = resolve(scenario, seed, years)
    _check_against_market(scenario, market)
    report = progress if progress is not None else _silent
    timeline = Timeline(scenario.start_time, scenario.hours, scenario.name)
    streams = Streams(scenario.seed)
    assets = list(scenario.prices)
    shocks = scenario.shocks

    prices = simulate_prices(scenario.prices, shocks, timeline, streams)
    report("prices")
    funding = simulate_funding(
        scenario.funding, sorted(market.venues), assets, shocks, timeline, streams
    )
    frames = funding_frames(funding, market.venues, assets, timeline)
    report("funding")
    frames += venue_frames(
        prices, scenario.prices, funding, scenario.basis, market.venues, timeline, streams
    )
    report("venues")
    lsts = {
        lst: simulate_lst(config, lst, shocks, timeline, streams)
        for lst, config in scenario.lsts.items()
    }
    frames += lst_frames(lsts, timeline)
    report("staking")
    frames += lending_frames(
        scenario.aave, market.aave.rate_models, prices, lsts, shocks, timeline, streams
    )
    report("lending")
    tokens = simulate_tokens(scenario.tokens, timeline, streams)
    frames += token_frames(tokens, scenario.tokens, timeline, streams)
    for lst, programs in scenario.rewards.items():
        if programs:
            series = f"{market.lsts[lst].protocol}:rewards:{lst}"
            frames.append(reward_frame(series, programs, tokens, prices[ETH], timeline, streams))
    report("rewards")
    frames.append(gas_frame(scenario.gas, shocks, timeline, streams))
    report("gas")
    frames.append(benchmark_frame(scenario.benchmark, funding.market_mean(), timeline))
    report("benchmark")
    return sorted(frames, key=lambda frame: frame.series)


def write_scenario(
    catalog: Catalog,
    scenario: ScenarioConfig,
    market: MarketConfig,
    seed: int | None = None,
    years: float | None = None,
    *,
    progress: Progress | None = None,
) -> list[SeriesInfo]:
    """Generate the scenario and replace dataset `scenario:<name>` with it in one commit.

    The resolved scenario (with the seed and years used) is stored beside the series as
    the parameter document `scenario`. Returns what was written; raises as `generate`.
    """
    resolved = resolve(scenario, seed, years)
    frames = generate(resolved, market, progress=progress)
    dataset = scenario_dataset(resolved.name)
    document = ParamsDoc(name=PARAMETERS, source=dataset, content=resolved.model_dump(mode="json"))
    return catalog.write(dataset, frames, params=[document], replace_dataset=True)


def _check_against_market(scenario: ScenarioConfig, market: MarketConfig) -> None:
    # funding.mean_apr may list venues that are not configured (the defaults name all five);
    # a shock aimed at a venue that does not exist is a mistake.
    venues = set(market.venues)
    unknown = sorted({v for shock in scenario.shocks for v in shock.venues} - venues)
    if unknown:
        raise ConfigError(
            f"scenario {scenario.name!r} shocks venue(s) {unknown} that are not configured "
            f"(configs/venues: {sorted(venues)})"
        )
    for lst, programs in scenario.rewards.items():
        if lst not in market.lsts:
            raise ConfigError(
                f"scenario {scenario.name!r} pays rewards on {lst!r}, not in lsts.yaml "
                f"({sorted(market.lsts)})"
            )
        extra = sorted({p.token for p in programs} - set(market.lsts[lst].rewards))
        if extra:
            raise ConfigError(
                f"scenario {scenario.name!r} pays {extra} on {lst}, but lsts.yaml lists its "
                f"rewards as {list(market.lsts[lst].rewards)}"
            )


def _silent(step: str) -> None:
    """The default progress callback: report nothing."""
