"""Risk along a span: `risk` and `exposure` for T steps of fixed positions, as arrays.

The same quantities as `basis.book.risk` (Aave HF and LTV at oracle prices, perp margin
per cross account and isolated position, delta drift per asset) for every step of a
`SpanPath`, computed with numpy over the steps. They agree with the per-step functions up
to float summation order; the engine only uses them to prove that nothing happens in a
step (with a margin), never to decide what happens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from basis.book import factors
from basis.book.core import BookCore
from basis.book.instruments import Instrument, Kind, priced_as
from basis.book.positions import INDEX, MARK, MARKET_RATE, QUOTE
from basis.book.risk import STABLECOINS, risk_parameters
from basis.book.span import SpanPath
from basis.mechanics.unified import sliced_steps

__all__ = ["AavePath", "MarginPath", "RiskPath", "risk_path"]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

SAFETY = 1e-9
"""Relative margin by which a path must clear a liquidation level to be called safe."""


@dataclass(frozen=True, slots=True)
class AavePath:
    """One Aave account along the span (USD at oracle prices)."""

    account: str
    collateral_value: Floats
    debt_value: Floats
    health_factor: Floats  # inf where there is no debt
    ltv: Floats


@dataclass(frozen=True, slots=True)
class MarginPath:
    """One cross account on a venue (`instrument` None) or one isolated perp along the span."""

    account: str
    venue: str
    instrument: Instrument | None
    balance: Floats
    notional: Floats
    ratio: Floats
    maintenance: Floats  # the balance at which the venue liquidates (USD)


@dataclass(frozen=True)
class RiskPath:
    """Risk at every step of a span; see the module docstring."""

    equity: Floats
    aave: tuple[AavePath, ...]
    margin: tuple[MarginPath, ...]
    delta: dict[str, Floats]  # net units per asset (LSTs as ETH at the market rate)
    delta_value: dict[str, Floats]  # share class
    drift: dict[str, Floats]  # |delta value| / equity, assets other than the share class

    def liquidatable(self) -> Bools:
        """Steps at which Aave or a venue might liquidate (HF or margin near its level)."""
        unsafe = np.zeros(self.equity.shape[0], dtype=bool)
        for account in self.aave:
            unsafe |= account.health_factor < 1.0 + SAFETY
        for margin in self.margin:
            level = margin.maintenance * (1.0 + SAFETY) + SAFETY * margin.notional
            unsafe |= (margin.notional > 0.0) & (margin.balance <= level)
        return unsafe


def risk_path(book: BookCore, path: SpanPath) -> RiskPath:
    """The risk of `book`'s current positions at every step of `path` (previewed on it)."""
    marks = path.grid[1:]
    amounts = _unit_amounts(book, path)
    equity = path.equity
    return RiskPath(
        equity=equity,
        aave=_aave(book, marks, amounts),
        margin=_margins(book, path),
        **_deltas(book, path, amounts, equity),
    )


def _unit_amounts(book: BookCore, path: SpanPath) -> Floats:
    """Units held per unit row at every step (Aave balances at the index), `(T, n)`."""
    units = book.units
    index = path.grid[1:].take(units.columns[INDEX, : units.n], axis=-1)
    amounts: Floats = path.quantity[1:] * index
    return amounts


def _oracle_price(book: BookCore, marks: Floats, asset: str) -> Floats:
    if asset in book.market.lsts:
        return (
            marks[:, book.column(factors.protocol_rate(asset))]
            * marks[:, book.column(factors.price("ETH"))]
        )
    return marks[:, book.column(factors.price(asset))]


def _aave(book: BookCore, marks: Floats, amounts: Floats) -> tuple[AavePath, ...]:
    units = book.units
    steps = marks.shape[0]
    accounts: dict[str, tuple[list[Floats], list[Floats], list[Floats]]] = {}
    for row, (account, instrument) in enumerate(units.keys):
        if instrument.kind not in (Kind.SUPPLY, Kind.DEBT) or units.quantity[row] == 0.0:
            continue
        collateral, weighted, debt = accounts.setdefault(account, ([], [], []))
        value = amounts[:, row] * _oracle_price(book, marks, instrument.symbol)
        if instrument.kind is Kind.DEBT:
            debt.append(value)
            continue
        parameters = risk_parameters(book.market, instrument.symbol, book.emode(account))
        collateral.append(value)
        weighted.append(value * parameters.liquidation_threshold)
    result = []
    zero = np.zeros(steps)
    for account in sorted(accounts):
        collateral, weighted, debt = accounts[account]
        collateral_value = np.sum(collateral, axis=0) if collateral else zero
        weighted_value = np.sum(weighted, axis=0) if weighted else zero
        debt_value = np.sum(debt, axis=0) if debt else zero
        with np.errstate(divide="ignore", invalid="ignore"):
            health = np.where(debt_value > 0.0, weighted_value / debt_value, np.inf)
            ltv = np.where(
                debt_value > 0.0,
                np.where(collateral_value > 0.0, debt_value / collateral_value, np.inf),
                0.0,
            )
        result.append(AavePath(account, collateral_value, debt_value, health, ltv))
    return tuple(result)


