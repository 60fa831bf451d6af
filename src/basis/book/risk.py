"""Risk: pure functions of a book and a marks snapshot — Aave HF and LTV, perp margin, delta.

Aave positions are valued at Aave's oracle prices: WETH and other assets at their USD
price, an LST at `protocol rate × ETH price` (the exchange-rate oracle, not the DEX rate).
Perp margin is valued at marks. Distances to liquidation are the relative price move that
triggers it: for Aave the move of collateral prices against debt prices that takes HF to 1
(`1/HF − 1`, e.g. the LST/ETH rate for an LST loop); for a perp `(liq price − mark)/mark`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from basis.book import factors
from basis.book.core import BookCore
from basis.book.exposure import Exposure, exposure
from basis.book.factors import Marks
from basis.book.instruments import Instrument, Kind
from basis.config.aave import RiskParameters
from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig
from basis.errors import InvalidOperationError
from basis.mechanics import aave, perps
from basis.mechanics import unified as unified_margin

__all__ = [
    "STABLECOINS",
    "AaveRisk",
    "Alert",
    "Breach",
    "MarginRisk",
    "PerpRisk",
    "Risk",
    "aave_account",
    "delta_drift",
    "margins",
    "oracle_price",
    "perp_liquidations",
    "risk",
    "risk_parameters",
]

STABLECOINS = frozenset({"USDT", "USDC", "USD", "DAI"})
"""USD stablecoins: no delta drift against a USD share class."""


@dataclass(frozen=True, slots=True)
class AaveRisk:
    """One account's Aave position at oracle prices (USD).

    `liquidation_move` is `1/HF − 1`: the relative move of collateral prices against debt
    prices that takes HF to 1, negative while HF > 1 (None without debt, inf without
    collateral).
    """

    account: str
    collateral_value: float
    debt_value: float
    borrowing_power: float
    health_factor: float
    ltv: float
    liquidation_move: float | None


@dataclass(frozen=True, slots=True)
class MarginRisk:
    """Margin of one cross account on a venue (`instrument` None) or one isolated position.

    `margin_balance`: cash plus unrealised P&L (isolated: margin plus P&L); `notional`:
    Σ |size| × mark; both USD. `margin_ratio` = balance / notional (inf when flat).
    """

    account: str
    venue: str
    instrument: Instrument | None
    margin_balance: float
    notional: float
    margin_ratio: float


@dataclass(frozen=True, slots=True)
class PerpRisk:
    """How far a perp is from liquidation: `distance = (liquidation price − mark) / mark`.

    Both are None when no price can liquidate the position (a fully backed long). `rises`:
    the liquidation price lies above the mark (a short's, or a unified account's whose
    collateral outweighs the short).
    """

    account: str
    instrument: Instrument
    mark: float
    liquidation_price: float | None
    distance: float | None
    rises: bool

    @property
    def reached(self) -> bool:
        """The mark is at or beyond the liquidation price: the venue liquidates."""
        level = self.liquidation_price
        if level is None:
            return False
        return self.mark >= level if self.rises else self.mark <= level


class Breach(StrEnum):
    """Risk limits of a mode, in the priority order of DESIGN §5."""

    MARGIN_CRITICAL = "margin_critical"
    HEALTH_FACTOR_LOW = "health_factor_low"
    DELTA_DRIFT = "delta_drift"


@dataclass(frozen=True, slots=True)
class Alert:
    """One limit breached: what, where (account and venue / asset), the value and the limit."""

    breach: Breach
    account: str
    subject: str
    value: float
    limit: float


@dataclass(frozen=True, slots=True)
class Risk:
    """Everything risk knows about a book at one snapshot; `alerts` ordered by priority."""

    aave: tuple[AaveRisk, ...]
    margin: tuple[MarginRisk, ...]
    perps: tuple[PerpRisk, ...]
    delta_drift: dict[str, float]
    alerts: tuple[Alert, ...]


def risk_parameters(market: MarketConfig, asset: str, emode: str | None) -> RiskParameters:
    """Return Aave's LTV, threshold and bonus of `asset` in `emode`.

    Raises InvalidOperationError for an asset or e-mode category Aave config lacks.
    """
    try:
        return market.aave.risk_for(asset, emode)
    except KeyError as error:
        raise InvalidOperationError(str(error.args[0])) from None


def oracle_price(book: BookCore, marks: Marks, asset: str) -> float:
    """Return Aave's oracle USD price of `asset` (an LST: protocol rate × ETH price)."""
    if asset in book.market.lsts:
        return marks[factors.protocol_rate(asset)] * marks[factors.price("ETH")]
    return marks[factors.price(asset)]


