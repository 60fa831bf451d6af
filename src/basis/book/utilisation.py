"""Utilisation regimes and per-account risk, pure functions of risk already computed.

An account's **margin use** is the initial margin its perps need over its margin balance:
`Σ notional × initial rate / balance` (0 when flat, inf when the balance is gone). The
regime follows from it (DESIGN §5 thresholds, configurable per mode): `build` below
`hold_at`, `hold` (hold and balance) up to `reduce_at`, `reduce` from there. A set of
accounts (a session, or one book over several venues) is in the regime of its most used
account: one account near its limit is enough to stop building.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from basis.book.exposure import Exposure
from basis.book.risk import STABLECOINS, MarginRisk, Risk
from basis.config.market import MarketConfig
from basis.config.modes import RegimeThresholds

__all__ = [
    "AccountRisk",
    "Regime",
    "SessionRisk",
    "Utilisation",
    "account_risk",
    "aggregate",
    "margin_use",
    "regime",
    "utilisation",
]


class Regime(StrEnum):
    """What an account's margin use allows, in order of severity."""

    BUILD = "build"
    HOLD = "hold"
    REDUCE = "reduce"


_SEVERITY = {Regime.BUILD: 0, Regime.HOLD: 1, Regime.REDUCE: 2}


def margin_use(margin: MarginRisk, initial_rate: float) -> float:
    """Initial margin over margin balance: 0 when flat, inf when the balance is not positive."""
    if margin.notional <= 0.0:
        return 0.0
    if margin.margin_balance <= 0.0:
        return math.inf
    return margin.notional * initial_rate / margin.margin_balance


def regime(use: float, thresholds: RegimeThresholds) -> Regime:
    """The regime of margin use `use` (NaN counts as the worst: nothing is known)."""
    if math.isnan(use) or use >= thresholds.reduce_at:
        return Regime.REDUCE
    if use >= thresholds.hold_at:
        return Regime.HOLD
    return Regime.BUILD


def worst(regimes: Iterable[Regime]) -> Regime:
    """The most severe of `regimes` (`build` when there are none)."""
    return max(regimes, key=_SEVERITY.__getitem__, default=Regime.BUILD)


@dataclass(frozen=True, slots=True)
class Utilisation:
    """Margin use per venue account, the highest of them, and the regime it implies."""

    by_venue: Mapping[str, float]
    use: float
    regime: Regime


def utilisation(
    margins: Sequence[MarginRisk], market: MarketConfig, thresholds: RegimeThresholds
) -> Utilisation:
    """Utilisation of the cross accounts in `margins` (isolated positions count on their
    venue). A venue listed twice (an isolated perp beside the cross account) adds up."""
    by_venue: dict[str, float] = {}
    for margin in margins:
        rate = market.venue(margin.venue).margin.initial
        by_venue[margin.venue] = by_venue.get(margin.venue, 0.0) + margin_use(margin, rate)
    use = max(by_venue.values(), default=0.0)
    return Utilisation(by_venue, use, regime(use, thresholds))


@dataclass(frozen=True, slots=True)
class AccountRisk:
    """One account's book in a session: equity (share class and USD), net delta per asset
    (units), margin use, the worst distance to liquidation (the smallest relative price move
    that liquidates a perp; None without a liquidable perp) and the regime."""

    account: str
    equity: float
    equity_usd: float
    delta: Mapping[str, float]
    margin_use: float
    liquidation_distance: float | None
    regime: Regime


@dataclass(frozen=True, slots=True)
class SessionRisk:
    """Accounts and their aggregate: equity and net delta summed over every account and
    venue, the highest margin use, the worst liquidation distance, the worst regime."""

    accounts: tuple[AccountRisk, ...]
    equity: float
    equity_usd: float
    delta: Mapping[str, float]
    margin_use: float
    liquidation_distance: float | None
    regime: Regime


def account_risk(
    account: str,
    view: Exposure,
    assessed: Risk,
    market: MarketConfig,
    thresholds: RegimeThresholds,
) -> AccountRisk:
    """The session's view of one account from its book's exposure and risk. Delta is of
    the assets that move against the dollar: USD stablecoins are cash, not exposure."""
    used = utilisation(assessed.margin, market, thresholds)
    distances = [abs(p.distance) for p in assessed.perps if p.distance is not None]
    return AccountRisk(
        account=account,
        equity=view.equity,
        equity_usd=view.equity_usd,
        delta={a: units for a, units in view.delta.items() if units and a not in STABLECOINS},
        margin_use=used.use,
        liquidation_distance=min(distances, default=None),
        regime=used.regime,
    )


def aggregate(accounts: Sequence[AccountRisk], thresholds: RegimeThresholds) -> SessionRisk:
    """Sum and worst-of over `accounts` (each account's book is separate: its own venues,
    margin and liquidation; only the totals and the regime are shared)."""
    delta: dict[str, float] = {}
    for account in accounts:
        for asset, units in account.delta.items():
            delta[asset] = delta.get(asset, 0.0) + units
    use = max((a.margin_use for a in accounts), default=0.0)
    distances = [a.liquidation_distance for a in accounts if a.liquidation_distance is not None]
    return SessionRisk(
        accounts=tuple(accounts),
        equity=math.fsum(a.equity for a in accounts),
        equity_usd=math.fsum(a.equity_usd for a in accounts),
        delta=delta,
        margin_use=use,
        liquidation_distance=min(distances, default=None),
        regime=worst([regime(use, thresholds), *(a.regime for a in accounts)]),
    )