def _margins(book: BookCore, path: SpanPath) -> tuple[MarginPath, ...]:
    perps, marks = book.perps, path.grid[1:]
    groups: dict[tuple[str, str], list[int]] = {}
    isolated: list[int] = []
    for row, (account, instrument) in enumerate(perps.keys):
        if perps.size[row] == 0.0:
            continue
        if perps.isolated[row]:
            isolated.append(row)
        else:
            groups.setdefault((account, instrument.venue), []).append(row)
    result = []
    for (account, venue), rows in sorted(groups.items()):
        pnl, notional = _legs(book, marks, rows)
        quotes = sorted({perps.keys[row][1].quote for row in rows})
        cash = np.zeros(marks.shape[0])
        for quote in quotes:
            found = book.units.rows.get((account, Instrument.token(venue, quote)))
            if found is not None:
                price = marks[:, book.column(factors.price(quote))]
                cash = cash + path.quantity[1:, found] * price
        balance = cash + pnl + _collateral(book, path, account, venue, quotes)
        result.append(_margin(book, account, venue, None, balance, notional, rows, marks))
    for row in isolated:
        account, instrument = perps.keys[row]
        pnl, notional = _legs(book, marks, [row])
        quote_price = marks[:, perps.columns[QUOTE, row]]
        balance = path.margin[1:, row] * quote_price + pnl
        result.append(
            _margin(book, account, instrument.venue, instrument, balance, notional, [row], marks)
        )
    return tuple(result)


def _collateral(
    book: BookCore, path: SpanPath, account: str, venue: str, quotes: list[str]
) -> Floats:
    """The unified venue's haircut collateral at every step (`risk._collateral_usd`)."""
    marks = path.grid[1:]
    total = np.zeros(marks.shape[0])
    unified = book.market.venue(venue).margin.unified_terms
    if unified is None:
        return total
    for row, (holder, instrument) in enumerate(book.units.keys):
        tiers = unified.collateral.get(instrument.symbol)
        if (
            holder != account
            or instrument.venue != venue
            or instrument.kind not in (Kind.SPOT, Kind.TOKEN)
            or instrument.symbol in quotes
            or tiers is None
        ):
            continue
        amount = path.quantity[1:, row]
        price = marks[:, book.column(factors.price(instrument.symbol))]
        counted = np.where(amount > 0.0, sliced_steps(np.maximum(amount, 0.0), tiers), amount)
        total = total + counted * price
    return total


def _legs(book: BookCore, marks: Floats, rows: list[int]) -> tuple[Floats, Floats]:
    """Σ P&L and Σ notional (USD) of perp `rows`."""
    perps = book.perps
    pnl = np.zeros(marks.shape[0])
    notional = np.zeros(marks.shape[0])
    for row in rows:
        mark = marks[:, perps.columns[MARK, row]]
        quote = marks[:, perps.columns[QUOTE, row]]
        size = float(perps.size[row])
        pnl = pnl + size * (mark - float(perps.entry[row])) * quote
        notional = notional + abs(size) * mark * quote
    return pnl, notional


def _margin(
    book: BookCore,
    account: str,
    venue: str,
    instrument: Instrument | None,
    balance: Floats,
    notional: Floats,
    rows: list[int],
    marks: Floats,
) -> MarginPath:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(notional > 0.0, balance / notional, np.inf)
    margin = book.market.venue(venue).margin
    unified = margin.unified_terms
    if unified is not None:
        maintenance = np.zeros(notional.shape[0])
        for row in rows:
            _, leg_notional = _legs(book, marks, [row])
            maintenance = maintenance + sliced_steps(leg_notional, unified.maintenance)
        maintenance = maintenance * unified.liquidation_at
    else:
        maintenance = notional * margin.maintenance
    return MarginPath(account, venue, instrument, balance, notional, ratio, maintenance)


def _deltas(
    book: BookCore, path: SpanPath, amounts: Floats, equity: Floats
) -> dict[str, dict[str, Floats]]:
    units, perps, marks = book.units, book.perps, path.grid[1:]
    steps = marks.shape[0]
    delta: dict[str, Floats] = {}

    def add(asset: str, amount: Floats) -> None:
        delta[asset] = delta[asset] + amount if asset in delta else amount

    lsts = book.market.lsts
    for row, (_, instrument) in enumerate(units.keys):
        if not path.quantity[:, row].any():
            continue
        signed = -amounts[:, row] if instrument.is_liability else amounts[:, row]
        if instrument.symbol in lsts:
            add("ETH", signed * marks[:, units.columns[MARKET_RATE, row]])
        else:
            add(priced_as(instrument.symbol), signed)
    for row, (_, instrument) in enumerate(perps.keys):
        size = float(perps.size[row])
        if size == 0.0 and not path.margin[:, row].any():
            continue
        add(instrument.base, np.full(steps, size))
        add(instrument.quote, path.margin[1:, row] - size * float(perps.entry[row]))
    share = book.share_class
    share_price = marks[:, book.share_column]
    delta_value = {
        asset: amount * marks[:, book.column(factors.price(asset))] / share_price
        for asset, amount in delta.items()
    }
    drift = {}
    for asset, value in delta_value.items():
        if asset == share or (share in STABLECOINS and asset in STABLECOINS):
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            drift[asset] = np.where(
                equity > 0.0, np.abs(value) / equity, np.where(value != 0.0, np.inf, 0.0)
            )
    return {"delta": delta, "delta_value": delta_value, "drift": drift}
