"""The crash-safe order journal: every live order, fill and funding payment, committed to the
results database before anything acts on it (DESIGN §6, docs/live.md)."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from basis.errors import JournalError, JournalStateError
from basis.live.client_ids import client_order_id
from basis.live.journal_controls import ATTEMPTS, KILL_MODE, JournalControls
from basis.live.journal_records import (
    OPEN,
    JournalOrder,
    OrderState,
    check_transition,
    is_filled,
)
from basis.live.venue import FundingPaid, OrderType, Side, VenueFill
from basis.store.schema import live_fills, live_funding, live_orders, live_runs

__all__ = ["KILL_MODE", "Journal"]

_VENUE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")  # a venue, or an account named for one


class Journal(JournalControls):
    """Live runs and their orders in the results database (SQLite or PostgreSQL).

    Every method commits on its own, unless called inside `with journal.unit():`, where
    all calls commit together or not at all. Open with `Journal.open(url)`; use it as a
    context manager or call `close()`.
    """

    # -- orders -------------------------------------------------------------------------

    def record_order(
        self,
        run_id: str,
        venue: str,
        market: str,
        side: Side,
        amount: float,
        intent: str,
        type: OrderType = "market",
        price: float | None = None,
        reduce_only: bool = False,
    ) -> JournalOrder:
        """Journal a new order as `pending` with the run's next sequence number and its
        deterministic client id; committed before returning (outside a unit).

        Raises `JournalError` for an unknown run and `ValueError` for an impossible order
        (amount not finite and positive, a limit order without a positive price).
        """
        _check_order(venue, side, amount, type, price)
        attempts = ATTEMPTS
        while True:  # a sequence number taken by a concurrent writer is drawn again
            try:
                with self._begin() as connection:
                    self._run(connection, run_id, lock=True)
                    last = connection.execute(
                        sa.select(sa.func.max(live_orders.c.seq)).where(
                            live_orders.c.run_id == run_id
                        )
                    ).scalar_one()
                    seq = (last or 0) + 1
                    now = self.now()
                    row = {
                        # the id follows the rule of the venue the market is on (the
                        # `venue` column names the account, which may be called otherwise)
                        "client_order_id": client_order_id(_venue_of(market, venue), run_id, seq),
                        "run_id": run_id,
                        "seq": seq,
                        "venue": venue,
                        "market": market,
                        "side": side,
                        "amount": amount,
                        "type": type,
                        "price": price,
                        "reduce_only": reduce_only,
                        "intent": intent,
                        "state": OrderState.PENDING.value,
                        "venue_order_id": None,
                        "filled": 0.0,
                        "average": None,
                        "created_at": now,
                        "updated_at": now,
                        "error": None,
                    }
                    connection.execute(sa.insert(live_orders), row)
                    return _order(row)
            except IntegrityError:
                attempts -= 1
                if self.in_unit or attempts == 0:
                    raise

    def order(self, client_order_id: str) -> JournalOrder:
        """The order with this client id; raises `JournalError` when there is none."""
        with self._begin() as connection:
            return self._order(connection, client_order_id)

    def find_order(self, client_order_id: str) -> JournalOrder | None:
        """The order with this client id, or None when the journal has none."""
        with self._begin() as connection:
            return self._find(connection, live_orders.c.client_order_id == client_order_id)

    def _order(self, connection: sa.Connection, client_order_id: str) -> JournalOrder:
        found = self._find(connection, live_orders.c.client_order_id == client_order_id)
        if found is None:
            raise JournalError(f"no order with client id {client_order_id!r} in the journal")
        return found

    def _find(self, connection: sa.Connection, *where: Any) -> JournalOrder | None:
        row = connection.execute(sa.select(live_orders).where(*where)).mappings().first()
        return None if row is None else _order(row)

    def transition(
        self,
        client_order_id: str,
        state: OrderState,
        *,
        venue_order_id: str | None = None,
        error: str | None = None,
    ) -> JournalOrder:
        """Move an order to `state` (staying is an update), keeping the venue's order id and
        an error text when given. Raises `JournalStateError` for an illegal move."""
        with self._begin() as connection:
            order = self._order(connection, client_order_id)
            check_transition(client_order_id, order.state, state)
            changes: dict[str, Any] = {"state": state.value, "updated_at": self.now()}
            if venue_order_id is not None:
                changes["venue_order_id"] = venue_order_id
            if error is not None:
                changes["error"] = error
            moved = connection.execute(
                sa.update(live_orders)
                .where(
                    live_orders.c.client_order_id == client_order_id,
                    live_orders.c.state == order.state.value,  # compare and set
                )
                .values(**changes)
            )
            if moved.rowcount != 1:
                raise JournalStateError(
                    f"order {client_order_id} left {order.state} while moving it to {state}"
                )
            return self._order(connection, client_order_id)

    def orders(
        self,
        run_id: str | None = None,
        states: Collection[OrderState] | None = None,
        venue: str | None = None,
        paper: bool | None = None,
    ) -> list[JournalOrder]:
        """Orders oldest first, of one run, in some states, of one venue, of paper or live
        runs (all by default)."""
        query = sa.select(live_orders).order_by(
            live_orders.c.created_at, live_orders.c.run_id, live_orders.c.seq
        )
        if run_id is not None:
            query = query.where(live_orders.c.run_id == run_id)
        if states is not None:
            query = query.where(live_orders.c.state.in_([state.value for state in states]))
        if venue is not None:
            query = query.where(live_orders.c.venue == venue)
        if paper is not None:
            query = query.join(live_runs).where(live_runs.c.paper == paper)
        with self._begin() as connection:
            return [_order(row) for row in connection.execute(query).mappings()]

    def open_orders(
        self, venue: str | None = None, paper: bool | None = None
    ) -> list[JournalOrder]:
        """Every non-terminal order of every run (of paper or live runs only, when given),
        `pending` and `unknown` included."""
        return self.orders(states=OPEN, venue=venue, paper=paper)

    def live_open_orders(self) -> list[JournalOrder]:
        """Every non-terminal order of every live (not paper) run: what may be at a venue."""
        query = (
            sa.select(live_orders)
            .join(live_runs, live_runs.c.run_id == live_orders.c.run_id)
            .where(~live_runs.c.paper, live_orders.c.state.in_([state.value for state in OPEN]))
        )
        with self._begin() as connection:
            return [_order(row) for row in connection.execute(query).mappings()]

    def order_times(self, since: datetime, venue: str | None = None) -> list[datetime]:
        """When orders (of `venue`, or all) were journalled at or after `since`."""
        query = sa.select(live_orders.c.created_at).where(live_orders.c.created_at >= since)
        if venue is not None:
            query = query.where(live_orders.c.venue == venue)
        with self._begin() as connection:
            return list(connection.execute(query).scalars())

    # -- fills and funding --------------------------------------------------------------

    def add_fill(self, venue: str, fill: VenueFill) -> bool:
        """Store a fill once per (venue, trade id) and add it to its order's filled amount,
        average price and state. False when the fill was already stored.

        The order is found by the fill's client id, else by its venue order id. Raises
        `JournalError` when neither names a journal order, the market or side differ, or
        the fill overfills the order; `JournalStateError` when the order cannot fill (it
        was never sent, or is already terminal).
        """
        with self._begin() as connection:
            stored = connection.execute(
                sa.select(live_fills.c.trade_id).where(
                    live_fills.c.venue == venue, live_fills.c.trade_id == fill.trade_id
                )
            ).first()
            if stored is not None:
                return False
            order = self._order_of(connection, venue, fill)
            filled = order.filled + fill.amount
            if not filled <= order.amount * (1.0 + 1e-9):
                raise JournalError(
                    f"fill {fill.trade_id} on {venue} of {fill.amount} takes order "
                    f"{order.client_order_id} to {filled}, beyond its amount {order.amount}"
                )
            state = (
                OrderState.FILLED
                if is_filled(filled, order.amount)
                else OrderState.PARTIALLY_FILLED
            )
            check_transition(order.client_order_id, order.state, state)
            paid = (order.average or 0.0) * order.filled + fill.price * fill.amount
            connection.execute(
                sa.insert(live_fills),
                {
                    "venue": venue,
                    "trade_id": fill.trade_id,
                    "client_order_id": order.client_order_id,
                    "venue_order_id": fill.venue_order_id,
                    "market": fill.market,
                    "side": fill.side,
                    "amount": fill.amount,
                    "price": fill.price,
                    "fee": fill.fee,
                    "fee_asset": fill.fee_asset,
                    "time": fill.time,
                    "recorded_at": self.now(),
                    "booked_at": None,
                },
            )
            moved = connection.execute(
                sa.update(live_orders)
                .where(
                    live_orders.c.client_order_id == order.client_order_id,
                    live_orders.c.state == order.state.value,  # compare and set
                    live_orders.c.filled == order.filled,
                )
                .values(
                    state=state.value,
                    filled=filled,
                    average=paid / filled,
                    venue_order_id=order.venue_order_id or fill.venue_order_id,
                    updated_at=self.now(),
                )
            )
            if moved.rowcount != 1:
                raise JournalStateError(
                    f"order {order.client_order_id} changed while adding fill {fill.trade_id}"
                )
            return True

    def _order_of(self, connection: sa.Connection, venue: str, fill: VenueFill) -> JournalOrder:
        order = None
        if fill.client_order_id is not None:
            order = self._find(connection, live_orders.c.client_order_id == fill.client_order_id)
        if order is None:
            order = self._find(
                connection,
                live_orders.c.venue == venue,
                live_orders.c.venue_order_id == fill.venue_order_id,
            )
        if order is None or order.venue != venue:
            raise JournalError(
                f"fill {fill.trade_id} on {venue}: no journal order with client id "
                f"{fill.client_order_id!r} or venue order id {fill.venue_order_id!r}"
            )
        if (order.market, order.side) != (fill.market, fill.side):
            raise JournalError(
                f"fill {fill.trade_id} on {venue} is a {fill.side} of {fill.market}, but order "
                f"{order.client_order_id} is a {order.side} of {order.market}"
            )
        return order

    def fills(
        self,
        client_order_id: str | None = None,
        run_id: str | None = None,
        *,
        unbooked: bool = False,
    ) -> list[tuple[str, VenueFill]]:
        """Stored fills as (venue, fill), in fill time order, of one order or one run;
        with `unbooked`, only those not yet marked booked (see `mark_booked`)."""
        query = sa.select(live_fills).order_by(live_fills.c.time, live_fills.c.trade_id)
        if client_order_id is not None:
            query = query.where(live_fills.c.client_order_id == client_order_id)
        if run_id is not None:
            query = query.join(live_orders).where(live_orders.c.run_id == run_id)
        if unbooked:
            query = query.where(live_fills.c.booked_at.is_(None))
        with self._begin() as connection:
            return [(row["venue"], _fill(row)) for row in connection.execute(query).mappings()]

    def orders_with_fills(
        self, run_id: str | None = None
    ) -> list[tuple[JournalOrder, list[VenueFill]]]:
        """Every order (of one run) oldest first, each with its fills in time order."""
        by_order: dict[str, list[VenueFill]] = {}
        for _, fill in self.fills(run_id=run_id):
            by_order.setdefault(fill.client_order_id or "", []).append(fill)
        return [
            (order, by_order.get(order.client_order_id, [])) for order in self.orders(run_id=run_id)
        ]

    def add_funding(self, venue: str, funding: FundingPaid) -> bool:
        """Store a funding payment once per (venue, funding id); False when already there."""
        with self._begin() as connection:
            stored = connection.execute(
                sa.select(live_funding.c.funding_id).where(
                    live_funding.c.venue == venue,
                    live_funding.c.funding_id == funding.funding_id,
                )
            ).first()
            if stored is not None:
                return False
            connection.execute(
                sa.insert(live_funding),
                {
                    "venue": venue,
                    "funding_id": funding.funding_id,
                    "market": funding.market,
                    "amount": funding.amount,
                    "time": funding.time,
                    "recorded_at": self.now(),
                    "booked_at": None,
                },
            )
            return True

    def funding(
        self, venue: str | None = None, *, unbooked: bool = False
    ) -> list[tuple[str, FundingPaid]]:
        """Stored funding payments as (venue, payment), oldest first; with `unbooked`, only
        those not yet marked booked."""
        query = sa.select(live_funding).order_by(live_funding.c.time, live_funding.c.funding_id)
        if venue is not None:
            query = query.where(live_funding.c.venue == venue)
        if unbooked:
            query = query.where(live_funding.c.booked_at.is_(None))
        with self._begin() as connection:
            return [
                (
                    row["venue"],
                    FundingPaid(row["funding_id"], row["market"], row["amount"], row["time"]),
                )
                for row in connection.execute(query).mappings()
            ]

    def mark_booked(
        self,
        fills: Iterable[tuple[str, VenueFill]] = (),
        funding: Iterable[tuple[str, FundingPaid]] = (),
    ) -> None:
        """Mark fills and funding payments as booked into the book. Called in the same unit
        as the checkpoint that holds the booked book, it makes booking exactly-once across
        crashes: what is stored but unbooked at a restart is booked then."""
        now = self.now()
        with self._begin() as connection:
            for venue, fill in fills:
                connection.execute(
                    sa.update(live_fills)
                    .where(live_fills.c.venue == venue, live_fills.c.trade_id == fill.trade_id)
                    .values(booked_at=now)
                )
            for venue, paid in funding:
                connection.execute(
                    sa.update(live_funding)
                    .where(
                        live_funding.c.venue == venue,
                        live_funding.c.funding_id == paid.funding_id,
                    )
                    .values(booked_at=now)
                )


def _venue_of(market: str, account: str) -> str:
    """The venue of `market` (`binance:perp:BTCUSDT` → binance); `account` if unnamed."""
    venue, separator, _ = market.partition(":")
    return venue if separator else account


def _check_order(venue: str, side: str, amount: float, type: str, price: float | None) -> None:
    if not _VENUE.fullmatch(venue):
        raise ValueError(f"account {venue!r} is not a lower-case name of at most 32 characters")
    if side not in ("buy", "sell"):
        raise ValueError(f"order side {side!r} is not buy or sell")
    if not (math.isfinite(amount) and amount > 0.0):
        raise ValueError(f"order amount {amount} is not a finite positive number")
    if type not in ("market", "limit"):
        raise ValueError(f"order type {type!r} is not market or limit")
    if type == "limit" and not (price is not None and math.isfinite(price) and price > 0.0):
        raise ValueError(f"a limit order needs a finite positive price, got {price}")


def _order(row: Mapping[Any, Any]) -> JournalOrder:
    return JournalOrder(**{**row, "state": OrderState(row["state"])})


def _fill(row: Mapping[Any, Any]) -> VenueFill:
    return VenueFill(
        trade_id=row["trade_id"],
        venue_order_id=row["venue_order_id"],
        client_order_id=row["client_order_id"],
        market=row["market"],
        side=row["side"],
        amount=row["amount"],
        price=row["price"],
        fee=row["fee"],
        fee_asset=row["fee_asset"],
        time=row["time"],
    )
