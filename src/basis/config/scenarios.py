"""Scenario definitions for the synthetic market generator (configs/scenarios/*.yaml)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from basis.config.base import FrozenModel


class ScenarioConfig(FrozenModel):
    """A named, seeded synthetic market. The generator defines the full set of knobs."""

    name: str
    description: str
    start: dt.date = dt.date(2024, 1, 1)
    years: float = Field(default=1.0, gt=0.0, le=20.0)
    seed: int = 0
