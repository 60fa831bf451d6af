"""Transfers between venues on the book: a fee on sending, the funds in flight until credited.

Funds sent from `source` to `destination` (the same asset at two venues) leave the source
at once; the fee (`mechanics.transfers.transfer`, the venue's `transfer` config) is booked
as `transfer_fees`, and the rest is held as `destination-venue:transfer:SYMBOL` until it
arrives and `settle_transfers` credits it.
"""

from __future__ import annotations

from datetime import datetime

from basis.book.core import TRADABLE, BookCore, transaction
from basis.book.instruments import Instrument, Kind
from basis.book.ledger import Category
from basis.book.positions import Claim
from basis.config.venues import TransferConfig
from basis.errors import InvalidOperationError
from basis.mechanics import transfers
from basis.mechanics.transfers import Transfer

__all__ = ["TransferOperations"]


class TransferOperations(BookCore):
    """Transfer operations (mixed into `Book`)."""

    @transaction
    def send(
        self, account: str, source: Instrument, destination: Instrument, amount: float
    ) -> Transfer:
        """Send `amount` units from `source` to `destination`, arriving after the delay.

        The terms are the destination venue's `transfer` config, else the source's (the
        exchange side of a wallet transfer). Returns the transfer. Raises
        InsufficientBalanceError beyond the source balance, InvalidOperationError for
        different assets, the same venue, no configured venue, or a fee not below the
        amount.
        """
        for instrument in (source, destination):
            self._require_kind(account, instrument, TRADABLE, "transfer")
        if source.symbol != destination.symbol or source.venue == destination.venue:
            raise InvalidOperationError(
                f"account {account!r}: a transfer moves one asset between venues, "
                f"got {source} → {destination}"
            )
        self._require_amount(account, source, amount, "transfer")
        unit_value = self._unit_price(source)
        usd_price = unit_value * float(self._marks.values[self.share_column])
        sent = transfers.transfer(
            amount, self._now, self._terms(source, destination), asset_price_usd=usd_price
        )
        self._decrease(account, source, amount, "transfer")
        flight = Instrument(destination.venue, Kind.TRANSFER, destination.symbol)
        self._add_claim(account, flight, Claim(sent.amount_received, sent.arrives_at, destination))
        self._book(account, source, Category.TRANSFER_FEES, -sent.fee * unit_value)
        return sent

    @transaction
    def settle_transfers(self) -> float:
        """Credit every transfer that has arrived by now; return the units credited."""
        moved = 0.0
        for account, instrument in list(self._claims):
            if instrument.kind is Kind.TRANSFER:
                moved += self._settle_claims(account, instrument)
        return moved

    def next_transfer_due(self) -> datetime | None:
        """When the earliest transfer in flight arrives; None when nothing is in flight."""
        dues = [
            claim.due
            for (_, instrument), claims in self._claims.items()
            if instrument.kind is Kind.TRANSFER
            for claim in claims
        ]
        return min(dues, default=None)

    def _terms(self, source: Instrument, destination: Instrument) -> TransferConfig:
        for venue in (destination.venue, source.venue):
            if venue in self.market.venues:
                return self.market.venues[venue].transfer
        raise InvalidOperationError(
            f"no transfer terms for {source} → {destination}: neither venue is configured"
        )
