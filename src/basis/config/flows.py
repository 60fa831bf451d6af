"""Deposits and withdrawals during a run (`--flows flows.yaml`)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from pydantic import Field, field_validator

from basis.config.base import FrozenModel

__all__ = ["Flow", "FlowSchedule"]


class Flow(FrozenModel):
    """One flow at a whole UTC hour: `amount` > 0 deposits, < 0 withdraws (share class)."""

    time: datetime
    amount: float

    @field_validator("time")
    @classmethod
    def _whole_utc_hour(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if value.minute or value.second or value.microsecond:
            raise ValueError(f"{value.isoformat()} is not a whole hour")
        return value

    @field_validator("amount")
    @classmethod
    def _non_zero(cls, value: float) -> float:
        if value == 0.0 or not math.isfinite(value):
            raise ValueError("amount must be finite and non-zero")
        return value


class FlowSchedule(FrozenModel):
    """The schedule file: `flows: [{time: 2024-07-01T00:00Z, amount: -250000}, ...]`."""

    flows: tuple[Flow, ...] = Field(default=())
