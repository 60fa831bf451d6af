"""Liquid staking tokens: protocol, exit routes and reward programme per LST."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from basis.config.base import FrozenModel
from basis.config.venues import SlippageCurve


class LstConfig(FrozenModel):
    """One non-rebasing LST whose ETH value grows with its protocol exchange rate."""

    symbol: str
    protocol: Literal["etherfi", "lido"]
    withdrawal_delay_hours: float = Field(ge=0.0)
    dex_slippage: SlippageCurve
    rewards: tuple[str, ...] = ()


class LstsConfig(FrozenModel):
    lsts: dict[str, LstConfig]
