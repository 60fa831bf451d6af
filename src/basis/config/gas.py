"""Gas units per on-chain operation (priced at base fee + p50 priority fee)."""

from __future__ import annotations

from pydantic import Field, field_validator

from basis.config.base import FrozenModel


class GasConfig(FrozenModel):
    """Gas units per operation name, e.g. `aave_supply: 250000`."""

    units: dict[str, int] = Field(min_length=1)

    @field_validator("units")
    @classmethod
    def _positive(cls, units: dict[str, int]) -> dict[str, int]:
        bad = {name: n for name, n in units.items() if n <= 0}
        if bad:
            raise ValueError(f"gas units must be positive, got {bad}")
        return units

    def units_for(self, operation: str) -> int:
        try:
            return self.units[operation]
        except KeyError:
            raise KeyError(
                f"no gas units for operation {operation!r}; known: {sorted(self.units)}"
            ) from None
