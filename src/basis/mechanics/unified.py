"""Unified (portfolio / multi-currency) margin: tiered collateral, tiered maintenance, and the
mark at which an account-level margin balance meets its maintenance (docs/mechanics.md §3).

In a unified account the spot assets on the venue are collateral for its perps after a
haircut, so a basis book needs no cash beside its spot: the short's losses on a rally are
backed by the spot's gain. Tiers are slices: a rate applies to the part of an amount that
falls in its tier, which is how Bybit and OKX publish collateral ratios (by amount) and
how Binance's maintenance brackets with a "maintenance amount" add up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from basis.config.venues import Tier
from basis.errors import InvalidOperationError
from basis.mechanics.checks import finite, non_negative, positive

Floats = npt.NDArray[np.float64]

__all__ = [
    "collateral_value",
    "liquidation_price",
    "maintenance_margin",
    "marginal_rate",
    "marginal_rates",
    "required_buffer",
    "sliced",
    "sliced_steps",
]


def sliced(amount: float, tiers: Sequence[Tier]) -> float:
    """Σ over tiers of `rate × (the part of amount in the tier)`; amount >= 0."""
    non_negative("amount", amount)
    total, floor = 0.0, 0.0
    for tier in tiers:
        top = math.inf if tier.up_to is None else tier.up_to
        if amount <= floor:
            break
        total += tier.rate * (min(amount, top) - floor)
        floor = top
    return total


def marginal_rate(amount: float, tiers: Sequence[Tier]) -> float:
    """The rate of the tier `amount` falls in (the slope of `sliced` just above it)."""
    non_negative("amount", amount)
    for tier in tiers:
        if tier.up_to is None or amount < tier.up_to:
            return tier.rate
    raise InvalidOperationError("a tier schedule must end with an open tier")


def collateral_value(amount: float, price: float, tiers: Sequence[Tier]) -> float:
    """USD value an asset balance adds to the margin balance: the tiered collateral ratio
    applied to a positive balance; a negative balance (a debt) counts in full."""
    finite("amount", amount)
    positive("price", price)
    return price * (sliced(amount, tiers) if amount > 0.0 else amount)


def maintenance_margin(notional: float, tiers: Sequence[Tier]) -> float:
    """Maintenance margin of one position of `notional` (USD) under tiered rates."""
    return sliced(non_negative("notional", notional), tiers)


def liquidation_price(
    size: float,
    entry_price: float,
    backing: float,
    collateral_units: float,
    tiers: Sequence[Tier],
    liquidation_at: float,
    mark: float,
) -> tuple[float | None, bool]:
    """The mark at which the account liquidates, and whether it lies above the mark.

    The account's balance as the perp's mark P moves (all else held) is
    `f(P) = B + u·P + s·(P − E) − k·MM(|s|·P)`: `backing` B (cash, other collateral and
    other positions' P&L, less `k ×` their maintenance), `collateral_units` u (the haircut
    spot of the perp's base, in units valued at P), size s, entry E, `liquidation_at` k.
    MM is convex and piecewise linear, so f is concave: it is positive between at most two
    roots. Returns the root nearer to `mark` and whether the account liquidates when the
    mark rises to it (the root above a safe mark, or the one below a mark that has passed
    it); `(mark, size < 0)` when no price is safe; `(None, False)` when none liquidates.
    """
    finite("size", size)
    if size == 0.0:
        raise InvalidOperationError("no position: size is 0, there is no liquidation price")
    positive("entry price", entry_price)
    positive("mark", mark)
    finite("backing", backing)
    non_negative("collateral units", collateral_units)
    quantity = abs(size)

    def balance(price: float) -> float:
        pnl = size * (price - entry_price)
        return (
            backing
            + collateral_units * price
            + pnl
            - liquidation_at * maintenance_margin(quantity * price, tiers)
        )

    roots = []
    floor = 0.0
    for tier in tiers:
        # in this tier MM(N) = rate·N − offset, so f(P) = a + b·P
        offset = tier.rate * floor - maintenance_margin(floor, tiers)
        a = backing - size * entry_price + liquidation_at * offset
        b = collateral_units + size - liquidation_at * tier.rate * quantity
        top = math.inf if tier.up_to is None else tier.up_to
        if b != 0.0:
            root = -a / b
            if root > 0.0 and floor <= quantity * root <= top:
                roots.append(root)
        floor = top
    if balance(mark) <= 0.0:  # already past a root: the nearer one is where it liquidates
        if not roots:
            return mark, size < 0.0
        nearest = min(roots, key=lambda root: abs(root - mark))
        return nearest, nearest <= mark
    below = [r for r in roots if r < mark]
    above = [r for r in roots if r > mark]
    low = max(below) if below else None
    high = min(above) if above else None
    if high is not None and (low is None or high - mark <= mark - low):
        return high, True
    return low, False


def sliced_steps(amount: Floats, tiers: Sequence[Tier]) -> Floats:
    """`sliced` at every element of `amount` (>= 0), for span paths and array sizing."""
    total = np.zeros(np.shape(amount))
    floor = 0.0
    for tier in tiers:
        top = np.inf if tier.up_to is None else tier.up_to
        total = total + tier.rate * np.clip(amount - floor, 0.0, top - floor)
        floor = top
    return total


def marginal_rates(amount: Floats, tiers: Sequence[Tier]) -> Floats:
    """`marginal_rate` at every element of `amount`."""
    bounds = [np.inf if tier.up_to is None else tier.up_to for tier in tiers]
    index = np.searchsorted(np.asarray(bounds), amount, side="right")
    rates = np.asarray([tier.rate for tier in tiers])
    return rates[np.minimum(index, len(rates) - 1)]


def required_buffer(
    distance: float, haircut: Floats, rate: Floats, liquidation_at: float
) -> Floats:
    """Share of equity a unified basis book keeps out of spot so that a rise of `distance`
    (0.5 = +50 %) in one step does not liquidate it.

    With equity Q·P + W in spot Q at P and cash W, short Q, collateral ratio h, maintenance
    rate r and liquidation at k: `W + h·Q·L − Q·(L − P) = k·r·Q·L` gives
    `L / P = 1 / ((1 − b)(1 − h + k·r))` for buffer b = W / equity. Solving for
    `L / P = 1 + distance`: `b = 1 − 1 / ((1 + distance)(1 − h + k·r))`, 0 when negative.
    Tier offsets are ignored, which lowers L: the buffer errs on the safe side. Element-wise
    over `haircut` and `rate`; rates > 0 keep the spread positive.
    """
    non_negative("distance", distance)
    spread = 1.0 - haircut + liquidation_at * rate
    buffer: Floats = np.maximum(0.0, 1.0 - 1.0 / ((1.0 + distance) * spread))
    return buffer
