"""Pre-trade limits of the live runtime, per account (venue) and over all accounts together.

Loaded like every configuration: `loader.load(LimitsConfig, configs/limits.yaml, overrides)`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import ConfigDict, Field, field_validator

from basis.config.base import FrozenModel

__all__ = ["AccountLimits", "LimitsConfig"]

Amount = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
_ACCOUNT = re.compile(r"[a-z][a-z0-9_]*")


class AccountLimits(FrozenModel):
    """Limits of one account, or of all accounts together; None is no limit. Notionals and
    losses are in USD; a loss limit is a positive number (500 refuses below −500 P&L)."""

    max_order_notional: Amount | None = None
    max_position_notional: Amount | None = None  # gross: Σ |position value| after the order
    max_orders_per_minute: Annotated[int, Field(gt=0)] | None = None
    max_daily_loss: Amount | None = None  # P&L since 00:00 UTC


class LimitsConfig(FrozenModel):
    """`global:` applies to all accounts together, `accounts:` to each by venue name:

    ```yaml
    global: {max_daily_loss: 50000}
    accounts:
      binance: {max_order_notional: 250000, max_orders_per_minute: 30}
    ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    all_accounts: AccountLimits = Field(default_factory=AccountLimits, alias="global")
    accounts: dict[str, AccountLimits] = Field(default_factory=dict)

    @field_validator("accounts")
    @classmethod
    def _venue_names(cls, value: dict[str, AccountLimits]) -> dict[str, AccountLimits]:
        for name in value:
            if not _ACCOUNT.fullmatch(name):
                raise ValueError(f"account {name!r} is not a lower-case venue name")
        return value

    def of(self, account: str) -> AccountLimits:
        """The limits of `account` (none when it has no entry)."""
        return self.accounts.get(account, AccountLimits())
