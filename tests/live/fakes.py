"""A venue in memory for the live tests: it implements the `Venue` protocol (STYLE rule 4),
keeps orders, fills, positions and funding, and fails on request in each way a real venue
does. Tests drive the market with `execute` (a trade against an open order) and `expire`."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from basis.live.venue import (
    FundingPaid,
    Holdings,
    OrderRejectedError,
    OrderRequest,
    PerpHolding,
    Quote,
    VenueFill,
    VenueOrder,
    VenueUnavailableError,
)

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
FEE_RATE = 0.0005

Fault = Literal[
    "reject",  # a definite refusal: OrderRejectedError, no order
    "timeout_before",  # the request times out before the venue takes it: no order
    "timeout_after",  # the venue takes the order, then the answer times out
    "drop_answer",  # the venue takes the order, then the connection drops
    "rate_limited",  # 429 past the adapter's retries: no order
    "crash_before",  # basis dies (kill -9) while the request is on the wire: no order
    "crash_after",  # basis dies after the venue took the order, before the answer
]


class SimulatedCrash(BaseException):
    """basis dies here: no handler may run, like a kill -9 (hence BaseException)."""


class Clock:
    """A clock that moves `step` per reading; shared by the journal and the fake venue."""

    def __init__(self, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = T0
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class FakeVenue:
    """One account on one venue, in memory. Orders rest until `execute` trades them, unless
    `fill_market_orders` fills market orders whole at the market's price when placed."""

    def __init__(
        self,
        name: str = "binance",
        *,
        prices: dict[str, float] | None = None,
        balances: dict[str, float] | None = None,
        fill_market_orders: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.name = name
        self.prices = dict(prices or {})
        self.balances: dict[str, float] = dict(balances or {"USDT": 1_000_000.0})
        self.positions: dict[str, PerpHolding] = {}
        self.orders: dict[str, VenueOrder] = {}  # by client id, in acceptance order
        self.trades: list[VenueFill] = []
        self.payments: list[FundingPaid] = []
        self.faults: deque[Fault] = deque()
        self.down = False
        self.refuse_cancels = False  # cancels answer "unknown order" (filled meanwhile)
        self.gate: asyncio.Event | None = None  # when set, `place` waits for it (a slow send)
        self.place_calls: list[OrderRequest] = []  # every request that reached `place`
        self.fill_market_orders = fill_market_orders
        self._clock = clock or Clock()
        self._ids = itertools.count(1)

    # -- driving the fake ---------------------------------------------------------------

    def fail_next(self, *faults: Fault) -> None:
        """The next `place` calls fail in these ways, one each, in order."""
        self.faults.extend(faults)

    def execute(self, client_order_id: str, amount: float, price: float | None = None) -> VenueFill:
        """The market trades `amount` of an open order (at `price`, else the market's)."""
        order = self.orders[client_order_id]
        if order.status != "open" or order.filled + amount > order.amount * (1 + 1e-12):
            raise ValueError(f"cannot fill {amount} of {order}")
        price = price if price is not None else self.prices[order.market]
        fill = VenueFill(
            trade_id=f"{self.name}-t{next(self._ids)}",
            venue_order_id=order.venue_order_id,
            client_order_id=order.client_order_id,
            market=order.market,
            side=order.side,
            amount=amount,
            price=price,
            fee=amount * price * FEE_RATE,
            fee_asset="USDT",
            time=self._clock(),
        )
        self.trades.append(fill)
        filled = order.filled + amount
        paid = (order.average or 0.0) * order.filled + price * amount
        done = filled >= order.amount * (1 - 1e-12)
        self.orders[client_order_id] = replace(
            order, filled=filled, average=paid / filled, status="closed" if done else "open"
        )
        self._book(fill)
        return fill

    def expire(self, client_order_id: str) -> None:
        """The venue cancels an open order on its own (time in force, liquidation, …)."""
        order = self.orders[client_order_id]
        if order.status == "open":
            self.orders[client_order_id] = replace(order, status="expired")

    def pay_funding(self, market: str, amount: float) -> FundingPaid:
        paid = FundingPaid(f"{self.name}-f{next(self._ids)}", market, amount, self._clock())
        self.payments.append(paid)
        self.balances["USDT"] = self.balances.get("USDT", 0.0) + amount
        return paid

    def _book(self, fill: VenueFill) -> None:
        signed = fill.amount if fill.side == "buy" else -fill.amount
        _, kind, symbol = fill.market.split(":")
        cash = self.balances.get("USDT", 0.0) - fill.fee
        if kind == "perp":
            held = self.positions.get(fill.market, PerpHolding(0.0, fill.price))
            size = held.size + signed
            if abs(size) < 1e-12:
                self.positions.pop(fill.market, None)
            else:
                self.positions[fill.market] = PerpHolding(size, held.entry)
        else:
            self.balances[symbol] = self.balances.get(symbol, 0.0) + signed
            cash -= signed * fill.price
        self.balances["USDT"] = cash

    def _answer(self) -> None:
        if self.down:
            raise VenueUnavailableError(f"{self.name}: connection refused")

    # -- the Venue protocol -------------------------------------------------------------

    async def quotes(self, markets: Sequence[str]) -> dict[str, Quote]:
        self._answer()
        return {market: Quote(market, self.prices[market], self._clock()) for market in markets}

    async def holdings(self) -> Holdings:
        self._answer()
        return Holdings(dict(self.balances), dict(self.positions))

    async def place(self, request: OrderRequest) -> VenueOrder:
        self._answer()
        self.place_calls.append(request)
        if self.gate is not None:
            await self.gate.wait()
        fault = self.faults.popleft() if self.faults else None
        if fault == "reject":
            raise OrderRejectedError(f"{self.name}: insufficient margin")
        if fault == "timeout_before":
            raise VenueUnavailableError(f"{self.name}: read timed out")
        if fault == "rate_limited":
            raise VenueUnavailableError(f"{self.name}: 429 Too Many Requests")
        if fault == "crash_before":
            raise SimulatedCrash("killed with the request on the wire")
        if request.client_order_id not in self.orders:  # a duplicate id answers the first
            self.orders[request.client_order_id] = VenueOrder(
                client_order_id=request.client_order_id,
                venue_order_id=f"{self.name}-o{next(self._ids)}",
                market=request.market,
                side=request.side,
                amount=request.amount,
                filled=0.0,
                status="open",
            )
            if self.fill_market_orders and request.type == "market":
                self.execute(request.client_order_id, request.amount)
        if fault == "crash_after":
            raise SimulatedCrash("killed before the answer arrived")
        if fault in ("timeout_after", "drop_answer"):
            raise VenueUnavailableError(f"{self.name}: {fault.replace('_', ' ')}")
        return self.orders[request.client_order_id]

    async def precise(self, market: str, amount: float) -> float:
        return amount  # the fake trades any size

    async def order(self, client_order_id: str, market: str) -> VenueOrder | None:
        self._answer()
        return self.orders.get(client_order_id)

    async def open_orders(self) -> list[VenueOrder]:
        self._answer()
        return [order for order in self.orders.values() if order.status == "open"]

    async def cancel(self, client_order_id: str, market: str) -> VenueOrder | None:
        self._answer()
        if self.refuse_cancels:
            raise OrderRejectedError(f"{self.name}: unknown order sent")
        order = self.orders.get(client_order_id)
        if order is None:
            return None
        if order.status == "open":
            order = replace(order, status="canceled")
            self.orders[client_order_id] = order
        return order

    async def fills(self, market: str, since: datetime) -> list[VenueFill]:
        self._answer()
        return [fill for fill in self.trades if fill.market == market and fill.time >= since]

    async def funding(self, since: datetime) -> list[FundingPaid]:
        self._answer()
        return [paid for paid in self.payments if paid.time >= since]

    async def close(self) -> None:
        return None
