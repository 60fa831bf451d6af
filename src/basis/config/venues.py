"""Venue configuration: fees, funding schedule, margin, slippage and transfers per venue."""

from __future__ import annotations

import itertools
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


class Tier(FrozenModel):
    """One slice of a tiered schedule: `rate` applies to the part of an amount up to `up_to`
    (above the previous tier's bound); the last tier has no bound (`up_to` None)."""

    up_to: float | None = Field(default=None, gt=0.0)
    rate: float = Field(ge=0.0, le=1.0)


def _tiers(name: str, tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
    """Validate a tier schedule: non-empty, bounds strictly increasing, only the last open."""
    if not tiers:
        raise ValueError(f"{name}: at least one tier is needed")
    bounds = [t.up_to for t in tiers]
    if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
        raise ValueError(f"{name}: only the last tier is open (up_to: null), got {bounds}")
    closed = [b for b in bounds if b is not None]
    if any(b <= a for a, b in itertools.pairwise(closed)):
        raise ValueError(f"{name}: up_to must increase strictly, got {closed}")
    return tiers


class UnifiedMargin(FrozenModel):
    """An account-level (unified / portfolio / multi-currency) margin model (docs/mechanics.md).

    `collateral`: per asset held on the venue, collateral-ratio tiers by amount held (asset
    units); an asset not listed is no collateral, the perp's quote counts in full.
    `maintenance`: maintenance-margin tiers by a position's notional (USD). `liquidation_at`:
    the ratio of margin balance to maintenance margin at which the venue liquidates
    (Binance Portfolio Margin: uniMMR 1.05).
    """

    collateral: dict[str, tuple[Tier, ...]]
    maintenance: tuple[Tier, ...]
    liquidation_at: float = Field(default=1.0, ge=1.0, le=2.0)

    @model_validator(mode="after")
    def _valid_tiers(self) -> UnifiedMargin:
        for asset, tiers in self.collateral.items():
            _tiers(f"collateral.{asset}", tiers)
        _tiers("maintenance", self.maintenance)
        if any(tier.rate <= 0.0 for tier in self.maintenance):
            raise ValueError("maintenance: every tier's rate must be above 0")
        return self


class MarginConfig(FrozenModel):
    """Perp margin parameters as fractions of position notional.

    `model`: `cash` (only the quote balance backs the perps) or `unified` (spot assets on
    the venue are collateral after a haircut, maintenance is tiered, margin and liquidation
    are account-level; needs `unified`).
    """

    initial: float = Field(gt=0.0, le=1.0)
    maintenance: float = Field(gt=0.0, le=1.0)
    liquidation_fee: float = Field(ge=0.0, le=0.1)
    max_leverage: float = Field(ge=1.0, le=200.0)
    mode: Literal["cross", "isolated"] = "cross"
    model: Literal["cash", "unified"] = "cash"
    unified: UnifiedMargin | None = None

    @model_validator(mode="after")
    def _maintenance_below_initial(self) -> MarginConfig:
        if self.maintenance >= self.initial:
            raise ValueError(
                f"maintenance margin {self.maintenance} must be below initial margin {self.initial}"
            )
        if self.model == "unified" and (self.unified is None or self.mode != "cross"):
            raise ValueError(
                "margin model unified needs `unified` parameters and cross margin (mode: cross)"
            )
        return self

    @property
    def unified_terms(self) -> UnifiedMargin | None:
        """The unified-margin parameters when the account runs on them (None on `cash`)."""
        return self.unified if self.model == "unified" else None


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
