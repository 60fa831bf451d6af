"""Load configuration: defaults ← YAML file ← `--set key.path=value` overrides.

Every problem is reported with the file, the field path, the value given and what was
expected; nothing is half-loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from basis.config.aave import AaveConfig
from basis.config.dex import DexConfig
from basis.config.gas import GasConfig
from basis.config.limits import LimitsConfig
from basis.config.lst import LstsConfig
from basis.config.modes import ModeConfig
from basis.config.scenarios import ScenarioConfig
from basis.config.venues import VenueConfig
from basis.errors import ConfigError, ConfigUnknownKeyError

Model = TypeVar("Model", bound=BaseModel)

# Which model validates a file: by its folder under configs/, else by its file name.
MODEL_BY_FOLDER: dict[str, type[BaseModel]] = {
    "venues": VenueConfig,
    "modes": ModeConfig,
    "scenarios": ScenarioConfig,
}
MODEL_BY_FILE: dict[str, type[BaseModel]] = {
    "aave_v3.yaml": AaveConfig,
    "lsts.yaml": LstsConfig,
    "gas.yaml": GasConfig,
    "dex.yaml": DexConfig,
    "limits.yaml": LimitsConfig,
}


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with one field of one file."""

    file: str
    field: str
    value: Any
    expected: str

    def __str__(self) -> str:
        if self.field == "(top level)" and self.value is None:
            return f"{self.file}: {self.expected}"
        return f"{self.file}: {self.field}: got {self.value!r}; {self.expected}"


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping; raise `ConfigError` naming the file and line when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Return a copy of `data` with each `key.path=value` set; values are parsed as YAML."""
    result = _deep_copy(data)
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {override!r}: expected key.path=value")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = result
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {override!r}: {part!r} is not a mapping")
            node = child
        node[parts[-1]] = value
    return result


def problems_of(
    error: ValidationError, file: str, origins: Mapping[str, str] | None = None
) -> list[ConfigProblem]:
    """Translate pydantic's errors into our one-line problems.

    `origins` maps a dotted key to the option that set it (`--set key=value`,
    `--capital 5`): a problem under that key names the option instead of `file`. A
    problem of the whole model (a rule across fields) names no value: it would be the
    whole configuration.
    """
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(top level)"
        expected = expectation(item)
        origin = _origin(field, origins or {})
        value = None if not item["loc"] else item.get("input")
        if not item["loc"] and origins:
            origin = f"{file} with {', '.join(dict.fromkeys(origins.values()))}"
        problems.append(ConfigProblem(origin or file, field, value, expected))
    return problems


_EXPECTED: Final = {
    "extra_forbidden": "unknown key: not a field of this configuration",
    "finite_number": "must be finite (not inf, NaN or beyond ±1.8e308)",
}


def expectation(item: ErrorDetails) -> str:
    """What a pydantic error item expected, in basis's words ("must be finite", …)."""
    return _EXPECTED.get(item["type"], item["msg"].removeprefix("Value error, "))


def _origin(field: str, origins: Mapping[str, str]) -> str | None:
    """The option that set `field` or one of its parents, None when the file did."""
    parts = field.split(".")
    for end in range(len(parts), 0, -1):
        found = origins.get(".".join(parts[:end]))
        if found is not None:
            return found
    deeper = [origin for key, origin in origins.items() if key.startswith(f"{field}.")]
    return deeper[0] if deeper else None


def build(
    model: type[Model], data: dict[str, Any], file: str, origins: Mapping[str, str] | None = None
) -> Model:
    """Validate `data` as `model`; raise one `ConfigError` listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = problems_of(error, file, origins)
        kind = (
            ConfigUnknownKeyError
            if all(p.expected.startswith("unknown key") for p in problems)
            else ConfigError
        )
        raise kind("; ".join(str(p) for p in problems)) from None


def load(
    model: type[Model],
    path: Path | None = None,
    overrides: Sequence[str] = (),
    defaults: dict[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Model:
    """Resolve defaults ← file ← overrides and validate the result as `model`.

    A problem with an overridden key names the override (`--set key=value`), or the
    label given for its key (`{"initial_capital": "--capital 5"}`), not the file.
    """
    data = _deep_copy(defaults or {})
    if path is not None:
        data = _merge(data, read_yaml(path))
    data = apply_overrides(data, overrides)
    origins = {
        override.partition("=")[0].strip(): f"--set {override}" for override in overrides
    } | dict(labels or {})
    where = str(path) if path is not None else "--set"
    return build(model, data, where, origins)


def model_for(path: Path) -> type[BaseModel] | None:
    """The model that validates `path` by its place under configs/, or None."""
    return MODEL_BY_FOLDER.get(path.parent.name) or MODEL_BY_FILE.get(path.name)


FileChecker = Callable[[Path], list[ConfigProblem]]
"""Checks a kind of file the config layer cannot validate itself (sweep grids and spaces
need the research layer): given by the caller, keyed by folder name under configs/."""


def check(path: Path, folders: Mapping[str, FileChecker] | None = None) -> list[ConfigProblem]:
    """Every problem in a config file, or in every YAML file under a folder. A file in a
    folder named in `folders` is checked by that folder's checker."""
    if not path.exists():
        return [ConfigProblem(str(path), "(file)", None, "the path does not exist")]
    files = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    if not files:
        return [ConfigProblem(str(path), "(folder)", None, "no *.yaml files in it")]
    problems: list[ConfigProblem] = []
    for file in files:
        if folders is not None and file.parent.name in folders:
            problems.extend(folders[file.parent.name](file))
            continue
        model = model_for(file)
        if model is None:
            expected = f"a file under {sorted(MODEL_BY_FOLDER)}/ or one of {sorted(MODEL_BY_FILE)}"
            problems.append(ConfigProblem(str(file), "(file)", file.name, expected))
            continue
        try:
            data = read_yaml(file)
        except ConfigError as error:
            problems.append(ConfigProblem(str(file), "(file)", None, error.message))
            continue
        try:
            model.model_validate(data)
        except ValidationError as error:
            problems.extend(problems_of(error, str(file)))
            continue
        problems.extend(_name_matches_file(file, data))
    return problems


def _name_matches_file(file: Path, data: dict[str, Any]) -> list[ConfigProblem]:
    """A mode, venue or scenario file is named after what it configures."""
    key = {"modes": "mode", "venues": "name", "scenarios": "name"}.get(file.parent.name)
    if key is None or data.get(key) == file.stem:
        return []
    return [ConfigProblem(str(file), key, data.get(key), f"must equal the file name {file.stem!r}")]


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _deep_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in data.items()}
