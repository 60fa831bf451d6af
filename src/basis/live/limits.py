"""Pre-trade limits as one pure function: an order, what it does to exposure, and the recent
order times in; None or the refusal with its reason out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from basis.config.limits import AccountLimits, LimitsConfig

__all__ = ["GLOBAL", "OrderExposure", "Refusal", "check_order"]

GLOBAL: Final = "global"
"""The scope name of the limits over all accounts together."""

_MINUTE: Final = timedelta(minutes=1)
_MEASURED: Final = {
    "max_order_notional": "order notional",
    "max_position_notional": "gross position after the order",
    "max_daily_loss": "loss today",
    "max_orders_per_minute": "orders in the last minute with this one",
}


@dataclass(frozen=True, slots=True)
class OrderExposure:
    """What an order does, in USD, as the runtime values it when it decides the order.

    Positions are gross (Σ |position value|) before and after the order, for the order's
    account and over all accounts; P&L is since 00:00 UTC (a loss is negative)."""

    order_notional: float
    account_before: float
    account_after: float
    total_before: float
    total_after: float
    account_pnl: float
    total_pnl: float

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"order exposure {name} is {value}; it must be finite")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Which limit of which scope refused an order, and the number that broke it."""

    scope: str  # an account (venue) name or GLOBAL
    limit: str  # the field of `AccountLimits`
    value: float
    threshold: float

    @property
    def reason(self) -> str:
        """One line: `binance max_order_notional 100,000 exceeded: order notional 150,000`."""
        limit, value = _number(self.threshold), _number(self.value)
        return f"{self.scope} {self.limit} {limit} exceeded: {_MEASURED[self.limit]} {value}"


def check_order(
    limits: LimitsConfig,
    account: str,
    exposure: OrderExposure,
    *,
    account_orders: Sequence[datetime],
    all_orders: Sequence[datetime],
    now: datetime,
) -> Refusal | None:
    """The first limit the order breaks, account limits before global ones; None if none.

    Order notional and order rate always apply. Position and daily-loss limits refuse
    only orders that add gross exposure, so an order that reduces risk always passes
    them (the book can always be brought back under its limits). `*_orders` are the
    times of orders journalled lately; those in the minute before `now` count.
    """
    scopes = (
        (account, limits.of(account), exposure.account_before, exposure.account_after,
         exposure.account_pnl, account_orders),
        (GLOBAL, limits.all_accounts, exposure.total_before, exposure.total_after,
         exposure.total_pnl, all_orders),
    )  # fmt: skip
    for scope, rules, before, after, pnl, times in scopes:
        refusal = _check(scope, rules, exposure.order_notional, before, after, pnl, times, now)
        if refusal is not None:
            return refusal
    return None


def _check(
    scope: str,
    rules: AccountLimits,
    notional: float,
    before: float,
    after: float,
    pnl: float,
    times: Sequence[datetime],
    now: datetime,
) -> Refusal | None:
    if rules.max_order_notional is not None and notional > rules.max_order_notional:
        return Refusal(scope, "max_order_notional", notional, rules.max_order_notional)
    adds_risk = after > before
    limit = rules.max_position_notional
    if limit is not None and adds_risk and after > limit:
        return Refusal(scope, "max_position_notional", after, limit)
    if rules.max_daily_loss is not None and adds_risk and -pnl >= rules.max_daily_loss:
        return Refusal(scope, "max_daily_loss", -pnl, rules.max_daily_loss)
    rate = rules.max_orders_per_minute
    if rate is not None:
        recent = sum(1 for time in times if timedelta(0) <= now - time < _MINUTE)
        if recent + 1 > rate:
            return Refusal(scope, "max_orders_per_minute", recent + 1, rate)
    return None


def _number(value: float) -> str:
    """Whole numbers without decimals, others to the cent: refusals are read by people."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
