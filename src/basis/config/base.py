"""The base of every configuration model: frozen, and unknown keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Immutable, strict about unknown keys; components take one of these as first argument."""

    model_config = ConfigDict(extra="forbid", frozen=True)
