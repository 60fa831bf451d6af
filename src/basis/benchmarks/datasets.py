"""The datasets the engine benchmark runs on: the real window and a long generated scenario.

The real dataset is the one in the catalog, imported from `BASIS_REAL_DATA` when the
catalog lacks it; without either it is left out and the caller says so. The scenario is
`default` over 5 years, stored as `scenario:default5y` so that it never replaces the
two-year `scenario:default` a user runs on; it is regenerated when its stored parameters
differ from the ones asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from basis.config.market import MarketConfig
from basis.config.scenarios import ScenarioConfig
from basis.data.catalog import REAL, Catalog, scenario_dataset
from basis.data.ingest import import_folder
from basis.data.scenario import load_scenario, resolve, write_scenario
from basis.data.scenario.generator import PARAMETERS
from basis.engine.backtest import FALLBACK_SCENARIO
from basis.errors import DataMissingError

__all__ = [
    "SCENARIO",
    "BenchData",
    "ensure_fallback",
    "ensure_real",
    "ensure_scenario",
    "scenario_label",
]

SCENARIO = "scenario"  # the `--datasets` label of the generated scenario


@dataclass(frozen=True)
class BenchData:
    """Which scenario the benchmark generates: a scenario name and a horizon in years."""

    scenario: str = "default"
    years: float = 5.0


def scenario_label(data: BenchData) -> str:
    """The catalog dataset of the benchmark scenario, e.g. `scenario:default5y`."""
    return scenario_dataset(f"{Path(data.scenario).stem}{data.years:g}y")


def ensure_real(catalog: Catalog, folder: Path | None) -> bool:
    """True when the catalog has the real dataset, after importing it from `folder` if needed.

    False when the catalog lacks it and no folder is given. Raises what `import_folder`
    raises for a folder that cannot be imported.
    """
    if REAL in catalog.datasets():
        return True
    if folder is None:
        return False
    import_folder(folder, catalog)
    return True


def ensure_scenario(catalog: Catalog, configs: Path, market: MarketConfig, data: BenchData) -> str:
    """The benchmark scenario's dataset, generated into the catalog unless already there.

    Raises ConfigError for an unknown scenario or a horizon it cannot take.
    """
    dataset = scenario_label(data)
    config = _named(resolve(load_scenario(data.scenario, configs), None, data.years), dataset)
    wanted = config.model_dump(mode="json")
    if dataset in catalog.datasets() and _stored(catalog, dataset) == wanted:
        return dataset
    write_scenario(catalog, config, market)
    return dataset


def _named(config: ScenarioConfig, dataset: str) -> ScenarioConfig:
    name = dataset.removeprefix(scenario_dataset(""))
    return ScenarioConfig.model_validate({**config.model_dump(), "name": name})


def _stored(catalog: Catalog, dataset: str) -> dict[str, object] | None:
    try:
        return catalog.read_params(dataset, PARAMETERS)
    except DataMissingError:
        return None


def ensure_fallback(catalog: Catalog, configs: Path, market: MarketConfig) -> None:
    """Generate the scenario `funding_arbitrage` falls back to on real data, if absent.

    `prepare` would generate it on first use, inside the timed load; this keeps the
    generation out of the figures.
    """
    dataset = scenario_dataset(FALLBACK_SCENARIO)
    if dataset not in catalog.datasets():
        write_scenario(catalog, load_scenario(FALLBACK_SCENARIO, configs), market)
