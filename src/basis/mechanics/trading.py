"""Trade costs for spot, perps and DEX: slippage by notional bucket, fill price, fee."""

from __future__ import annotations

import math
from dataclasses import dataclass

from basis.config.venues import SlippageCurve
from basis.errors import InvalidOperationError
from basis.mechanics.checks import BPS, basis_points, finite, non_negative, positive

__all__ = ["TradeCost", "execution_price", "max_notional", "slippage_bps", "trade_cost"]


def slippage_bps(curve: SlippageCurve, notional_usd: float) -> float:
    """Return the slippage in basis points of a trade of `notional_usd` on `curve`.

    Flat at the first bucket's bps below it. Between buckets, linear in log(notional): the
    buckets are decades apart and log interpolation lies on or above the straight chord, so
    it never understates the cost. Beyond the last bucket, the straight line through the
    last two buckets in notional (impact grows in proportion to size once past measured
    depth); a one-bucket curve is flat. Raises InvalidOperationError for a negative or
    non-finite notional, or beyond the last bucket when the last segment decreases.
    """
    non_negative("notional", notional_usd)
    points, bps = curve.notional_usd, curve.bps
    if notional_usd <= points[0]:
        return bps[0]
    last = len(points) - 1
    if notional_usd > points[last]:
        if last == 0:
            return bps[0]
        x0, x1, y0, y1 = points[last - 1], points[last], bps[last - 1], bps[last]
        if y1 < y0:
            raise InvalidOperationError(
                f"slippage curve decreases from {y0} bp at ${x0:,.0f} to {y1} bp at "
                f"${x1:,.0f}; cannot extrapolate to ${notional_usd:,.0f}"
            )
        return y1 + (y1 - y0) * (notional_usd - x1) / (x1 - x0)
    upper = 1
    while points[upper] < notional_usd:
        upper += 1
    x0, x1, y0, y1 = points[upper - 1], points[upper], bps[upper - 1], bps[upper]
    weight = math.log(notional_usd / x0) / math.log(x1 / x0)
    return y0 + (y1 - y0) * weight


def max_notional(curve: SlippageCurve, bps: float) -> float:
    """Return the largest notional (USD) whose `slippage_bps` on `curve` is at most `bps`:
    the inverse of the curve, 0 when even its first bucket costs more, inf when it never
    reaches `bps` (flat past its last bucket, or a one-bucket curve).

    Raises InvalidOperationError for a non-finite `bps`.
    """
    finite("bps", bps)
    points, costs = curve.notional_usd, curve.bps
    if bps < costs[0]:
        return 0.0
    for upper in range(1, len(points)):
        x0, x1, y0, y1 = points[upper - 1], points[upper], costs[upper - 1], costs[upper]
        if y1 > bps:  # crosses inside this bucket: log-linear, as `slippage_bps`
            return float(x0 * (x1 / x0) ** ((bps - y0) / (y1 - y0)))
    last = len(points) - 1
    if last == 0 or costs[last] <= costs[last - 1]:
        return math.inf
    x0, x1, y0, y1 = points[last - 1], points[last], costs[last - 1], costs[last]
    return float(x1 + (bps - y1) * (x1 - x0) / (y1 - y0))


def execution_price(side_sign: int, reference_price: float, slippage_bps: float) -> float:
    """Return the fill price `reference × (1 + side × bps/1e4)`: buys pay up, sells get less.

    `side_sign` is +1 to buy, −1 to sell. Raises InvalidOperationError for another side,
    a price <= 0 or slippage outside [0, 10000) bp.
    """
    if side_sign not in (1, -1) or isinstance(side_sign, bool):
        raise InvalidOperationError(f"side_sign must be +1 (buy) or -1 (sell), got {side_sign!r}")
    positive("reference price", reference_price)
    basis_points("slippage", slippage_bps)
    return reference_price * (1.0 + side_sign * slippage_bps / BPS)


@dataclass(frozen=True)
class TradeCost:
    """Cost of one trade in quote currency: the venue fee and the slippage."""

    fee: float
    slippage: float


def trade_cost(notional: float, fee_rate: float, slippage_bps: float) -> TradeCost:
    """Return fee `notional × fee_rate` and slippage `notional × bps/1e4`.

    `notional` is |quantity| × reference price; a negative `fee_rate` is a maker rebate.
    Raises InvalidOperationError for a negative notional, |fee_rate| >= 1 or slippage
    outside [0, 10000) bp.
    """
    non_negative("notional", notional)
    if not -1.0 < finite("fee rate", fee_rate) < 1.0:
        raise InvalidOperationError(f"fee rate must be in (-1, 1), got {fee_rate!r}")
    basis_points("slippage", slippage_bps)
    return TradeCost(fee=notional * fee_rate, slippage=notional * slippage_bps / BPS)
