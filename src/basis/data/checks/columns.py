"""What each column of a series kind may hold: the roles the detections read.

* `positive`: prices, exchange rates and indices; zero or below is impossible.
* `non_negative`: volumes, totals, gas and lending rates; below zero is impossible.
* `optional`: may be null (the source did not quote it); never counted as `nan`.
* `keys`: what identifies a row besides time (rewards: one row per token per payout).
* `levels`: series checked for outliers and interpolation, as log-prices (`log=True`) or
  plain differences (rates, which may cross zero).
* `fees`: fee series in gwei checked for outliers by the trailing fee rule
  (`basis.data.checks.fees`), not as levels: heavy-tailed noise, not a path.
* `prices`: price-like columns checked for placeholder constants.

Columns not named here (e.g. funding `rate`, benchmark `apy`) may be negative.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from basis.data.catalog import SeriesInfo
from basis.data.schema import SCHEMAS
from basis.errors import DataError


@dataclass(frozen=True)
class Level:
    """A column whose path over time is checked for outliers and interpolation."""

    column: str
    log: bool


@dataclass(frozen=True)
class Roles:
    positive: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    keys: tuple[str, ...] = ("ts",)
    levels: tuple[Level, ...] = ()
    fees: tuple[str, ...] = ()
    prices: tuple[str, ...] = ()

    def values(self, kind: str) -> list[str]:
        """Every value column of `kind` (all canonical columns but the keys)."""
        return [name for name in SCHEMAS[kind] if name not in self.keys]


_CANDLES: Final = Roles(
    positive=("open", "high", "low", "close"),
    non_negative=("volume",),
    levels=(Level("close", log=True),),
    prices=("close",),
)

ROLES: Final[dict[str, Roles]] = {
    "ohlcv": _CANDLES,
    "token_prices": _CANDLES,
    "funding": Roles(levels=(Level("rate", log=False),)),
    "lending_rates": Roles(
        positive=("liquidity_index", "variable_borrow_index", "price_usd"),
        non_negative=("supply_rate", "borrow_rate", "total_supply", "total_variable_debt"),
        levels=(Level("price_usd", log=True),),
        prices=("price_usd",),
    ),
    "oracle": Roles(positive=("price",), levels=(Level("price", log=True),), prices=("price",)),
    "lst_rates": Roles(
        positive=("protocol_rate", "market_rate"),
        levels=(Level("protocol_rate", log=True), Level("market_rate", log=True)),
        prices=("protocol_rate", "market_rate"),
    ),
    "rewards": Roles(
        positive=("quoted_price_usd",),
        non_negative=("amount_per_lst",),
        optional=("quoted_price_usd",),
        keys=("ts", "token"),
        prices=("quoted_price_usd",),
    ),
    "gas": Roles(
        non_negative=(
            "base_fee_gwei",
            "priority_fee_p25_gwei",
            "priority_fee_p50_gwei",
            "priority_fee_p75_gwei",
            "gas_price_gwei",
        ),
        fees=("priority_fee_p25_gwei", "priority_fee_p50_gwei", "priority_fee_p75_gwei"),
    ),
    "benchmark": Roles(),
}

_INTERVAL = re.compile(r"^(\d+)([mhd])$")
_UNIT_SECONDS: Final = {"m": 60, "h": 3600, "d": 86400}
EVENT: Final = "event"


def roles(info: SeriesInfo) -> Roles:
    """The column roles of the series' kind.

    Raises `DataError` naming the series when its kind has no roles (an unknown kind).
    """
    found = ROLES.get(info.kind)
    if found is None:
        raise DataError(
            f"{info.dataset}/{info.series}: kind {info.kind!r} has no check roles; "
            f"expected one of {sorted(ROLES)}"
        )
    return found


def step(info: SeriesInfo) -> dt.timedelta | None:
    """The series' sampling interval, or None for event series.

    Raises `DataError` naming the series when the interval is not `event` or `<n><m|h|d>`.
    """
    if info.interval == EVENT:
        return None
    match = _INTERVAL.match(info.interval)
    if match is None or int(match.group(1)) == 0:
        raise DataError(
            f"{info.dataset}/{info.series}: interval {info.interval!r} is not understood; "
            "expected 'event' or a positive count with a unit, like '1h', '8h', '1d'"
        )
    return dt.timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def per_week(info: SeriesInfo) -> int | None:
    """How many points a week holds at the series' interval (None for event series)."""
    interval = step(info)
    if interval is None:
        return None
    return max(1, dt.timedelta(days=7) // interval)
