"""One stress path: a scenario generated in memory with its own seed, then backtested.

A path is `basis backtest --data scenario:<name>` on the scenario generated with another
seed, without writing the dataset to disk: the generator writes into a `MemoryCatalog`
and `load_inputs` reads from it through the same `Catalog` methods, so a path's result
equals the catalog-backed backtest of the same seed (tests/research/test_stress_paths.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig
from basis.config.scenarios import ScenarioConfig
from basis.data.catalog import Catalog, ParamsDoc, ParamsInfo, SeriesFrame, SeriesInfo
from basis.data.catalog import scenario_dataset as dataset_of
from basis.data.scenario import resolve, write_scenario
from basis.data.schema import conform
from basis.engine.inputs import load_inputs
from basis.engine.loop import run
from basis.errors import DataError, DataMissingError
from basis.model.result import RunResult
from basis.strategies import build

__all__ = ["MemoryCatalog", "PathSpec", "path_scenario", "run_path"]

MEMORY_OBJECT = "memory"
"""The `object` of a series held in memory: there is no content-addressed file behind it."""


@dataclass(frozen=True)
class PathSpec:
    """Everything a worker needs to run any path, resolved up front in the client.

    Configuration travels as validated objects (not paths), so workers on other machines
    need `basis` installed but not the `configs/` folder. `scenario` already carries the
    horizon (`--years`); each path replaces only its seed. `overrides` are recorded, the
    mode config already has them applied.
    """

    mode: ModeConfig
    scenario: ScenarioConfig
    market: MarketConfig
    overrides: tuple[str, ...] = ()


@dataclass
class _Dataset:
    series: dict[str, tuple[SeriesInfo, pl.DataFrame]] = field(default_factory=dict)
    params: dict[str, tuple[ParamsInfo, dict[str, Any]]] = field(default_factory=dict)


class MemoryCatalog(Catalog):
    """A catalog held in memory: `Catalog`'s reads and writes, nothing on disk.

    Frames are conformed to their kind's schema on write, exactly as `Catalog.write` does
    before it stores them, and a Parquet round trip changes no value of these types, so
    reads return what a disk catalog would. Every public method of `Catalog` is overridden;
    `root` is a placeholder used only in messages.
    """

    def __init__(self) -> None:
        super().__init__(Path("<memory>"))
        self._datasets: dict[str, _Dataset] = {}

    def datasets(self) -> list[str]:
        return sorted(self._datasets)

    def series(self, dataset: str | None = None) -> list[SeriesInfo]:
        names = [dataset] if dataset is not None else self.datasets()
        found = [self._datasets[name] for name in names if name in self._datasets]
        return [data.series[key][0] for data in found for key in sorted(data.series)]

    def info(self, dataset: str, series: str) -> SeriesInfo:
        """Raises `DataMissingError` naming what is available, like `Catalog.info`."""
        return self._entry(dataset, series)[0]

    def read(self, dataset: str, series: str) -> pl.DataFrame:
        return self._entry(dataset, series)[1].clone()

    def params(self, dataset: str | None = None) -> list[ParamsInfo]:
        names = [dataset] if dataset is not None else self.datasets()
        found = [self._datasets[name] for name in names if name in self._datasets]
        return [data.params[key][0] for data in found for key in sorted(data.params)]

    def read_params(self, dataset: str, name: str) -> dict[str, Any]:
        data = self._datasets.get(dataset)
        if data is None or name not in data.params:
            raise DataMissingError(f"no parameter document {name!r} in dataset {dataset!r}")
        return dict(data.params[name][1])

    def write(
        self,
        dataset: str,
        frames: Sequence[SeriesFrame],
        params: Sequence[ParamsDoc] = (),
        replace_dataset: bool = False,
    ) -> list[SeriesInfo]:
        """Add or replace series like `Catalog.write`; all frames are checked first."""
        staged = [(item, conform(item.kind, item.frame, item.source)) for item in frames]
        names = [item.series for item, _ in staged]
        if len(set(names)) != len(names):
            raise DataError(f"write to {dataset!r} names a series twice: {sorted(names)}")
        data = _Dataset() if replace_dataset else self._datasets.get(dataset, _Dataset())
        infos = []
        for item, frame in staged:
            info = item.described(dataset, frame, MEMORY_OBJECT)
            data.series[item.series] = (info, frame)
            infos.append(info)
        for doc in params:
            info_ = ParamsInfo(dataset=dataset, name=doc.name, source=doc.source, object="")
            data.params[doc.name] = (info_, dict(doc.content))
        self._datasets[dataset] = data
        return infos

    def _entry(self, dataset: str, series: str) -> tuple[SeriesInfo, pl.DataFrame]:
        data = self._datasets.get(dataset)
        if data is None:
            raise DataMissingError(
                f"no dataset {dataset!r} in the in-memory catalog; available: "
                f"{self.datasets() or 'none'}"
            )
        if series not in data.series:
            raise DataMissingError(
                f"no series {series!r} in dataset {dataset!r}; available: {sorted(data.series)}"
            )
        return data.series[series]


def path_scenario(spec: PathSpec, seed: int) -> ScenarioConfig:
    """The scenario of the path with `seed`; raises `ConfigError` for an invalid seed."""
    return resolve(spec.scenario, seed, None)


def run_path(spec: PathSpec, seed: int) -> RunResult:
    """Generate the scenario with `seed` in memory and backtest the mode on all of it.

    The run is what `basis backtest --mode M --data scenario:S` gives after
    `basis data generate S --seed SEED --years Y`: same window (the widest), no flows.
    Raises what generation, input loading or the run raise (ConfigError, DataError,
    MechanicsError); the caller decides whether that fails one path or everything.
    """
    scenario = path_scenario(spec, seed)
    catalog = MemoryCatalog()
    write_scenario(catalog, scenario, spec.market)
    strategy = build(spec.mode, spec.market)
    dataset = dataset_of(scenario.name)
    inputs = load_inputs(catalog, dataset, strategy.needs(), spec.market)
    record: dict[str, Any] = {
        "mode": spec.mode.model_dump(mode="json"),
        "dataset": inputs.data.dataset,
        "overrides": list(spec.overrides),
        "flows": [],
        "venues": list(inputs.venues),
        "scenario": {"name": scenario.name, "seed": scenario.seed, "years": scenario.years},
    }
    return run(strategy, inputs, spec.market, (), config_record=record)
