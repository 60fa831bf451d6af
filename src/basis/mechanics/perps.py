"""Linear perpetual mechanics: P&L, funding and its settlement times, margin, liquidation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from basis.config.venues import FundingSchedule, MarginConfig
from basis.errors import InvalidOperationError
from basis.mechanics.checks import finite, non_negative, positive, utc_aware

__all__ = [
    "PerpLiquidation",
    "funding_payment",
    "liquidate_position",
    "liquidation_price_cross",
    "liquidation_price_isolated",
    "maintenance_margin",
    "margin_ratio",
    "settlements_between",
    "unrealised_pnl",
]


def unrealised_pnl(size: float, entry_price: float, mark: float) -> float:
    """Return `size × (mark − entry)` in quote currency; a short has size < 0.

    Raises InvalidOperationError for a non-finite size or a price <= 0.
    """
    finite("size", size)
    positive("entry price", entry_price)
    positive("mark price", mark)
    return size * (mark - entry_price)


def funding_payment(size: float, mark: float, rate: float) -> float:
    """Return the funding received at one settlement: `−size × mark × rate` (quote currency).

    A positive rate makes longs pay and shorts receive. Raises InvalidOperationError for a
    non-finite size or rate or a mark <= 0.
    """
    finite("size", size)
    positive("mark price", mark)
    finite("funding rate", rate)
    return -size * mark * rate


def settlements_between(
    start: datetime, end: datetime, schedule: FundingSchedule
) -> list[datetime]:
    """Return the funding settlement times s with `start < s <= end`, in UTC.

    Half-open on the left so consecutive intervals count each settlement once, and so a
    position opened at `start` and closed at `end` pays the settlement at its close but not
    the one at its open (the engine accrues at t before it fills orders at t). Raises
    InvalidOperationError for naive datetimes or `end < start`.
    """
    start = utc_aware("start", start).astimezone(UTC)
    end = utc_aware("end", end).astimezone(UTC)
    if end < start:
        raise InvalidOperationError(f"end {end.isoformat()} is before start {start.isoformat()}")
    step = timedelta(hours=schedule.interval_hours)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    settlement = day + step * (start.hour // schedule.interval_hours)
    if settlement <= start:
        settlement += step
    times: list[datetime] = []
    while settlement <= end:
        times.append(settlement)
        settlement += step
    return times


def margin_ratio(margin_balance: float, notional: float) -> float:
    """Return `margin_balance / notional`; inf for a zero notional.

    Raises InvalidOperationError for a non-finite balance or a negative notional.
    """
    finite("margin balance", margin_balance)
    if non_negative("notional", notional) == 0.0:
        return math.inf
    return margin_balance / notional


def maintenance_margin(notional: float, margin: MarginConfig) -> float:
    """Return the maintenance margin `notional × margin.maintenance`.

    Raises InvalidOperationError for a negative or non-finite notional.
    """
    return non_negative("notional", notional) * margin.maintenance


def _liquidation_price(size: float, entry_price: float, backing: float, rate: float) -> float:
    """Solve `backing + size·(P − entry) = rate·|size|·P` for P."""
    finite("size", size)
    if size == 0.0:
        raise InvalidOperationError("no position: size is 0, there is no liquidation price")
    positive("entry price", entry_price)
    return (size * entry_price - backing) / (size - rate * abs(size))


def liquidation_price_isolated(
    size: float, entry_price: float, isolated_margin: float, margin: MarginConfig
) -> float:
    """Return the mark at which an isolated position's margin balance equals its maintenance.

    Solves `M + s·(P − E) = mmr·|s|·P`: `P = (s·E − M) / (s − mmr·|s|)`. A long whose
    margin covers its notional gets a price <= 0: it cannot be liquidated. Raises
    InvalidOperationError for size 0, an entry price <= 0 or a negative margin.
    """
    non_negative("isolated margin", isolated_margin)
    return _liquidation_price(size, entry_price, isolated_margin, margin.maintenance)


def liquidation_price_cross(
    size: float,
    entry_price: float,
    account_equity_excluding_pnl: float,
    margin: MarginConfig,
    other_maintenance: float = 0.0,
) -> float:
    """Return the mark at which a cross account's equity falls to its maintenance margin.

    The account's equity without this position's P&L (`W`, other positions held still)
    backs the position; other positions' maintenance `O` is set aside:
    `P = (s·E − (W − O)) / (s − mmr·|s|)`. A price <= 0 for a long means no liquidation.
    Raises InvalidOperationError for size 0, an entry price <= 0, non-finite equity or a
    negative other maintenance.
    """
    finite("account equity", account_equity_excluding_pnl)
    non_negative("other maintenance", other_maintenance)
    backing = account_equity_excluding_pnl - other_maintenance
    return _liquidation_price(size, entry_price, backing, margin.maintenance)


@dataclass(frozen=True)
class PerpLiquidation:
    """A position closed by the venue: fill price, P&L realised there, and the fee charged."""

    price: float
    realised_pnl: float
    fee: float


def liquidate_position(
    size: float, entry_price: float, liquidation_price: float, margin: MarginConfig
) -> PerpLiquidation:
    """Return the liquidation of the whole position at `liquidation_price`.

    P&L `size × (price − entry)`; fee `margin.liquidation_fee × |size| × price`. Raises
    InvalidOperationError for size 0 or a price <= 0.
    """
    finite("size", size)
    if size == 0.0:
        raise InvalidOperationError("no position: size is 0, nothing to liquidate")
    pnl = unrealised_pnl(size, entry_price, liquidation_price)
    fee = margin.liquidation_fee * abs(size) * liquidation_price
    return PerpLiquidation(price=liquidation_price, realised_pnl=pnl, fee=fee)
