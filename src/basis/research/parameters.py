"""Mode parameters as research axes: key checks, `--set` overrides, point keys, validation.

A parameter is a `--set` key of `ModeConfig` (nested with dots, e.g.
`funding_arbitrage.entry_spread_apr`); a point is a mapping of such keys to values. Values
become overrides as JSON text, which YAML (the override parser) reads back exactly.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from basis.config.loader import ConfigProblem, apply_overrides, problems_of, read_yaml
from basis.config.market import MarketConfig, load_market
from basis.config.modes import ModeConfig
from basis.engine.backtest import load_mode
from basis.errors import ConfigError
from basis.strategies import build

__all__ = [
    "FIXED_KEYS",
    "ModeChecker",
    "canonical",
    "key_problem",
    "overrides",
    "point_key",
]

FIXED_KEYS: Final = ("mode", "share_class")
"""Keys a sweep cannot vary: `--mode` sets them."""


def key_problem(key: object) -> str | None:
    """Why `key` is not a parameter of `ModeConfig`, or None when it is one."""
    if not isinstance(key, str) or not key:
        return f"parameter names are strings, got {key!r}"
    parts = key.split(".")
    if parts[0] in FIXED_KEYS:
        return f"{parts[0]!r} is set by --mode and cannot be swept"
    model: type[BaseModel] = ModeConfig
    for depth, part in enumerate(parts):
        fields = model.model_fields
        if part not in fields:
            where = f" under {'.'.join(parts[:depth])!r}" if depth else ""
            return f"unknown parameter {key!r}; known{where}: {_known(model)}"
        annotation = fields[part].annotation
        rest = parts[depth + 1 :]
        if not rest:
            return None
        sub = _sub_model(annotation)
        if sub is not None:
            model = sub
            continue
        if _is_mapping(annotation):
            if len(rest) == 1:
                return None  # one entry of a mapping, e.g. hedge_allocation.binance
            return f"unknown parameter {key!r}: entries of {part!r} have no sub-keys"
        return f"unknown parameter {key!r}: {part!r} has no sub-keys"
    return None  # pragma: no cover - the loop returns on its last part


def overrides(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The `--set` strings of a point, in its key order."""
    return tuple(f"{key}={json.dumps(value)}" for key, value in params.items())


def canonical(value: Any) -> str:
    """Stable JSON text of a value: sorted keys, no spaces (points compare by it)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def point_key(dataset: str, params: Mapping[str, Any]) -> str:
    """The sha256 hex key of a point: its dataset and parameter values, order-independent."""
    text = canonical({"dataset": dataset, "params": dict(params)})
    return hashlib.sha256(text.encode()).hexdigest()


class ModeChecker:
    """Validates points against a mode before anything runs: `ModeConfig` (the mode's file,
    then the point's overrides, then the capital, as `load_mode` resolves them) and the
    strategy built from it."""

    def __init__(self, configs: Path, mode: str, capital: float | None) -> None:
        config = load_mode(configs, mode, (), capital)  # unknown mode, broken file: raise here
        self._base = read_yaml(configs / "modes" / f"{config.mode}.yaml")
        self._capital = () if capital is None else (f"initial_capital={capital}",)
        self._market: MarketConfig = load_market(configs)

    def reason(self, params: Mapping[str, Any]) -> str | None:
        """Why the point is not a valid run (one line per problem), or None when it is."""
        try:
            data = apply_overrides(self._base, [*overrides(params), *self._capital])
            config = ModeConfig.model_validate(data)
            build(config, self._market)
        except ValidationError as error:
            return "; ".join(_short(problem) for problem in problems_of(error, ""))
        except ConfigError as error:
            return error.message
        return None


def _short(problem: ConfigProblem) -> str:
    """A problem without the file and, for whole-model checks, without the whole input."""
    if problem.field == "(top level)":
        return problem.expected.removeprefix("Value error, ")
    return f"{problem.field}: got {problem.value!r}; {problem.expected}"


def _sub_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_mapping(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin is dict or (isinstance(origin, type) and issubclass(origin, Mapping))


def _known(model: type[BaseModel]) -> list[str]:
    return sorted(name for name in model.model_fields if name not in FIXED_KEYS)
