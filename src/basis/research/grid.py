"""Sweep grids: read `grid.yaml`, check it, and expand it into its cartesian product of points.

```yaml
parameters:               # each key a mode parameter (see `basis config show`), each a list
  target_ltv: [0.85, 0.88]
  stake_allocation: [0.4, 0.5, 0.6]
scenarios: [default, eth_crash]   # optional: one more axis, the generated dataset
```

Everything is checked before any run starts; every problem names the file, the key and
the value.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from basis.config.loader import read_yaml
from basis.data.catalog import scenario_dataset
from basis.data.scenario import load_scenario
from basis.errors import ConfigError, ConfigUnknownKeyError
from basis.research.parameters import ModeChecker, canonical, key_problem, overrides, point_key

__all__ = [
    "DATASET_AXIS",
    "Grid",
    "Point",
    "expand",
    "parse_grid",
    "read_grid",
    "scenario_datasets",
    "validate",
]

TOP_LEVEL: Final = ("parameters", "scenarios")
DATASET_AXIS: Final = "dataset"
"""The name of the dataset axis in tables and reports (and for `--x`/`--y`)."""


@dataclass(frozen=True)
class Grid:
    """A parsed grid: parameters in file order with their values, and scenario names."""

    path: Path
    parameters: tuple[tuple[str, tuple[Any, ...]], ...]
    scenarios: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.parameters]

    @property
    def axes(self) -> list[str]:
        """The axes a report can plot: the parameters, then `dataset` when it varies."""
        return [*self.names, DATASET_AXIS] if len(self.scenarios) > 1 else self.names

    def document(self) -> dict[str, Any]:
        """The grid as JSON, for the sweep's identity in the store."""
        return {
            "parameters": {name: list(values) for name, values in self.parameters},
            "scenarios": list(self.scenarios),
        }


@dataclass(frozen=True)
class Point:
    """One run of a sweep: its position in the grid, dataset and parameter values."""

    position: int
    dataset: str
    params: Mapping[str, Any]

    @property
    def key(self) -> str:
        return point_key(self.dataset, self.params)

    @property
    def overrides(self) -> tuple[str, ...]:
        return overrides(self.params)

    def label(self) -> str:
        shown = ", ".join(f"{key}={canonical(value)}" for key, value in self.params.items())
        return f"{shown} on {self.dataset}" if shown else self.dataset


def read_grid(path: Path, configs: Path) -> Grid:
    """Parse and check a grid file. Raises ConfigError (ConfigUnknownKeyError for an unknown
    parameter) naming the file, key and value: unknown top-level key, empty or non-list
    values, a value listed twice, an unknown scenario."""
    return parse_grid(read_yaml(path), path, configs)


def parse_grid(data: Mapping[str, Any], path: Path, configs: Path) -> Grid:
    """Check a grid given as data (`read_grid`'s YAML, or a request body); `path` names it
    in messages. Raises ConfigError as `read_grid` does."""
    unknown = sorted(set(data) - set(TOP_LEVEL))
    if unknown:
        raise ConfigUnknownKeyError(
            f"{path}: unknown top-level key {unknown[0]!r}; a grid has {list(TOP_LEVEL)}"
        )
    parameters = data.get("parameters")
    if not isinstance(parameters, dict) or not parameters:
        raise ConfigError(
            f"{path}: parameters: expected a mapping of parameter → list of values, "
            f"got {parameters!r}"
        )
    axes = tuple((str(key), _values(path, key, values)) for key, values in parameters.items())
    return Grid(path, axes, _scenarios(path, data.get("scenarios"), configs))


def expand(grid: Grid, datasets: Sequence[str]) -> list[Point]:
    """The cartesian product: every dataset × every combination of parameter values, the
    last parameter varying fastest, numbered from 0 in that order."""
    names = grid.names
    combinations = itertools.product(*(values for _, values in grid.parameters))
    rows = [dict(zip(names, values, strict=True)) for values in combinations]
    points = [(dataset, params) for dataset in datasets for params in rows]
    return [Point(i, dataset, params) for i, (dataset, params) in enumerate(points)]


def validate(grid: Grid, points: Sequence[Point], checker: ModeChecker) -> None:
    """Raise ConfigError when a point is not a valid run of the mode, naming the file, the
    key and value to blame (when one value alone is rejected) or the whole point."""
    rejected: list[tuple[Point, str]] = []
    seen: set[str] = set()
    for point in points:
        params = canonical(point.params)
        if params in seen:
            continue
        seen.add(params)
        reason = checker.reason(point.params)
        if reason is not None:
            rejected.append((point, reason))
    if not rejected:
        return
    point, reason = rejected[0]
    more = f" ({len(rejected) - 1} more points are rejected)" if len(rejected) > 1 else ""
    for key, value in point.params.items():
        if checker.reason({key: value}) is not None:
            raise ConfigError(
                f"{grid.path}: parameters.{key}: value {canonical(value)} is rejected by the "
                f"mode: {reason}{more}"
            )
    raise ConfigError(f"{grid.path}: point {point.label()} is rejected by the mode: {reason}{more}")


def _values(path: Path, key: Any, values: Any) -> tuple[Any, ...]:
    problem = key_problem(key)
    if problem is not None:
        raise ConfigUnknownKeyError(f"{path}: parameters: {problem}")
    if not isinstance(values, list):
        raise ConfigError(
            f"{path}: parameters.{key}: expected a list of values, e.g. [0.4, 0.5], got {values!r}"
        )
    if not values:
        raise ConfigError(f"{path}: parameters.{key}: the list of values is empty")
    texts: list[str] = []
    for value in values:
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(
                f"{path}: parameters.{key}: value {value!r} must be finite (not inf or NaN)"
            )
        try:
            text = canonical(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{path}: parameters.{key}: value {value!r} is not a plain number, string, "
                "list or mapping"
            ) from None
        if text in texts:
            raise ConfigError(f"{path}: parameters.{key}: value {text} is listed twice")
        texts.append(text)
    return tuple(values)


def _scenarios(path: Path, names: Any, configs: Path) -> tuple[str, ...]:
    if names is None:
        return ()
    if not isinstance(names, list) or not names:
        raise ConfigError(
            f"{path}: scenarios: expected a non-empty list of scenario names, got {names!r}"
        )
    checked: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.removeprefix("scenario:"):
            raise ConfigError(f"{path}: scenarios: {name!r} is not a scenario name")
        bare = name.removeprefix("scenario:")
        if bare in checked:
            raise ConfigError(f"{path}: scenarios: {bare!r} is listed twice")
        try:
            load_scenario(bare, configs)
        except ConfigError as error:
            raise ConfigError(f"{path}: scenarios: {error.message}") from None
        checked.append(bare)
    return tuple(checked)


def scenario_datasets(grid: Grid) -> list[str]:
    """The datasets of the grid's scenario axis (empty without one)."""
    return [scenario_dataset(name) for name in grid.scenarios]