def aave_account(book: BookCore, marks: Marks, account: str) -> AaveRisk:
    """Return `account`'s Aave collateral, debt, HF and LTV at oracle prices."""
    emode = book.emode(account)
    collateral: list[float] = []
    thresholds: list[float] = []
    power = debt = 0.0
    units = book.units
    for row, (holder, instrument) in enumerate(units.keys):
        if holder != account or instrument.kind not in (Kind.SUPPLY, Kind.DEBT):
            continue
        index_name = (
            factors.liquidity_index(instrument.symbol, instrument.venue)
            if instrument.kind is Kind.SUPPLY
            else factors.borrow_index(instrument.symbol, instrument.venue)
        )
        amount = aave.amount_from_scaled(float(units.quantity[row]), marks[index_name])
        value = amount * oracle_price(book, marks, instrument.symbol)
        if instrument.kind is Kind.DEBT:
            debt += value
            continue
        parameters = risk_parameters(book.market, instrument.symbol, emode)
        collateral.append(value)
        thresholds.append(parameters.liquidation_threshold)
        power += value * parameters.max_ltv
    collateral_value = math.fsum(collateral)
    health = aave.health_factor(collateral, thresholds, debt)
    return AaveRisk(
        account=account,
        collateral_value=collateral_value,
        debt_value=debt,
        borrowing_power=power,
        health_factor=health,
        ltv=aave.loan_to_value(collateral_value, debt),
        liquidation_move=_move_to_one(health),
    )


def _move_to_one(health: float) -> float | None:
    """`1/HF − 1`: None without debt, inf for debt without collateral."""
    if math.isinf(health):
        return None
    return math.inf if health == 0.0 else 1.0 / health - 1.0


def _aave_accounts(book: BookCore) -> list[str]:
    accounts = {
        account
        for row, (account, instrument) in enumerate(book.units.keys)
        if instrument.kind in (Kind.SUPPLY, Kind.DEBT) and book.units.quantity[row] != 0.0
    }
    return sorted(accounts)


@dataclass(frozen=True, slots=True)
class _PerpLeg:
    row: int
    account: str
    instrument: Instrument
    mark: float
    quote_usd: float
    pnl_usd: float
    notional_usd: float


def _legs(book: BookCore, marks: Marks) -> list[_PerpLeg]:
    table = book.perps
    legs = []
    for row, (account, instrument) in enumerate(table.keys):
        size = float(table.size[row])
        if size == 0.0:
            continue
        mark = marks[factors.mark(instrument)]
        quote = marks[factors.price(instrument.quote)]
        pnl = perps.unrealised_pnl(size, float(table.entry[row]), mark)
        legs.append(
            _PerpLeg(row, account, instrument, mark, quote, pnl * quote, abs(size) * mark * quote)
        )
    return legs


def _cash_usd(book: BookCore, marks: Marks, account: str, venue: str, quotes: set[str]) -> float:
    return math.fsum(
        book.balance(account, Instrument.token(venue, quote)) * marks[factors.price(quote)]
        for quote in sorted(quotes)
    )


