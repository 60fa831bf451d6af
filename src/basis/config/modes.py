"""Strategy mode parameters: the canonical keys of DESIGN §5, one model for every mode."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from basis.config.base import FrozenModel

ModeName = Literal[
    "pure_lending_usdt",
    "pure_lending_eth",
    "btc_basis",
    "eth_basis",
    "eth_staking_only",
    "eth_leveraged",
    "usdt_market_neutral_no_leverage",
    "usdt_market_neutral",
    "funding_arbitrage",
    "ml_directional_btc",
    "ml_directional_eth",
]
ShareClass = Literal["USDT", "ETH", "BTC"]

SHARE_CLASS_OF_MODE: dict[str, ShareClass] = {
    "pure_lending_usdt": "USDT",
    "pure_lending_eth": "ETH",
    "btc_basis": "USDT",
    "eth_basis": "USDT",
    "eth_staking_only": "ETH",
    "eth_leveraged": "ETH",
    "usdt_market_neutral_no_leverage": "USDT",
    "usdt_market_neutral": "USDT",
    "funding_arbitrage": "USDT",
    "ml_directional_btc": "USDT",
    "ml_directional_eth": "USDT",
}


class FundingArbitrageConfig(FrozenModel):
    """Long the venue paying less, short the one paying more; enter and exit on APR spread."""

    long_venue: str = "binance"
    short_venue: str = "hyperliquid"
    entry_spread_apr: float = Field(default=0.05, ge=0.0)
    exit_spread_apr: float = Field(default=0.01)

    @model_validator(mode="after")
    def _distinct_and_hysteresis(self) -> FundingArbitrageConfig:
        if self.long_venue == self.short_venue:
            raise ValueError("long_venue and short_venue must differ")
        if self.exit_spread_apr >= self.entry_spread_apr:
            raise ValueError(
                f"exit_spread_apr {self.exit_spread_apr} must be below entry_spread_apr "
                f"{self.entry_spread_apr}"
            )
        return self


class DirectionalConfig(FrozenModel):
    """The ML directional modes (docs/strategies.md): a model trained walk-forward on the
    data known at each hour predicts the sign of the return over `horizon_hours`."""

    venue: str = "binance"
    train_hours: int = Field(default=2160, ge=168)  # rows the model is fitted on (90 days)
    retrain_hours: int = Field(default=168, ge=1)  # refit every week
    horizon_hours: int = Field(default=24, ge=1)  # the return it predicts
    confidence: float = Field(default=0.05, ge=0.0, lt=0.5)  # |P(up) − ½| to take a side
    vol_target: float = Field(default=0.20, gt=0.0, le=2.0)  # annualised, of equity
    max_leverage: float = Field(default=1.0, gt=0.0, le=5.0)  # notional over equity
    sigma_hours: int = Field(default=168, ge=24)  # window of the rolling σ
    exit_sigmas: float = Field(default=2.0, gt=0.0)  # take profit / stop loss at k·σ
    resize_band: float = Field(default=0.25, gt=0.0, lt=1.0)  # re-size beyond this share
    seed: int = 7
    signal_file: str | None = None  # trade (time, signal, confidence) rows instead
    signal_confidence: float = Field(default=0.5, ge=0.0, le=1.0)  # least to act on a row


class RegimeThresholds(FrozenModel):
    """Margin use at which an account's utilisation regime changes (docs/accounts.md):
    below `hold_at` it builds, from `hold_at` it holds and balances, from `reduce_at` it
    reduces. Margin use is initial margin over margin balance."""

    hold_at: float = Field(default=0.60, gt=0.0, le=1.0)
    reduce_at: float = Field(default=0.80, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> RegimeThresholds:
        if self.hold_at >= self.reduce_at:
            raise ValueError(
                f"regimes.hold_at {self.hold_at} must be below regimes.reduce_at {self.reduce_at}"
            )
        return self


class ModeConfig(FrozenModel):
    """Parameters of one strategy run; defaults are the reference system's (DESIGN §5)."""

    mode: ModeName
    share_class: ShareClass
    initial_capital: float = Field(default=1_000_000.0, gt=0.0)
    rebalance_threshold: float = Field(default=0.02, gt=0.0, lt=1.0)
    delta_tolerance: float = Field(default=0.005, gt=0.0, lt=1.0)
    reserve_ratio: float = Field(default=0.0, ge=0.0, lt=1.0)
    hedge_allocation: dict[str, float] = Field(
        default_factory=lambda: {"binance": 0.4, "bybit": 0.3, "okx": 0.3}
    )
    lst: Literal["weETH", "wstETH"] = "weETH"
    stake_allocation: float = Field(default=0.5, gt=0.0, lt=1.0)
    max_ltv: float = Field(default=0.93, gt=0.0, lt=1.0)
    max_stake_spread_move: float = Field(default=0.02215, ge=0.0, lt=1.0)
    target_ltv: float | None = Field(default=None, gt=0.0, lt=1.0)
    ltv_band: tuple[float, float] = (-0.02, 0.01)
    hf_critical: float = Field(default=1.02, gt=1.0)
    margin_target: float = Field(default=1.0, gt=0.0)
    margin_critical: float = Field(default=0.15, gt=0.0)
    # market-neutral modes: a venue's margin ratio outside this band is brought back to
    # `margin_target` (below: topped up from the staked leg; above: surplus staked)
    margin_band: tuple[float, float] = (0.3, 3.0)
    funding_arbitrage: FundingArbitrageConfig = Field(default_factory=FundingArbitrageConfig)
    directional: DirectionalConfig = Field(default_factory=DirectionalConfig)
    regimes: RegimeThresholds = Field(default_factory=RegimeThresholds)
    exclude_estimated_rewards: bool = False  # leave out reward rows the vendor estimates
    # the book's own size moves Aave's rates along the reserve's curve (false: it takes the
    # observed rates whatever its size; docs/mechanics.md §2a)
    own_rate_impact: bool = True
    # the perp venues' margin model: each venue's own (`venue`), or `cash` / `unified` on
    # every venue the mode trades (docs/mechanics.md §3)
    margin_model: Literal["venue", "cash", "unified"] = "venue"
    margin_buffer: float = Field(default=0.02, ge=0.0, lt=1.0)  # unified: least cash kept
    liquidation_distance: float = Field(default=1.0, ge=0.0)  # unified: rise to survive
    spot_band: float = Field(default=0.10, gt=0.0, lt=1.0)  # unified: spot above target to sell
    # loop modes: the target LTV falls as WETH's borrow rate nears the LST's yield
    # (`basis.strategies.carry`, docs/strategies.md "Leverage that follows carry")
    carry_leverage: bool = False
    carry_window_hours: int = Field(default=720, ge=24, le=8760)  # trailing window of the spread
    carry_full_spread: float = Field(default=0.005, gt=0.0, lt=1.0)  # APR: full target from here
    carry_floor_ltv: float = Field(default=0.5, gt=0.0, lt=1.0)  # the least target LTV

    @model_validator(mode="after")
    def _consistent(self) -> ModeConfig:
        expected = SHARE_CLASS_OF_MODE[self.mode]
        if self.share_class != expected:
            raise ValueError(
                f"mode {self.mode} is measured in {expected}, got share_class {self.share_class}"
            )
        weights = self.hedge_allocation
        if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1.0) > 1e-9:
            raise ValueError(f"hedge_allocation weights must be >= 0 and sum to 1, got {weights}")
        low, high = self.ltv_band
        if not low < 0.0 < high:
            raise ValueError(f"ltv_band must be [negative, positive], got {list(self.ltv_band)}")
        if self.effective_target_ltv + high >= self.max_ltv + 1e-12:
            raise ValueError(
                f"target_ltv {self.effective_target_ltv:.4f} + band {high} reaches max_ltv "
                f"{self.max_ltv}"
            )
        if self.carry_leverage and self.carry_floor_ltv > self.effective_target_ltv:
            raise ValueError(
                f"carry_floor_ltv {self.carry_floor_ltv} is above the target LTV "
                f"{self.effective_target_ltv:.4f}: the carry rule lowers the target from there"
            )
        low, high = self.margin_band
        if self.mode.startswith("usdt_market_neutral") and not (
            self.margin_critical < low < self.margin_target < high
        ):
            raise ValueError(
                f"margin_band {list(self.margin_band)} must hold margin_target "
                f"{self.margin_target} inside it and lie above margin_critical "
                f"{self.margin_critical}"
            )
        if self.margin_critical >= self.margin_target:
            raise ValueError(
                f"margin_critical {self.margin_critical} must be below margin_target "
                f"{self.margin_target}"
            )
        return self

    def on_account(self, venue: str, capital: float) -> ModeConfig:
        """This mode on one account of a split (a session, a multi-account backtest): its
        whole hedge on the account's `venue`, with `capital` (share class)."""
        document = self.model_dump() | {"hedge_allocation": {venue: 1.0}}
        return ModeConfig.model_validate(document | {"initial_capital": capital})

    @property
    def effective_target_ltv(self) -> float:
        """`target_ltv`, or `max_ltv × (1 − max_stake_spread_move)` when unset."""
        if self.target_ltv is not None:
            return self.target_ltv
        return self.max_ltv * (1.0 - self.max_stake_spread_move)
