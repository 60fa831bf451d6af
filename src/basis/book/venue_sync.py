"""What only a venue can tell the book: funding as paid, and balances as the venue holds them.

A live runner books funding from the venue's own records (`receive_funding`) and brings each
balance and perp position to what the venue reports (`reconcile_units`, `reconcile_perp`).
A difference is booked, never overwritten silently: in `reconciliation` (P&L the book did
not explain), or in `flows` for the opening balances of a run.
"""

from __future__ import annotations

import math

from basis.book import factors
from basis.book.core import TRADABLE, transaction
from basis.book.instruments import Instrument, Kind
from basis.book.ledger import Category
from basis.book.perpetuals import PerpetualOperations
from basis.errors import InvalidOperationError

__all__ = ["VenueSyncOperations"]


class VenueSyncOperations(PerpetualOperations):
    """Venue-reported funding and balances (mixed into `Book`)."""

    @transaction
    def receive_funding(self, account: str, instrument: Instrument, amount: float) -> float:
        """Book funding the venue paid on `instrument`: `amount` quote units (> 0 received)
        into venue cash, or the isolated margin. Returns the value in the share class."""
        if not math.isfinite(amount):
            raise InvalidOperationError(f"account {account!r}: funding {amount!r} is not finite")
        row = self._perp_row(account, instrument)
        cash = Instrument.token(instrument.venue, instrument.quote)
        if self.perps.isolated[row]:
            self.perps.margin[row] += amount
        else:
            self._settle_cash(account, cash, amount)
        value = amount * self._unit_price(cash)
        self._book(account, instrument, Category.FUNDING, value)
        return value

    @transaction
    def reconcile_units(
        self,
        account: str,
        instrument: Instrument,
        quantity: float,
        category: Category = Category.RECONCILIATION,
    ) -> float:
        """Set a venue balance (token or spot) to `quantity` as the venue reports it and book
        the value of the difference in `category`. Returns that value (share class)."""
        self._require_kind(account, instrument, TRADABLE, "reconcile")
        if not 0.0 <= quantity < math.inf:
            raise InvalidOperationError(
                f"account {account!r}: {instrument} balance must be finite and >= 0, "
                f"got {quantity!r}"
            )
        row = self._unit_row(account, instrument)
        difference = quantity - float(self.units.quantity[row])
        self.units.quantity[row] = quantity
        value = difference * self._unit_price(instrument)
        self._book(account, instrument, category, value)
        return value

    @transaction
    def reconcile_perp(
        self,
        account: str,
        instrument: Instrument,
        size: float,
        entry: float,
        category: Category = Category.RECONCILIATION,
    ) -> float:
        """Set a perp position to the venue's `size` and `entry` and book the change of its
        value, `size × (mark − entry)` in quote units, in `category`. Returns that value."""
        self._require_kind(account, instrument, frozenset({Kind.PERP}), "reconcile")
        if not (math.isfinite(size) and (size == 0.0 or 0.0 < entry < math.inf)):
            raise InvalidOperationError(
                f"account {account!r}: {instrument} needs a finite size and an entry > 0, "
                f"got size {size!r} at {entry!r}"
            )
        row = self._perp_row(account, instrument)
        table = self.perps
        old, old_entry = float(table.size[row]), float(table.entry[row])
        entry = entry if size else 0.0
        mark = self._marks[factors.mark(instrument)]
        change = size * (mark - entry) - old * (mark - old_entry)
        table.size[row], table.entry[row] = size, entry
        if old == 0.0 and size != 0.0:
            table.opened[row] = self._now
        elif size == 0.0:
            table.opened[row] = None
        value = change * self._unit_price(Instrument.token(instrument.venue, instrument.quote))
        self._book(account, instrument, category, value)
        return value
