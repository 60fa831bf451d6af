"""Builders for scenario generator tests: the repo's market, scenarios and cached frames."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from basis.config import MarketConfig, ScenarioConfig, load_market
from basis.data.scenario import generate, load_scenario
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline
from tests.conftest import CONFIGS

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@cache
def market() -> MarketConfig:
    """The market of the repository's configs/ folder."""
    return load_market(CONFIGS)


def scenario(**fields: Any) -> ScenarioConfig:
    """A scenario with every default, starting 2024-01-01, named `test`."""
    return ScenarioConfig.model_validate({"name": "test", "description": "test", **fields})


def timeline(hours: int) -> Timeline:
    return Timeline(START, hours, "test")


def streams(seed: int = 1) -> Streams:
    return Streams(seed)


@cache
def shipped(
    name: str, seed: int | None = None, years: float | None = None
) -> dict[str, pl.DataFrame]:
    """Frames of a scenario file in configs/scenarios, by series name (cached per arguments)."""
    config = load_scenario(name, CONFIGS)
    return {f.series: f.frame for f in generate(config, market(), seed=seed, years=years)}


def column(frame: pl.DataFrame, name: str) -> NDArray[np.float64]:
    return frame[name].to_numpy().astype(np.float64)


def between(frame: pl.DataFrame, first: dt.datetime, last: dt.datetime) -> pl.DataFrame:
    """Rows with first ≤ ts ≤ last."""
    return frame.filter((pl.col("ts") >= first) & (pl.col("ts") <= last))


def hours(count: float) -> dt.timedelta:
    return dt.timedelta(hours=count)
