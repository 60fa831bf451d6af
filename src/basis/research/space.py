"""Optimisation search spaces: read `space.yaml` into Optuna distributions, and back.

```yaml
parameters:
  target_ltv: {low: 0.80, high: 0.90}              # a float range
  stake_allocation: {low: 0.3, high: 0.7, step: 0.05}
  initial_capital: {low: 100000, high: 1000000, log: true}   # ints stay ints
  lst: {choices: [weETH, wstETH]}                  # any values, mappings included
```

Every bound and choice is checked against the mode up front (with the mode's other
parameters at their file values); problems name the file, key and value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from basis.config.loader import read_yaml
from basis.errors import ConfigError, ConfigUnknownKeyError
from basis.research.parameters import ModeChecker, canonical, key_problem

__all__ = ["Dimension", "Space", "parse_space", "read_space"]

RANGE_KEYS: Final = frozenset({"low", "high", "step", "log"})
CHOICE_KEYS: Final = frozenset({"choices"})
_STEP_DIGITS: Final = 12
"""Stepped floats are rounded to this many decimals: 0.35, not 0.35000000000000003."""


@dataclass(frozen=True)
class Dimension:
    """One parameter of the space: its Optuna distribution and, for choices, the values
    (Optuna keeps only plain scalars, so other values travel as their JSON text)."""

    name: str
    distribution: BaseDistribution
    choices: tuple[Any, ...] = ()

    def decode(self, sampled: Any) -> Any:
        """The mode parameter value of an Optuna-sampled value."""
        if self.choices:
            by_text = {_encode(choice): choice for choice in self.choices}
            return by_text[sampled]
        if isinstance(self.distribution, FloatDistribution) and self.distribution.step:
            return round(float(sampled), _STEP_DIGITS)
        return sampled


@dataclass(frozen=True)
class Space:
    """A parsed search space, dimensions in file order."""

    path: Path
    dimensions: tuple[Dimension, ...]
    document: Mapping[str, Any]

    @property
    def names(self) -> list[str]:
        return [dimension.name for dimension in self.dimensions]

    def distributions(self) -> dict[str, BaseDistribution]:
        return {dimension.name: dimension.distribution for dimension in self.dimensions}

    def params(self, sampled: Mapping[str, Any]) -> dict[str, Any]:
        """The point (mode parameters) of an Optuna trial's `params`."""
        return {d.name: d.decode(sampled[d.name]) for d in self.dimensions}


def read_space(path: Path, checker: ModeChecker) -> Space:
    """Parse and check a space file; raise ConfigError (ConfigUnknownKeyError for an unknown
    parameter or key) naming the file, key and value."""
    return parse_space(read_yaml(path), path, checker)


def parse_space(data: Mapping[str, Any], path: Path, checker: ModeChecker) -> Space:
    """Check a space given as data (`read_space`'s YAML, or a request body); `path` names it
    in messages. Raises ConfigError as `read_space` does."""
    unknown = sorted(set(data) - {"parameters"})
    if unknown:
        raise ConfigUnknownKeyError(
            f"{path}: unknown top-level key {unknown[0]!r}; a space has ['parameters']"
        )
    parameters = data.get("parameters")
    if not isinstance(parameters, dict) or not parameters:
        raise ConfigError(
            f"{path}: parameters: expected a mapping of parameter → {{low, high}} or "
            f"{{choices}}, got {parameters!r}"
        )
    dimensions = tuple(_dimension(path, key, spec, checker) for key, spec in parameters.items())
    return Space(path, dimensions, {"parameters": parameters})


def _dimension(path: Path, key: Any, spec: Any, checker: ModeChecker) -> Dimension:
    problem = key_problem(key)
    if problem is not None:
        raise ConfigUnknownKeyError(f"{path}: parameters: {problem}")
    where = f"{path}: parameters.{key}"
    if not isinstance(spec, dict) or not spec:
        raise ConfigError(
            f"{where}: expected {{low: …, high: …}} (with optional step, log) or "
            f"{{choices: [...]}}, got {spec!r}"
        )
    keys = set(spec)
    if keys & CHOICE_KEYS:
        extra = sorted(keys - CHOICE_KEYS)
        if extra:
            raise ConfigUnknownKeyError(f"{where}: {extra[0]!r} cannot go with choices")
        dimension = _choices(where, str(key), spec["choices"])
        corners = list(dimension.choices)
    else:
        extra = sorted(keys - RANGE_KEYS)
        if extra:
            raise ConfigUnknownKeyError(
                f"{where}: unknown key {extra[0]!r}; a range has low, high, step, log"
            )
        dimension = _range(where, str(key), spec)
        corners = [spec["low"], spec["high"]]
    for value in corners:
        reason = checker.reason({key: value})
        if reason is not None:
            raise ConfigError(
                f"{where}: value {canonical(value)} is rejected by the mode: {reason}"
            )
    return dimension


def _choices(where: str, name: str, choices: Any) -> Dimension:
    if not isinstance(choices, list) or not choices:
        raise ConfigError(f"{where}.choices: expected a non-empty list, got {choices!r}")
    texts = [_encode(choice) for choice in choices]
    if len(set(texts)) != len(texts):
        twice = next(text for text in texts if texts.count(text) > 1)
        raise ConfigError(f"{where}.choices: {twice} is listed twice")
    return Dimension(name, CategoricalDistribution(texts), tuple(choices))


def _range(where: str, name: str, spec: dict[str, Any]) -> Dimension:
    for bound in ("low", "high"):
        if bound not in spec:
            raise ConfigError(f"{where}: missing {bound!r}")
        if not _number(spec[bound]):
            raise ConfigError(f"{where}.{bound}: expected a number, got {spec[bound]!r}")
    low, high = spec["low"], spec["high"]
    step, log = spec.get("step"), spec.get("log", False)
    if not low < high:
        raise ConfigError(f"{where}: low {low} must be below high {high}")
    if not isinstance(log, bool):
        raise ConfigError(f"{where}.log: expected true or false, got {log!r}")
    if step is not None:
        if not _number(step) or step <= 0:
            raise ConfigError(f"{where}.step: expected a positive number, got {step!r}")
        if log:
            raise ConfigError(f"{where}: step and log cannot be combined")
        count = (high - low) / step
        if abs(count - round(count)) > 1e-9:
            raise ConfigError(
                f"{where}: high − low ({high} − {low}) is not a multiple of step {step}"
            )
    if log and low <= 0:
        raise ConfigError(f"{where}: log needs low > 0, got {low}")
    if all(isinstance(v, int) for v in (low, high)) and (step is None or isinstance(step, int)):
        return Dimension(name, IntDistribution(low, high, log=log, step=step or 1))
    return Dimension(name, FloatDistribution(float(low), float(high), log=log, step=step))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _encode(choice: Any) -> Any:
    """A choice as Optuna can hold it: plain scalars as they are, the rest as JSON text."""
    if choice is None or isinstance(choice, bool | int | float | str):
        return choice
    return canonical(choice)
