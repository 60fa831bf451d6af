"""The base of every configuration model: frozen, unknown keys and non-finite numbers are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Immutable, strict about unknown keys; components take one of these as first argument.

    No float field accepts `inf` or `NaN` (nor `1e400`, which parses to `inf`): no
    parameter of a money platform is meaningfully infinite, and a NaN compares false with
    every bound, so it would slip past them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
