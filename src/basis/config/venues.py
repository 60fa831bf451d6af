"""Venue configuration: fees, funding schedule, margin, slippage and transfers per venue."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from basis.config.base import FrozenModel

Rate = float  # a decimal fraction: 0.0005 = 5 bp


class FeeSchedule(FrozenModel):
    """Maker and taker fees as decimal fractions of notional."""

    maker: float = Field(ge=-0.001, le=0.01)
    taker: float = Field(ge=0.0, le=0.01)


class FundingSchedule(FrozenModel):
    """When a venue settles funding. Rates in data are per settlement period."""

    interval_hours: int = Field(ge=1, le=24)
    settlement_hours_utc: tuple[int, ...] | None = None

    @model_validator(mode="after")
    def _hours_match_interval(self) -> FundingSchedule:
        if 24 % self.interval_hours:
            raise ValueError(f"interval_hours must divide 24, got {self.interval_hours}")
        expected = tuple(range(0, 24, self.interval_hours))
        hours = self.settlement_hours_utc
        if hours is not None and tuple(sorted(hours)) != expected:
            raise ValueError(
                f"settlement_hours_utc {list(hours)} do not match interval_hours="
                f"{self.interval_hours}; expected {list(expected)}"
            )
        return self

    @property
    def hours(self) -> tuple[int, ...]:
        """Settlement hours in UTC, derived from the interval when not listed."""
        return self.settlement_hours_utc or tuple(range(0, 24, self.interval_hours))


class MarginConfig(FrozenModel):
    """Perp margin parameters as fractions of position notional."""

    initial: float = Field(gt=0.0, le=1.0)
    maintenance: float = Field(gt=0.0, le=1.0)
    liquidation_fee: float = Field(ge=0.0, le=0.1)
    max_leverage: float = Field(ge=1.0, le=200.0)
    mode: Literal["cross", "isolated"] = "cross"

    @model_validator(mode="after")
    def _maintenance_below_initial(self) -> MarginConfig:
        if self.maintenance >= self.initial:
            raise ValueError(
                f"maintenance margin {self.maintenance} must be below initial margin {self.initial}"
            )
        return self


class SlippageCurve(FrozenModel):
    """Slippage in basis points at increasing trade notionals (USD); interpolated between."""

    notional_usd: tuple[float, ...]
    bps: tuple[float, ...]

    @model_validator(mode="after")
    def _points_are_a_curve(self) -> SlippageCurve:
        if len(self.notional_usd) != len(self.bps) or not self.bps:
            raise ValueError("notional_usd and bps must be non-empty and of equal length")
        if any(b <= a for a, b in zip(self.notional_usd, self.notional_usd[1:], strict=False)):
            raise ValueError("notional_usd must be strictly increasing")
        if any(n <= 0 for n in self.notional_usd) or any(b < 0 for b in self.bps):
            raise ValueError("notionals must be positive and bps non-negative")
        return self


class TransferConfig(FrozenModel):
    """Moving funds to or from the venue: credit delay and a flat fee in USD."""

    delay_hours: float = Field(ge=0.0)
    fee_usd: float = Field(ge=0.0)


class VenueConfig(FrozenModel):
    """One trading venue (CEX or perp DEX)."""

    name: str
    kind: Literal["cex", "perp_dex"]
    spot_fees: FeeSchedule | None = None
    perp_fees: FeeSchedule
    funding: FundingSchedule
    margin: MarginConfig
    spot_slippage: SlippageCurve | None = None
    perp_slippage: SlippageCurve
    transfer: TransferConfig

    @field_validator("name")
    @classmethod
    def _lower_name(cls, value: str) -> str:
        if value != value.lower() or not value.isidentifier():
            raise ValueError(f"venue name must be a lower-case identifier, got {value!r}")
        return value