def _collateral_usd(
    book: BookCore, marks: Marks, account: str, venue: str, quotes: set[str], skip: str = ""
) -> float:
    """Σ haircut value of the unified venue's non-quote assets (`skip`: one asset left out)."""
    unified = book.market.venue(venue).margin.unified_terms
    if unified is None:
        return 0.0
    values = []
    for row, (holder, instrument) in enumerate(book.units.keys):
        symbol = instrument.symbol
        if (
            holder != account
            or instrument.venue != venue
            or instrument.kind not in (Kind.SPOT, Kind.TOKEN)
            or symbol in quotes
            or symbol == skip
            or symbol not in unified.collateral
        ):
            continue
        amount = float(book.units.quantity[row])
        price = marks[factors.price(symbol)]
        values.append(unified_margin.collateral_value(amount, price, unified.collateral[symbol]))
    return math.fsum(values)


def _base_collateral(book: BookCore, marks: Marks, leg: _PerpLeg) -> float:
    """Haircut value of the leg's base asset held on its unified venue, in units of the
    leg's mark (so it moves with the mark, the spot-perp basis held)."""
    venue, base = leg.instrument.venue, leg.instrument.base
    unified = book.market.venue(venue).margin.unified_terms
    if unified is None or base not in unified.collateral:
        return 0.0
    amount = math.fsum(
        book.balance(leg.account, Instrument(venue, kind, base)) for kind in (Kind.SPOT, Kind.TOKEN)
    )
    value = unified_margin.collateral_value(
        amount, marks[factors.price(base)], unified.collateral[base]
    )
    return max(value, 0.0) / (leg.mark * leg.quote_usd)


def margins(book: BookCore, marks: Marks) -> tuple[MarginRisk, ...]:
    """Return the margin ratio of every cross account per venue and every isolated perp."""
    legs = _legs(book, marks)
    result: list[MarginRisk] = []
    accounts = sorted({(leg.account, leg.instrument.venue) for leg in legs})
    for account, venue in accounts:
        cross = [
            leg
            for leg in legs
            if (leg.account, leg.instrument.venue) == (account, venue)
            and not book.perps.isolated[leg.row]
        ]
        if cross:
            quotes = {leg.instrument.quote for leg in cross}
            balance = (
                _cash_usd(book, marks, account, venue, quotes)
                + _collateral_usd(book, marks, account, venue, quotes)
                + math.fsum(leg.pnl_usd for leg in cross)
            )
            notional = math.fsum(leg.notional_usd for leg in cross)
            ratio = perps.margin_ratio(balance, notional)
            result.append(MarginRisk(account, venue, None, balance, notional, ratio))
    for leg in legs:
        if book.perps.isolated[leg.row]:
            balance = float(book.perps.margin[leg.row]) * leg.quote_usd + leg.pnl_usd
            ratio = perps.margin_ratio(balance, leg.notional_usd)
            result.append(
                MarginRisk(
                    leg.account,
                    leg.instrument.venue,
                    leg.instrument,
                    balance,
                    leg.notional_usd,
                    ratio,
                )
            )
    return tuple(result)


def perp_liquidations(book: BookCore, marks: Marks) -> tuple[PerpRisk, ...]:
    """Return each open perp's liquidation price and distance from its mark.

    Cross: the account's venue cash plus the other cross positions' P&L backs the
    position, their maintenance set aside (`mechanics.perps.liquidation_price_cross`).
    Unified: the venue's haircut collateral backs it too, the leg's own base moving with
    its mark (`mechanics.unified.liquidation_price`).
    """
    legs = _legs(book, marks)
    table = book.perps
    result = []
    for leg in legs:
        config = book.market.venue(leg.instrument.venue).margin
        size, entry = float(table.size[leg.row]), float(table.entry[leg.row])
        if book.market.venue(leg.instrument.venue).margin.unified_terms is not None:
            result.append(_unified_liquidation(book, marks, leg, legs, size, entry))
            continue
        if table.isolated[leg.row]:
            price = perps.liquidation_price_isolated(
                size, entry, float(table.margin[leg.row]), config
            )
        else:
            others = [
                other
                for other in legs
                if other is not leg
                and (other.account, other.instrument.venue) == (leg.account, leg.instrument.venue)
                and not table.isolated[other.row]
            ]
            quotes = {other.instrument.quote for other in others} | {leg.instrument.quote}
            backing = _cash_usd(book, marks, leg.account, leg.instrument.venue, quotes)
            backing += math.fsum(other.pnl_usd for other in others)
            maintenance = math.fsum(
                perps.maintenance_margin(other.notional_usd, config) for other in others
            )
            price = perps.liquidation_price_cross(
                size, entry, backing / leg.quote_usd, config, maintenance / leg.quote_usd
            )
        if price > 0.0:
            distance = (price - leg.mark) / leg.mark
            result.append(
                PerpRisk(leg.account, leg.instrument, leg.mark, price, distance, size < 0.0)
            )
        else:
            result.append(PerpRisk(leg.account, leg.instrument, leg.mark, None, None, size < 0.0))
    return tuple(result)


