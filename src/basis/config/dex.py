"""On-chain swap costs: DEX slippage for ETH/stablecoin swaps, reward sales, flash-loan fee."""

from __future__ import annotations

from pydantic import Field

from basis.config.base import FrozenModel
from basis.config.venues import SlippageCurve


class DexConfig(FrozenModel):
    """Costs of swapping wallet tokens on-chain; the pool fee is inside the slippage."""

    slippage: SlippageCurve = SlippageCurve(notional_usd=(1e4, 1e5, 1e6), bps=(5.0, 7.0, 13.0))
    reward_sale_bps: float = Field(default=50.0, ge=0.0, lt=10_000.0)
    flash_loan_fee: float = Field(default=0.0005, ge=0.0, lt=0.01)
