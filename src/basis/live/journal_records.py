"""What the order journal stores and hands out: order states and their legal moves, orders,
runs, events and the kill request, as immutable values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from basis.errors import JournalStateError
from basis.live.venue import OrderRequest, OrderType, Side, VenueFill

__all__ = [
    "FILL_TOLERANCE",
    "OPEN",
    "TERMINAL",
    "TRANSITIONS",
    "JournalEvent",
    "JournalOrder",
    "KillRequest",
    "LiveRun",
    "OrderState",
    "check_transition",
    "is_filled",
    "order_document",
]


class OrderState(StrEnum):
    """Where an order is in its life; the journal moves it only along `TRANSITIONS`."""

    PENDING = "pending"  # committed, not yet sent: the venue cannot know it
    SENT = "sent"  # committed right before the network call: the venue may know it
    ACKNOWLEDGED = "acknowledged"  # the venue has it, nothing filled
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"  # by us, the venue (expiry), or never sent (crash before send)
    REJECTED = "rejected"  # the venue definitely refused it
    UNKNOWN = "unknown"  # sent, no definite answer: settled only by reconciliation


TERMINAL: Final = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED})
OPEN: Final = frozenset(OrderState) - TERMINAL
"""Non-terminal states, `pending` and `unknown` included: what reconciliation visits."""

_AT_VENUE: Final = frozenset(
    {OrderState.ACKNOWLEDGED, OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELLED}
)

TRANSITIONS: Final[Mapping[OrderState, frozenset[OrderState]]] = {
    OrderState.PENDING: frozenset({OrderState.SENT, OrderState.CANCELLED}),
    OrderState.SENT: _AT_VENUE | {OrderState.REJECTED, OrderState.UNKNOWN},
    OrderState.UNKNOWN: _AT_VENUE | {OrderState.REJECTED},
    OrderState.ACKNOWLEDGED: _AT_VENUE - {OrderState.ACKNOWLEDGED},
    OrderState.PARTIALLY_FILLED: frozenset({OrderState.FILLED, OrderState.CANCELLED}),
    OrderState.FILLED: frozenset(),
    OrderState.CANCELLED: frozenset(),
    OrderState.REJECTED: frozenset(),
}
"""The legal moves. Staying in the same state is always allowed (an update, not a move)."""

FILL_TOLERANCE: Final = 1e-9
"""Relative: an order whose fills reach amount × (1 − this) is filled (venue rounding)."""


def check_transition(client_order_id: str, current: OrderState, target: OrderState) -> None:
    """Raise `JournalStateError` unless `current` → `target` is legal (or the same state)."""
    if target != current and target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (terminal)"
        raise JournalStateError(
            f"order {client_order_id}: cannot move from {current} to {target}; "
            f"allowed from {current}: {allowed}"
        )


def is_filled(filled: float, amount: float) -> bool:
    """True when `filled` completes an order of `amount`, to the venue's rounding."""
    return filled >= amount * (1.0 - FILL_TOLERANCE)


@dataclass(frozen=True, slots=True)
class JournalOrder:
    """One order as the journal knows it. `filled` is the sum of its stored fills and
    `average` their amount-weighted price (None before the first fill)."""

    client_order_id: str
    run_id: str
    seq: int
    venue: str
    market: str
    side: Side
    amount: float
    type: OrderType
    price: float | None
    reduce_only: bool
    intent: str
    state: OrderState
    venue_order_id: str | None
    filled: float
    average: float | None
    created_at: datetime
    updated_at: datetime
    error: str | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    def request(self) -> OrderRequest:
        """The order as sent: identical on every retry, so the venue sees one order."""
        return OrderRequest(
            client_order_id=self.client_order_id,
            market=self.market,
            side=self.side,
            amount=self.amount,
            type=self.type,
            price=self.price,
            reduce_only=self.reduce_only,
        )


@dataclass(frozen=True, slots=True)
class LiveRun:
    """One live or paper run: `status` is `running` until it stops (a crashed run stays
    `running`, which is how a restart finds it)."""

    run_id: str
    mode: str
    paper: bool
    config: dict[str, Any]
    started_at: datetime
    stopped_at: datetime | None
    status: str


@dataclass(frozen=True, slots=True)
class JournalEvent:
    """Something the runtime or a control wants on the record, with amounts by name."""

    event_id: int
    run_id: str | None
    time: datetime
    kind: str
    detail: str
    amounts: dict[str, float]


@dataclass(frozen=True, slots=True)
class KillRequest:
    """The kill switch is on: no new orders; `flatten` also closes positions."""

    flatten: bool
    reason: str
    requested_at: datetime


def order_document(order: JournalOrder, fills: Sequence[VenueFill]) -> dict[str, Any]:
    """One order and its fills as plain JSON values (`basis live orders --json`): times
    as ISO 8601 UTC, `symbol` the market's last part (`BTCUSDT` of `binance:perp:BTCUSDT`)."""
    return {
        "client_order_id": order.client_order_id,
        "run_id": order.run_id,
        "seq": order.seq,
        "venue": order.venue,
        "market": order.market,
        "symbol": order.market.rsplit(":", 1)[-1],
        "side": order.side,
        "amount": order.amount,
        "type": order.type,
        "price": order.price,
        "reduce_only": order.reduce_only,
        "intent": order.intent,
        "state": order.state.value,
        "venue_order_id": order.venue_order_id,
        "filled": order.filled,
        "average": order.average,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "error": order.error,
        "fills": [
            {
                "trade_id": fill.trade_id,
                "amount": fill.amount,
                "price": fill.price,
                "fee": fill.fee,
                "fee_asset": fill.fee_asset,
                "time": fill.time.isoformat(),
            }
            for fill in fills
        ],
    }