def _unified_liquidation(
    book: BookCore, marks: Marks, leg: _PerpLeg, legs: list[_PerpLeg], size: float, entry: float
) -> PerpRisk:
    venue = leg.instrument.venue
    unified = book.market.venue(venue).margin.unified_terms
    assert unified is not None  # checked by the caller
    others = [
        other
        for other in legs
        if other is not leg and (other.account, other.instrument.venue) == (leg.account, venue)
    ]
    quotes = {other.instrument.quote for other in others} | {leg.instrument.quote}
    backing = (
        _cash_usd(book, marks, leg.account, venue, quotes)
        + _collateral_usd(book, marks, leg.account, venue, quotes, skip=leg.instrument.base)
        + math.fsum(other.pnl_usd for other in others)
        - unified.liquidation_at
        * math.fsum(
            unified_margin.maintenance_margin(other.notional_usd, unified.maintenance)
            for other in others
        )
    )
    price, rises = unified_margin.liquidation_price(
        size,
        entry,
        backing / leg.quote_usd,
        _base_collateral(book, marks, leg),
        unified.maintenance,
        unified.liquidation_at,
        leg.mark,
    )
    distance = None if price is None else (price - leg.mark) / leg.mark
    return PerpRisk(leg.account, leg.instrument, leg.mark, price, distance, rises)


def delta_drift(book: BookCore, marks: Marks, view: Exposure | None = None) -> dict[str, float]:
    """Return |net delta value| / equity per asset that is not the share class.

    USD stablecoins count as the share class when it is USDT. Equity <= 0 gives inf for
    every asset with a delta. `view`: the book's exposure at `marks`, when already known.
    """
    view = exposure(book, marks) if view is None else view
    share = book.share_class
    drift = {}
    for asset, value in view.delta_value.items():
        if asset == share or (share in STABLECOINS and asset in STABLECOINS):
            continue
        if view.equity <= 0.0:
            drift[asset] = math.inf if value else 0.0
        else:
            drift[asset] = abs(value) / view.equity
    return drift


def risk(book: BookCore, marks: Marks, mode: ModeConfig, view: Exposure | None = None) -> Risk:
    """Return the risk of `book` at `marks` and the limits of `mode` it breaches.

    `view`: the book's exposure at `marks`, when the caller has it already.

    Alerts: margin ratio below `margin_critical`, HF below `hf_critical`, delta drift above
    `delta_tolerance`; ordered by that priority (DESIGN §5), then account.
    """
    positions = tuple(aave_account(book, marks, account) for account in _aave_accounts(book))
    margin = margins(book, marks)
    drift = delta_drift(book, marks, view)
    alerts = [
        Alert(Breach.MARGIN_CRITICAL, m.account, m.venue, m.margin_ratio, mode.margin_critical)
        for m in margin
        if m.margin_ratio < mode.margin_critical
    ]
    alerts += [
        Alert(Breach.HEALTH_FACTOR_LOW, p.account, "aave_v3", p.health_factor, mode.hf_critical)
        for p in positions
        if p.health_factor < mode.hf_critical
    ]
    alerts += [
        Alert(Breach.DELTA_DRIFT, "*", asset, value, mode.delta_tolerance)
        for asset, value in sorted(drift.items())
        if value > mode.delta_tolerance
    ]
    return Risk(positions, margin, perp_liquidations(book, marks), drift, tuple(alerts))
