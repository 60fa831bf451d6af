"""Aave v3 market configuration: risk parameters (e-mode and standard) and rate curves."""

from __future__ import annotations

from pydantic import Field, model_validator

from basis.config.base import FrozenModel


class RiskParameters(FrozenModel):
    """LTV, liquidation threshold and bonus of one asset in one mode (decimal fractions)."""

    max_ltv: float = Field(ge=0.0, lt=1.0)
    liquidation_threshold: float = Field(gt=0.0, lt=1.0)
    liquidation_bonus: float = Field(ge=0.0, le=0.25)

    @model_validator(mode="after")
    def _ltv_below_threshold(self) -> RiskParameters:
        if self.max_ltv > self.liquidation_threshold:
            raise ValueError(
                f"max_ltv {self.max_ltv} exceeds liquidation_threshold {self.liquidation_threshold}"
            )
        return self


class EModeCategory(FrozenModel):
    """An e-mode category: correlated assets that get higher LTV against each other."""

    assets: tuple[str, ...]
    risk: RiskParameters


class RateModel(FrozenModel):
    """Aave's kinked variable borrow rate curve, rates as APR decimals."""

    optimal_utilization: float = Field(gt=0.0, lt=1.0)
    base_rate: float = Field(ge=0.0)
    slope1: float = Field(ge=0.0)
    slope2: float = Field(ge=0.0)
    reserve_factor: float = Field(ge=0.0, lt=1.0)


class ReserveCaps(FrozenModel):
    """A reserve's supply and borrow caps in asset units (None: uncapped)."""

    supply: float | None = Field(default=None, gt=0.0)
    borrow: float | None = Field(default=None, ge=0.0)


class AaveConfig(FrozenModel):
    """The Aave v3 Ethereum market as basis models it."""

    close_factor: float = Field(default=0.5, gt=0.0, le=1.0)
    full_close_factor_below_hf: float = Field(default=0.95, gt=0.0, lt=1.0)
    emode: dict[str, EModeCategory]
    standard: dict[str, RiskParameters]
    rate_models: dict[str, RateModel]
    caps: dict[str, ReserveCaps] = Field(default_factory=dict)

    def risk_for(self, asset: str, emode: str | None) -> RiskParameters:
        """Risk parameters of `asset` as collateral, in e-mode category `emode` if given."""
        if emode is not None:
            category = self.emode.get(emode)
            if category is None:
                raise KeyError(f"unknown e-mode category {emode!r}; known: {sorted(self.emode)}")
            if asset in category.assets:
                return category.risk
        try:
            return self.standard[asset]
        except KeyError:
            raise KeyError(f"no Aave risk parameters for {asset!r}") from None
