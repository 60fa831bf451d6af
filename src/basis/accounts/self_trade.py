"""Cross-account self-trade prevention: one view of the open orders of every managed
account, keyed by venue and symbol, and the pure check that refuses an order which could
match a resting order of another managed account (docs/accounts.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["OpenOrder", "OrderView", "check", "crosses", "market_key"]

Side = Literal["buy", "sell"]
OrderType = Literal["market", "limit"]


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order of a managed account that may still execute: a limit order resting (or on
    its way), or a market order whose fate is not yet known. `price` is None for market."""

    account: str
    market: str  # venue:kind:symbol, as the book names it
    side: Side
    type: OrderType
    price: float | None
    order_id: str = ""


def market_key(market: str) -> tuple[str, str]:
    """(venue, symbol) of a market name: `binance:perp:BTCUSDT` → (binance, perp:BTCUSDT).
    Spot and perp books of one venue are different books, so the kind stays in the symbol."""
    venue, _, symbol = market.partition(":")
    return venue, symbol


def crosses(new: OpenOrder, resting: OpenOrder) -> bool:
    """True when `new` could trade against `resting`: same book, opposite sides, and prices
    that meet. A market order on either side meets any price (it takes what is there, and
    a market order in flight may still take an order placed after it)."""
    if market_key(new.market) != market_key(resting.market) or new.side == resting.side:
        return False
    if new.price is None or resting.price is None or new.type == "market":
        return True
    if resting.type == "market":
        return True
    return new.price >= resting.price if new.side == "buy" else new.price <= resting.price


class OrderView:
    """The open orders of every managed account, by (venue, symbol)."""

    def __init__(self, orders: Iterable[OpenOrder]) -> None:
        self._books: dict[tuple[str, str], list[OpenOrder]] = defaultdict(list)
        for order in orders:
            self._books[market_key(order.market)].append(order)

    def book(self, market: str) -> list[OpenOrder]:
        """Every managed open order in the book of `market`."""
        return list(self._books.get(market_key(market), ()))

    def conflicts(self, new: OpenOrder) -> list[OpenOrder]:
        """Resting orders of *other* managed accounts that `new` could trade against. An
        account's own orders are the venue's self-trade prevention (one account)."""
        return [
            resting
            for resting in self.book(new.market)
            if resting.account != new.account and crosses(new, resting)
        ]


def check(view: OrderView, new: OpenOrder) -> str | None:
    """Why `new` is refused (a wash trade with another managed account), or None."""
    found = view.conflicts(new)
    if not found:
        return None
    first = found[0]
    where = "at market" if first.price is None else f"at {first.price:g}"
    what = "market" if new.price is None else f"limit {new.price:g}"
    return (
        f"self-trade prevention: {new.side} {what} on {new.market} for account {new.account} "
        f"could match the resting {first.side} {where} of managed account {first.account} "
        f"(order {first.order_id or '?'}{f' and {len(found) - 1} more' if len(found) > 1 else ''})"
        "; trades between managed accounts are wash trades and are never sent"
    )
