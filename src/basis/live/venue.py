"""The one interface between the live runtime and a venue: what it reads, what it sends.

Markets are named as the book names them: `binance:perp:BTCUSDT` for a linear perp and
`binance:spot:BTC` for a spot pair against the venue's cash (USDT on the CEXs). Amounts are
base units, always positive; the side says the direction. Adapters (ccxt venues, the paper
venue, the test fakes) implement `Venue` and translate their library's errors into the
three below, so the order manager can tell a definite refusal from an unknown fate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from basis.errors import BasisError

__all__ = [
    "FundingPaid",
    "Holdings",
    "OrderRejectedError",
    "OrderRequest",
    "OrderStatus",
    "PerpHolding",
    "Quote",
    "Side",
    "Venue",
    "VenueError",
    "VenueFill",
    "VenueOrder",
    "VenueUnavailableError",
]

Side = Literal["buy", "sell"]
OrderType = Literal["market", "limit"]
OrderStatus = Literal["open", "closed", "canceled", "rejected", "expired"]
"""ccxt's order statuses: `closed` is fully filled, `open` includes partially filled."""


class VenueError(BasisError):
    """A venue answered with something the adapter cannot use."""

    code = "VENUE_ERROR"


class OrderRejectedError(VenueError):
    """The venue definitely refused the order (balance, size, price, duplicate id after a
    lookup showed no such order): it will never fill."""

    code = "ORDER_REJECTED"


class VenueUnavailableError(VenueError):
    """No definite answer: a timeout, a dropped connection, a 5xx, or a 429 past its retries.
    An order sent in such a call has an unknown fate until reconciled by its client id."""

    code = "VENUE_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order as sent: the client id is the journal's, reused on every retry."""

    client_order_id: str
    market: str
    side: Side
    amount: float
    type: OrderType = "market"
    price: float | None = None
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """What the venue says about one order now."""

    client_order_id: str
    venue_order_id: str
    market: str
    side: Side
    amount: float
    filled: float
    status: OrderStatus
    average: float | None = None
    time: datetime | None = None  # when the venue created it, on the venue's clock


@dataclass(frozen=True, slots=True)
class VenueFill:
    """One execution, keyed by the venue's trade id (stored once, whatever reports it)."""

    trade_id: str
    venue_order_id: str
    client_order_id: str | None
    market: str
    side: Side
    amount: float
    price: float
    fee: float  # in `fee_asset`, positive when paid
    fee_asset: str
    time: datetime


@dataclass(frozen=True, slots=True)
class FundingPaid:
    """A funding settlement the venue booked on a position: > 0 received, < 0 paid."""

    funding_id: str
    market: str
    amount: float  # in the perp's quote asset
    time: datetime


@dataclass(frozen=True, slots=True)
class PerpHolding:
    size: float  # base units, short < 0
    entry: float


@dataclass(frozen=True, slots=True)
class Holdings:
    """An account as the venue reports it. `balances` are wallet totals per asset (spot and
    derivatives wallets added, realised P&L included, unrealised P&L excluded)."""

    balances: Mapping[str, float]
    positions: Mapping[str, PerpHolding] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Quote:
    """A market's prices now: `mark` for a perp (its mark price) or a spot pair (last
    trade); `index` the perp's spot reference; `funding_rate` the rate of the next
    settlement (per period), None for spot."""

    market: str
    mark: float
    time: datetime
    index: float | None = None
    funding_rate: float | None = None


@runtime_checkable
class Venue(Protocol):
    """A venue account. Every call may raise `VenueUnavailableError`; `place` and `cancel`
    may also raise `OrderRejectedError`."""

    name: str

    async def quotes(self, markets: Sequence[str]) -> dict[str, Quote]:
        """The current quote of each market."""
        ...

    async def holdings(self) -> Holdings:
        """Balances and open perp positions of the account."""
        ...

    async def place(self, request: OrderRequest) -> VenueOrder:
        """Send `request`. The same client id twice never makes two orders: a venue that
        already has it answers with that order (or the adapter fetches it)."""
        ...

    async def order(self, client_order_id: str, market: str) -> VenueOrder | None:
        """The order with this client id, or None when the venue never accepted it."""
        ...

    async def precise(self, market: str, amount: float) -> float:
        """`amount` at the venue's precision, as it would be sent (the journal records this
        amount). Raises `OrderRejectedError` when it is below the venue's smallest size."""
        ...

    async def open_orders(self) -> list[VenueOrder]:
        """Every open order of the account."""
        ...

    async def cancel(self, client_order_id: str, market: str) -> VenueOrder | None:
        """Cancel an open order; None when there was no such order."""
        ...

    async def fills(self, market: str, since: datetime) -> list[VenueFill]:
        """The account's executions in `market` at or after `since`, oldest first."""
        ...

    async def funding(self, since: datetime) -> list[FundingPaid]:
        """Funding booked on the account at or after `since`, oldest first."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
