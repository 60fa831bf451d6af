"""`basis config check` for `configs/sweeps/`: grids (`*_grid.yaml`) and spaces
(`*_space.yaml`), checked as `basis sweep` and `basis optimize` read them.

A space names no mode, so its parameters are checked for shape here (ranges, choices);
whether a value suits a mode is checked when `basis optimize --mode M` reads it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from basis.config.loader import ConfigProblem
from basis.errors import ConfigError
from basis.research.grid import read_grid
from basis.research.parameters import ModeChecker
from basis.research.space import read_space

__all__ = ["sweep_file_problems"]


class _AnyMode(ModeChecker):
    """Accepts every point: a space file's shape is checked without a mode."""

    def __init__(self) -> None:  # no mode to load
        pass

    def reason(self, params: Mapping[str, Any]) -> str | None:
        return None


def sweep_file_problems(path: Path, configs: Path) -> list[ConfigProblem]:
    """The problems of one file under configs/sweeps/ (none when it reads cleanly)."""
    try:
        if path.stem.endswith("_grid"):
            read_grid(path, configs)
        elif path.stem.endswith("_space"):
            read_space(path, _AnyMode())
        else:
            expected = "a grid named <name>_grid.yaml or a space named <name>_space.yaml"
            return [ConfigProblem(str(path), "(file)", path.name, expected)]
    except ConfigError as error:
        return [ConfigProblem(str(path), "(file)", None, error.message)]
    return []
