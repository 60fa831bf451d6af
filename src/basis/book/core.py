"""The book's core: state, reading, accrual and revaluation, atomic groups, primitives.

`BookCore` holds every position of every account in two flat tables (see `positions`), the
current marks, dated claims and the ledger. Every change of value is booked: hourly
accruals and revaluations into per-position accumulators (`accrue`, `accrue_path`),
discrete events as ledger entries. The operation mixins (`trading`, `lending`,
`perpetuals`, `staking`, `transfers`) build on the primitives here; `Book` combines them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Concatenate, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from basis.book import factors
from basis.book.factors import Marks
from basis.book.instruments import Instrument, Kind
from basis.book.ledger import CATEGORIES, COLUMN, Category, Entry, Ledger, LedgerMark
from basis.book.positions import (
    INDEX,
    MARKET_RATE,
    PERP_BASIS,
    PERP_PRICE,
    PRICE,
    UNIT_DISCOUNT,
    UNIT_INTEREST,
    UNIT_PRICE,
    UNIT_STAKING,
    Claim,
    Key,
    PerpTable,
    UnitTable,
)
from basis.book.valuation import accrued, perp_values, revalue, unit_values
from basis.config.market import MarketConfig
from basis.config.modes import ShareClass
from basis.errors import InsufficientBalanceError, InvalidOperationError
from basis.mechanics import aave

__all__ = ["BookCore", "Holding", "transaction"]

Floats = npt.NDArray[np.float64]
EMPTY: Mapping[str, float] = MappingProxyType({})
TRADABLE = frozenset({Kind.TOKEN, Kind.SPOT})
SCALED = frozenset({Kind.SUPPLY, Kind.DEBT})

Self = TypeVar("Self", bound="BookCore")
Params = ParamSpec("Params")
Result = TypeVar("Result")


def transaction(
    method: Callable[Concatenate[Self, Params], Result],
) -> Callable[Concatenate[Self, Params], Result]:
    """Run a book operation inside `atomic()`: on any error the book is left as it was."""

    @functools.wraps(method)
    def run(book: Self, /, *args: Params.args, **kwargs: Params.kwargs) -> Result:
        with book.atomic():
            return method(book, *args, **kwargs)

    return run


@dataclass(frozen=True, slots=True)
class Holding:
    """A non-empty position as stored: `quantity` is units, the scaled balance for Aave
    supply and debt, or the size of a perp (short < 0)."""

    account: str
    instrument: Instrument
    quantity: float
    entry_price: float = 0.0
    isolated_margin: float = 0.0


@dataclass(frozen=True, slots=True)
class _Saved:
    units: UnitTable
    perps: PerpTable
    claims: dict[Key, tuple[Claim, ...]]
    emode: dict[str, str | None]
    settled: dict[Instrument, datetime]
    marks: Marks
    now: datetime
    ledger: LedgerMark


class BookCore:
    """Balances and positions of every account, the marks they are valued at, and the ledger.

    Values are in the share class at the current marks. Operations raise
    `InsufficientBalanceError` or `InvalidOperationError` and then leave the book exactly as
    it was.
    """

    def __init__(
        self,
        market: MarketConfig,
        share_class: ShareClass,
        start: datetime,
        marks: Mapping[str, float],
    ) -> None:
        """Open an empty book at `start` with initial `marks` (factor name → value).

        Raises InvalidOperationError for a naive `start`, a bad mark, or marks without the
        share class's price.
        """
        _aware("start", start)
        self.market = market
        self.share_class: ShareClass = share_class
        self._now = start
        self._marks = Marks(marks)
        self._share_column = self._marks.column(factors.price(share_class))
        self._units = UnitTable()
        self._perps = PerpTable()
        self._claims: dict[Key, tuple[Claim, ...]] = {}
        self._emode: dict[str, str | None] = {}
        self._settled: dict[Instrument, datetime] = {}  # last funding settlement per perp
        self._ledger = Ledger()
        self._depth = 0

    # -- reading -----------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The time of the last accrual (or the start)."""
        return self._now

    @property
    def units(self) -> UnitTable:
        """The unit-valued positions (read them, do not change them)."""
        return self._units

    @property
    def perps(self) -> PerpTable:
        """The perp positions (read them, do not change them)."""
        return self._perps

    @property
    def share_column(self) -> int:
        """The column of the share class's USD price in the marks."""
        return self._share_column

    @property
    def entries(self) -> Sequence[Entry]:
        """The ledger's entries of discrete events, oldest first."""
        return self._ledger.entries

    def marks(self) -> Marks:
        """Return a snapshot of the current marks (a copy)."""
        return self._marks.copy()

    def column(self, name: str) -> int:
        """The column of factor `name` in the marks vector (raises if never marked)."""
        return self._marks.column(name)

    def emode(self, account: str) -> str | None:
        """The Aave e-mode category of `account`, None for standard mode."""
        return self._emode.get(account)

    def claims(self, account: str, instrument: Instrument) -> tuple[Claim, ...]:
        """The dated claims of a withdrawal-queue or transfer position, oldest first."""
        return self._claims.get((account, instrument), ())

    def balance(self, account: str, instrument: Instrument) -> float:
        """Return the units held: Aave supply or debt at the current index, a perp's size."""
        key = (account, instrument)
        if instrument.kind is Kind.PERP:
            row = self._perps.rows.get(key)
            return 0.0 if row is None else float(self._perps.size[row])
        row = self._units.rows.get(key)
        return 0.0 if row is None else self._held(row)

    def holdings(self) -> tuple[Holding, ...]:
        """Return every non-empty position as stored, unit rows first, in row order."""
        units, perps = self._units, self._perps
        held = [
            Holding(account, instrument, float(units.quantity[row]))
            for row, (account, instrument) in enumerate(units.keys)
            if units.quantity[row] != 0.0
        ]
        held += [
            Holding(
                account,
                instrument,
                float(perps.size[row]),
                float(perps.entry[row]),
                float(perps.margin[row]),
            )
            for row, (account, instrument) in enumerate(perps.keys)
            if perps.size[row] != 0.0 or perps.margin[row] != 0.0
        ]
        return tuple(held)

    def equity(self) -> float:
        """Return assets − liabilities, perps at P&L plus isolated margin, in the share class."""
        values = self._marks.values
        unit = unit_values(self._units, values, self._share_column)
        perp = perp_values(self._perps, values, self._share_column)
        return float(unit.sum() + perp.sum())

    def attribution(self) -> dict[Category, float]:
        """Return the value booked per category since the start: entries plus accruals."""
        totals = self._ledger.totals()
        totals += accrued(self._units, self._perps)
        return {category: float(totals[COLUMN[category]]) for category in CATEGORIES}

    def compact_ledger(self) -> None:
        """Keep one ledger entry per position and category (`Ledger.compact`): attribution
        is unchanged, memory stays flat over a long live run. Not inside `atomic()`."""
        if self._depth:
            raise InvalidOperationError("the ledger cannot be compacted inside an atomic group")
        self._ledger.compact()

    def attribution_by_position(self) -> dict[Key, dict[Category, float]]:
        """Return the value booked per category for each (account, instrument) with any."""
        result: dict[Key, dict[Category, float]] = {}

        def add(key: Key, category: Category, amount: float) -> None:
            if amount != 0.0:
                per = result.setdefault(key, {})
                per[category] = per.get(category, 0.0) + amount

        units, perps = self._units, self._perps
        for row, key in enumerate(units.keys):
            interest = Category.BORROW_INTEREST if units.borrow[row] else Category.SUPPLY_INTEREST
            add(key, interest, float(units.pnl[row, UNIT_INTEREST]))
            add(key, Category.STAKING_YIELD, float(units.pnl[row, UNIT_STAKING]))
            add(key, Category.PRICE, float(units.pnl[row, UNIT_PRICE]))
            add(key, Category.LST_DISCOUNT, float(units.pnl[row, UNIT_DISCOUNT]))
        for row, key in enumerate(perps.keys):
            add(key, Category.PRICE, float(perps.pnl[row, PERP_PRICE]))
            add(key, Category.BASIS, float(perps.pnl[row, PERP_BASIS]))
        for entry in self._ledger.entries:
            add((entry.account, entry.instrument), entry.category, entry.amount)
        return result

    # -- accrual and revaluation (the hot path) ----------------------------------------------

    def accrue(
        self,
        at: datetime,
        marks: Mapping[str, float] = EMPTY,
        supply_apr: Mapping[str, float] = EMPTY,
        borrow_apr: Mapping[str, float] = EMPTY,
    ) -> None:
        """Move the book to `at` and revalue every position, booking the change by category.

        Aave indices of the assets in `supply_apr` / `borrow_apr` grow at those APRs over the
        time since the last accrual (Aave's rules, `mechanics.aave`); `marks` then sets
        observed factors. An index given in `marks` is a snap to the observed value, and the
        difference lands in the same interest category. Raises InvalidOperationError for a
        time before `now`, a naive time, a bad mark or rate, or an index never marked.
        """
        seconds = self._elapsed(at)
        updates = dict(marks)
        for asset, rate in supply_apr.items():
            name = factors.liquidity_index(asset)
            if name not in marks:
                updates[name] = aave.grow_liquidity_index(self._marks[name], rate, seconds)
        for asset, rate in borrow_apr.items():
            name = factors.borrow_index(asset)
            if name not in marks:
                updates[name] = aave.grow_borrow_index(self._marks[name], rate, seconds)
        before = self._marks.values.copy()
        self._marks.set(updates)
        self._now = at
        revalue(self._units, self._perps, before, self._marks.values, self._share_column)

    def accrue_path(
        self, times: Sequence[datetime], names: Sequence[str], values: npt.ArrayLike
    ) -> Floats:
        """Accrue T steps at once: factor `names[j]` takes `values[t, j]` at `times[t]`.

        For spans without discrete events (no trades, settlements or payouts inside): the
        result equals T calls of `accrue`, computed in one vectorised pass. Aave indices
        must be given as columns (observed or pre-grown). Returns the per-step attribution,
        shape `(T, len(CATEGORIES))`. Raises InvalidOperationError for unordered or naive
        times, a shape mismatch or a value that is not finite and > 0.
        """
        path = np.asarray(values, dtype=np.float64)
        if path.ndim != 2 or path.shape != (len(times), len(names)) or not len(times):
            raise InvalidOperationError(
                f"values of shape {path.shape} do not match {len(times)} times × {len(names)} names"
            )
        previous = self._now
        for at in times:
            _aware("time", at)
            if at < previous:
                raise InvalidOperationError(f"time {at.isoformat()} is before {previous}")
            previous = at
        if not (path > 0.0).all() or not np.isfinite(path).all():
            raise InvalidOperationError("accrue_path values must be finite and > 0")
        before = self._marks.values.copy()
        self._marks.set(dict(zip(names, path[-1].tolist(), strict=True)))
        columns = np.array([self._marks.column(name) for name in names], dtype=np.intp)
        grid = np.empty((len(times) + 1, len(self._marks)))
        grid[:] = self._marks.values
        grid[:, : len(before)] = before
        grid[1:, columns] = path
        self._now = times[-1]
        steps = np.zeros((len(times), len(CATEGORIES)))
        revalue(self._units, self._perps, grid[:-1], grid[1:], self._share_column, steps)
        return steps

    # -- atomic groups -----------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Group operations so that they all apply or, on any error, none does.

        On an exception inside the block the book (positions, claims, marks, time and
        ledger) is restored exactly and the exception propagates. Groups nest; a flash
        loan must be repaid before the outermost group ends, or it raises
        InvalidOperationError and rolls back.
        """
        saved = _Saved(
            self._units.copy(),
            self._perps.copy(),
            dict(self._claims),
            dict(self._emode),
            dict(self._settled),
            self._marks.copy(),
            self._now,
            self._ledger.mark(),
        )
        self._depth += 1
        try:
            yield
            if self._depth == 1:
                self._require_flash_repaid()
        except BaseException:  # roll back on anything, even Ctrl-C, then re-raise it
            self._units, self._perps = saved.units, saved.perps
            self._claims, self._emode = saved.claims, saved.emode
            self._settled = saved.settled
            self._marks, self._now = saved.marks, saved.now
            self._ledger.rollback(saved.ledger)
            raise
        finally:
            self._depth -= 1

    def _require_flash_repaid(self) -> None:
        units = self._units
        for row, (account, instrument) in enumerate(units.keys):
            if instrument.kind is Kind.FLASH and units.quantity[row] != 0.0:
                raise InvalidOperationError(
                    f"account {account!r}: flash loan {instrument} of "
                    f"{float(units.quantity[row])!r} not repaid at the end of the atomic group"
                )

    # -- primitives for the operation mixins -------------------------------------------------

    def _elapsed(self, at: datetime) -> float:
        _aware("time", at)
        if at < self._now:
            raise InvalidOperationError(
                f"time {at.isoformat()} is before the book's time {self._now.isoformat()}"
            )
        return (at - self._now).total_seconds()

    def _book(
        self, account: str, instrument: Instrument, category: Category, amount: float
    ) -> None:
        """Record a ledger entry at the book's time; a zero amount records nothing."""
        if amount != 0.0:
            self._ledger.record(Entry(self._now, account, instrument, category, amount))

    def _unit_price(self, instrument: Instrument) -> float:
        """Value in the share class of one unit of `instrument`'s asset (not scaled)."""
        columns = self._unit_columns(instrument)
        values = self._marks.values
        return float(
            values[columns[MARKET_RATE]] * values[columns[PRICE]] / values[self._share_column]
        )

    def _unit_columns(self, instrument: Instrument) -> tuple[int, int, int, int]:
        """Factor columns (index, protocol rate, market rate, USD price) of a unit instrument."""
        marks, symbol = self._marks, instrument.symbol
        index = 0
        if instrument.kind is Kind.SUPPLY:
            index = marks.column(factors.liquidity_index(symbol, instrument.venue))
        elif instrument.kind is Kind.DEBT:
            index = marks.column(factors.borrow_index(symbol, instrument.venue))
        if symbol in self.market.lsts:
            rate = marks.column(factors.protocol_rate(symbol))
            market = marks.column(factors.market_rate(symbol))
            return index, rate, market, marks.column(factors.price("ETH"))
        return index, 0, 0, marks.column(factors.price(symbol))

    def _unit_row(self, account: str, instrument: Instrument) -> int:
        key = (account, instrument)
        row = self._units.rows.get(key)
        if row is None:
            if instrument.kind is Kind.PERP:
                raise InvalidOperationError(f"{instrument} is a perp, not a unit balance")
            _require_account(account)
            sign = -1.0 if instrument.is_liability else 1.0
            borrow = instrument.kind is Kind.DEBT
            row = self._units.add(key, sign, self._unit_columns(instrument), borrow)
        return row

    def _held(self, row: int) -> float:
        """Units held on a unit row: Aave balances at the current index."""
        quantity = float(self._units.quantity[row])
        instrument = self._units.keys[row][1]
        if instrument.kind in SCALED:
            index = float(self._marks.values[self._units.columns[INDEX, row]])
            return aave.amount_from_scaled(quantity, index)
        return quantity

    def _increase(self, account: str, instrument: Instrument, amount: float) -> None:
        """Add `amount` units (Aave: minted as scaled balance at the current index)."""
        row = self._unit_row(account, instrument)
        if instrument.kind in SCALED:
            index = float(self._marks.values[self._units.columns[INDEX, row]])
            amount = aave.scaled_from_amount(amount, index)
        self._units.quantity[row] += amount

    def _decrease(self, account: str, instrument: Instrument, amount: float, verb: str) -> None:
        """Remove `amount` units; raise InsufficientBalanceError when fewer are held.

        Removing exactly the units held empties the row (no scaled-rounding residue).
        """
        row = self._units.rows.get((account, instrument))
        held = 0.0 if row is None else self._held(row)
        if row is None or amount > held:
            raise InsufficientBalanceError(
                f"account {account!r}: cannot {verb} {amount!r} of {instrument}; it holds {held!r}"
            )
        if amount == held:
            self._units.quantity[row] = 0.0
            return
        if instrument.kind in SCALED:
            index = float(self._marks.values[self._units.columns[INDEX, row]])
            amount = aave.scaled_from_amount(amount, index)
        # amount < held, so only float rounding of amount / index can overshoot the row.
        self._units.quantity[row] = max(float(self._units.quantity[row]) - amount, 0.0)

    def _add_claim(self, account: str, instrument: Instrument, claim: Claim) -> None:
        self._increase(account, instrument, claim.amount)
        key = (account, instrument)
        self._claims[key] = (*self._claims.get(key, ()), claim)

    def _settle_claims(self, account: str, instrument: Instrument) -> float:
        """Move every claim due by now to its destination; return the units moved."""
        key = (account, instrument)
        claims = self._claims.get(key, ())
        due = [claim for claim in claims if claim.due <= self._now]
        if not due:
            return 0.0
        remaining = tuple(claim for claim in claims if claim.due > self._now)
        self._claims[key] = remaining
        self._units.quantity[self._units.rows[key]] = math.fsum(c.amount for c in remaining)
        for claim in due:
            self._increase(account, claim.destination, claim.amount)
        return math.fsum(claim.amount for claim in due)

    @staticmethod
    def _require_kind(
        account: str, instrument: Instrument, kinds: frozenset[Kind], verb: str
    ) -> None:
        if instrument.kind not in kinds:
            allowed = sorted(kind.value for kind in kinds)
            raise InvalidOperationError(
                f"account {account!r}: cannot {verb} {instrument}; kind must be one of {allowed}"
            )

    @staticmethod
    def _require_amount(account: str, instrument: Instrument, amount: float, verb: str) -> None:
        if not 0.0 < amount < math.inf:
            raise InvalidOperationError(
                f"account {account!r}: {verb} {instrument}: amount must be finite and > 0, "
                f"got {amount!r}"
            )


def _aware(name: str, at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidOperationError(f"{name} must be timezone-aware (UTC), got {at!r}")


def _require_account(account: str) -> None:
    if not account or not account.isidentifier():
        raise InvalidOperationError(f"account name must be an identifier, got {account!r}")
