"""Leverage that follows carry: the loop's target LTV falls as WETH's borrow rate nears
the LST's yield (`carry_leverage`; docs/strategies.md, "Leverage that follows carry").

With constant rates a loop at LTV t earns `y + (y − b)·t/(1 − t)` on its equity (DESIGN
§3.1): the borrowed part, `L − 1 = t/(1 − t)` times the equity, earns the carry spread
`s = y − b` and nothing else, while it bears the depeg, liquidation and unwinding risks in
full. So the borrowed part is scaled with the spread, read over a trailing window of the
data known at t (`MarkHistory`): full at `carry_full_spread` and above, none at zero or
below, never under `carry_floor_ltv` (a loop without debt is not kept in band any more).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from basis.book import factors as f
from basis.config.modes import ModeConfig
from basis.model.funding import Times
from basis.model.history import MarkHistory

__all__ = ["carry_spread", "carry_target_ltv", "target_ltv"]

Floats = npt.NDArray[np.float64]
DEBT = "WETH"


def carry_target_ltv(
    spread: Floats | float, target: float, floor: float, full_spread: float
) -> Floats:
    """The target LTV at carry spread `spread` (APR): `max(floor, t*·w / (1 − t*·(1 − w)))`
    with `w = clip(spread / full_spread, 0, 1)` and `t*` = `target`.

    That is the leverage `L = 1/(1 − t)` with its borrowed part scaled by `w`:
    `L − 1 = (L* − 1)·w`. `t*` at `w` = 1 (exactly), `floor` at `w` = 0. A NaN spread
    (no whole window known yet) keeps `target`. Returns an array shaped as `spread`.
    """
    spread = np.asarray(spread, dtype=np.float64)
    weight = np.clip(spread / full_spread, 0.0, 1.0)
    ltv = np.maximum(target * weight / (1.0 - target * (1.0 - weight)), floor)
    result: Floats = np.where(np.isnan(spread), target, ltv)
    return result


def carry_spread(history: MarkHistory, lst: str, hours: float, at: Times | None = None) -> Floats:
    """The loop's carry spread (APR) over the trailing `hours` at each time of `at`
    (default: now): the collateral's yield, i.e. the growth of the LST's protocol rate
    (staking) plus that of its Aave liquidity index (supply interest), less the growth of
    WETH's Aave borrow index. Reward programmes are not in it (they are paid in discrete,
    partly estimated payouts). NaN where the window reaches before the first mark."""
    staking = history.trailing_growth(f.protocol_rate(lst), hours, at)
    supply = history.trailing_growth(f.liquidity_index(lst), hours, at)
    borrow = history.trailing_growth(f.borrow_index(DEBT), hours, at)
    spread: Floats = staking + supply - borrow
    return spread


def target_ltv(config: ModeConfig, history: MarkHistory, at: Times | None = None) -> Floats:
    """The loop's target LTV at each time of `at` (default: now): `effective_target_ltv`,
    or with `carry_leverage` the carry rule's (`carry_target_ltv`) on the trailing spread."""
    target = config.effective_target_ltv
    if not config.carry_leverage:
        return np.full(1 if at is None else np.shape(at), target)
    spread = carry_spread(history, config.lst, config.carry_window_hours, at)
    return carry_target_ltv(spread, target, config.carry_floor_ltv, config.carry_full_spread)
