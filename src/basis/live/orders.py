"""The order manager: journal first, then the venue; and reconciliation of the journal with the
venues by client order id, so no order is lost or duplicated across a crash (docs/live.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, NoReturn

from basis.accounts.self_trade import OpenOrder, OrderView, check
from basis.config.limits import LimitsConfig
from basis.errors import JournalError, OrderRefusedError, SelfTradeRefusedError
from basis.live.journal import Journal
from basis.live.journal_records import JournalOrder, OrderState, is_filled
from basis.live.limits import OrderExposure, check_order
from basis.live.venue import (
    FundingPaid,
    OrderRejectedError,
    OrderType,
    Side,
    Venue,
    VenueFill,
    VenueOrder,
    VenueUnavailableError,
)

__all__ = ["FILL_LOOKBACK", "NEVER_SENT", "CancelResult", "OrderManager"]

FILL_LOOKBACK: Final = timedelta(minutes=1)
"""Fills are asked for from an order's journal time minus this (clock skew with the venue)."""

NEVER_SENT: Final = "never sent (crash before send)"
NOT_AT_VENUE: Final = "not at the venue (the send never arrived)"
RATE_WINDOW: Final = timedelta(minutes=1)
_UNSETTLED: Final = frozenset({OrderState.PENDING, OrderState.SENT, OrderState.UNKNOWN})

Fills = list[tuple[str, VenueFill]]


@dataclass(frozen=True, slots=True)
class CancelResult:
    """What `cancel_all` did: the orders the venues cancelled, and per venue the error that
    stopped it (that venue's orders may still be open)."""

    cancelled: list[tuple[str, VenueOrder]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class OrderManager:
    """Sends orders for one run through the journal, and brings the journal in line with
    the venues. Venue refusals and unknown fates are order states, never exceptions.

    A venue's key in `venues` names the account the orders are for (the journal's `venue`
    column); markets name the venue itself (`binance:perp:BTCUSDT`). Before any order is
    journalled, cross-account self-trade prevention checks it against the open orders of
    every managed account in the journal (enforced, never configurable); each order,
    cancel and refusal is an audit entry.

    `limits` (None: no pre-trade limits) are checked on every `submit`. An order sent or
    of unknown fate that the venue does not know is cancelled in the journal only once it
    is `not_found_after` old, so a send still in flight is not declared lost.
    """

    def __init__(
        self,
        journal: Journal,
        venues: Mapping[str, Venue],
        run_id: str,
        *,
        limits: LimitsConfig | None = None,
        not_found_after: timedelta = timedelta(seconds=30),
    ) -> None:
        self.journal = journal
        self.venues = dict(venues)
        self.run_id = run_id
        self.paper = journal.run(run_id).paper
        """Paper and live orders never mix: reconciliation visits only this kind's."""
        self.actor = f"run:{run_id}"
        """Who the audit log names for this manager's orders."""
        self.limits = limits
        self.not_found_after = not_found_after
        self.degraded: dict[str, str] = {}
        """Venues whose last reconciliation failed, with the error: shown, not hidden."""
        self._reported: set[tuple[str, str]] = set()
        self._in_flight: set[str] = set()  # client ids whose `place` is awaited now

    # -- sending ------------------------------------------------------------------------

    async def submit(
        self,
        venue: str,
        market: str,
        side: Side,
        amount: float,
        intent: str,
        *,
        type: OrderType = "market",
        price: float | None = None,
        reduce_only: bool = False,
        exposure: OrderExposure | None = None,
    ) -> JournalOrder:
        """Journal the order (`pending`, committed), mark it `sent` (committed), send it and
        journal the venue's answer; return the order in its state.

        Raises `OrderRefusedError` (after recording an `order_refused` event) while the kill
        switch is on or when a limit refuses it: such an order is never journalled or sent.
        `exposure` is required when the manager has limits. Raises `JournalError` inside a
        unit of work, where `pending` would not be durable before the send.
        """
        self._sendable(venue)
        reason = self._refusal(venue, exposure)
        if reason is not None:
            self.journal.record_event(
                self.run_id,
                "order_refused",
                f"{side} {amount} {market} on {venue} ({intent}): {reason}",
                {"amount": amount},
            )
            details = {"account": venue, "side": side, "amount": amount, "reason": reason}
            self.journal.audit(self.actor, "order.refused", market, details)
            raise OrderRefusedError(reason)
        return await self._place(venue, market, side, amount, intent, type, price, reduce_only)

    async def flatten(self, venue: str, market: str, side: Side, amount: float) -> JournalOrder:
        """Send a closing market order that passes the kill switch and the limits: only the
        kill switch calls it. Reduce-only on perps; spot has no reduce-only, and selling at
        most the balance held cannot open a position."""
        reduce_only = ":perp:" in market
        intent = "kill switch: flatten"
        return await self._place(venue, market, side, amount, intent, "market", None, reduce_only)

    async def _place(
        self,
        venue: str,
        market: str,
        side: Side,
        amount: float,
        intent: str,
        type: OrderType,
        price: float | None,
        reduce_only: bool,
    ) -> JournalOrder:
        target = self._sendable(venue)
        try:
            amount = await target.precise(market, amount)
        except OrderRejectedError as error:
            self.journal.record_event(
                self.run_id, "order_refused", f"{side} {market} on {venue}: {error.message}", {}
            )
            raise OrderRefusedError(error.message) from None
        new = OpenOrder(venue, market, side, type, price if type == "limit" else None)
        with self.journal.unit():  # the check and the pending order are one step
            self.journal.lock_orders()
            refusal = check(self._managed_orders(), new)
            if refusal is None:
                order = self.journal.record_order(
                    self.run_id, venue, market, side, amount, intent, type, price, reduce_only
                )
                details = {
                    "account": venue,
                    "market": market,
                    "side": side,
                    "amount": amount,
                    "type": type,
                    "price": price,
                    "reduce_only": reduce_only,
                    "intent": intent,
                }
                self.journal.audit(self.actor, "order.submit", order.client_order_id, details)
        if refusal is not None:
            self._refuse_self_trade(new, amount, intent, refusal)
        order = self.journal.transition(order.client_order_id, OrderState.SENT)
        self._in_flight.add(order.client_order_id)  # reconciliation leaves it alone
        try:
            return await self._send(target, order)
        finally:
            self._in_flight.discard(order.client_order_id)

    async def _send(self, venue: Venue, order: JournalOrder) -> JournalOrder:
        """Place a `sent` order and journal the answer: a refusal and no answer are states."""
        try:
            answer = await venue.place(order.request())
        except OrderRejectedError as error:
            return self.journal.transition(
                order.client_order_id, OrderState.REJECTED, error=error.message
            )
        except VenueUnavailableError as error:
            return self.journal.transition(
                order.client_order_id, OrderState.UNKNOWN, error=error.message
            )
        await self._settle(order, answer, {})
        return self.journal.order(order.client_order_id)

    def _sendable(self, venue: str) -> Venue:
        """The venue to send to; raises `JournalError` inside a unit of work (where the
        journal's `pending` and `sent` would not be durable before the network call)."""
        if self.journal.in_unit:
            raise JournalError("orders cannot be sent inside a unit of work: pending must commit")
        return self._venue(venue)

    def _managed_orders(self) -> OrderView:
        """Every order of every managed account that may still execute: open limit orders,
        and market orders whose fate is unknown (pending, sent, unknown)."""
        return OrderView(
            OpenOrder(o.venue, o.market, o.side, o.type, o.price, o.client_order_id)
            for o in self.journal.live_open_orders()  # paper orders never reach a venue
            if o.type == "limit" or o.state in _UNSETTLED
        )

    def _refuse_self_trade(
        self, new: OpenOrder, amount: float, intent: str, reason: str
    ) -> NoReturn:
        self.journal.record_event(
            self.run_id,
            "self_trade_refused",
            f"{new.side} {amount} {new.market} on {new.account} ({intent}): {reason}",
            {"amount": amount},
        )
        details = {"account": new.account, "side": new.side, "amount": amount, "price": new.price}
        self.journal.audit(self.actor, "order.self_trade_refused", new.market, details)
        raise SelfTradeRefusedError(reason)

    def _refusal(self, venue: str, exposure: OrderExposure | None) -> str | None:
        """Why the kill switch or a limit refuses an order now, or None."""
        kill = self.journal.kill_request()
        if kill is not None:
            return f"kill switch on since {kill.requested_at.isoformat()}: {kill.reason}"
        if self.limits is None:
            return None
        if exposure is None:
            raise ValueError("this order manager has limits: submit needs the order's exposure")
        now = self.journal.now()
        since = now - RATE_WINDOW
        refusal = check_order(
            self.limits,
            venue,
            exposure,
            account_orders=self.journal.order_times(since, venue),
            all_orders=self.journal.order_times(since),
            now=now,
        )
        return None if refusal is None else refusal.reason

    def _venue(self, name: str) -> Venue:
        try:
            return self.venues[name]
        except KeyError:
            known = ", ".join(sorted(self.venues)) or "none"
            raise JournalError(f"venue {name!r} is not connected (connected: {known})") from None

    # -- learning what the venue did ----------------------------------------------------

    async def _settle(
        self, order: JournalOrder, answer: VenueOrder, cache: dict[tuple[str, str], list[VenueFill]]
    ) -> Fills:
        """Adopt the venue's fills of `order` and move it to the state `answer` implies.
        A terminal state is reached only once every fill the venue counts is stored."""
        current = self.journal.order(order.client_order_id)
        self._move(current, answer)
        adopted: Fills = []
        if not is_filled(current.filled, answer.filled):
            try:
                fills = await self._fills(order, answer, cache)
            except VenueUnavailableError as error:
                self.degraded[order.venue] = error.message
                return adopted  # the order stays open; the next reconciliation adopts them
            for fill in fills:
                ours = fill.client_order_id == order.client_order_id or (
                    fill.venue_order_id == answer.venue_order_id
                )
                if (
                    ours
                    and fill.market == order.market
                    and self.journal.add_fill(order.venue, fill)
                ):
                    adopted.append((order.venue, fill))
            self._move(self.journal.order(order.client_order_id), answer)
        return adopted

    def _move(self, current: JournalOrder, answer: VenueOrder) -> None:
        target = _implied_state(current, answer)
        if target != current.state or current.venue_order_id is None:
            self.journal.transition(
                current.client_order_id, target, venue_order_id=answer.venue_order_id
            )

    async def _fills(
        self,
        order: JournalOrder,
        answer: VenueOrder,
        cache: dict[tuple[str, str], list[VenueFill]],
    ) -> list[VenueFill]:
        """The venue's fills in the order's market since it was created: by the venue's
        clock when the answer gives it (an emulator replays another year), else ours."""
        key = (order.venue, order.market)
        if key not in cache:
            since = (answer.time or order.created_at) - FILL_LOOKBACK
            cache[key] = await self.venues[order.venue].fills(order.market, since)
        return cache[key]

    async def reconcile(self) -> Fills:
        """Bring every open journal order (of any paper run when this run is paper, of any
        live run otherwise; `pending` and `unknown` included) of the connected venues in
        line with the venue, by client id; return the fills adopted.

        A `pending` order was never sent: it is cancelled, so the strategy decides again on
        fresh data. A `sent` or `unknown` order the venue does not know is cancelled once
        `not_found_after` old. Venue orders that are not in the journal (placed by hand)
        are reported as `foreign_order` events. A venue that does not answer is skipped
        and listed in `degraded`.
        """
        adopted: Fills = []
        self.degraded = {}
        now = self.journal.now()
        for name, venue in self.venues.items():
            orders = self.journal.open_orders(name, paper=self.paper)
            # one fills request per market, reaching back to its oldest open order
            cache: dict[tuple[str, str], list[VenueFill]] = {}
            try:
                for order in orders:
                    if order.client_order_id not in self._in_flight:  # else: its submit's
                        adopted += await self._reconcile_order(venue, order, cache, now)
                await self._foreign_orders(name, venue)
            except VenueUnavailableError as error:
                self.degraded[name] = error.message
                self.journal.record_event(
                    self.run_id, "venue_unavailable", f"{name}: {error.message}", {}
                )
        return adopted

    async def _reconcile_order(
        self,
        venue: Venue,
        order: JournalOrder,
        cache: dict[tuple[str, str], list[VenueFill]],
        now: datetime,
    ) -> Fills:
        """One open journal order brought in line with its venue; the fills adopted."""
        if order.state is OrderState.PENDING:
            self.journal.transition(order.client_order_id, OrderState.CANCELLED, error=NEVER_SENT)
            return []
        answer = await venue.order(order.client_order_id, order.market)
        if answer is not None:
            return await self._settle(order, answer, cache)
        if order.state not in (OrderState.SENT, OrderState.UNKNOWN):
            self._report(order.venue, order.client_order_id, "order_missing", order)
        elif now - order.updated_at >= self.not_found_after:
            self.journal.transition(order.client_order_id, OrderState.CANCELLED, error=NOT_AT_VENUE)
        return []

    async def _foreign_orders(self, name: str, venue: Venue) -> None:
        """Report open venue orders the journal lacks, or holds as finished (a send that
        arrived after its order was declared lost)."""
        for answer in await venue.open_orders():
            ours = self.journal.find_order(answer.client_order_id)
            if ours is None:
                self._report(name, answer.venue_order_id, "foreign_order", answer)
            elif not ours.is_open:
                self._report(name, answer.venue_order_id, "late_order", answer)

    def _report(self, venue: str, key: str, kind: str, order: JournalOrder | VenueOrder) -> None:
        """Record an event once per order and manager (again after a restart)."""
        if (kind, key) in self._reported:
            return
        self._reported.add((kind, key))
        detail = {
            "foreign_order": "an order basis did not send is open on the venue",
            "order_missing": "the venue no longer knows an order it acknowledged",
            "late_order": "an order the journal holds as finished is open on the venue",
        }[kind]
        self.journal.record_event(
            self.run_id,
            kind,
            f"{venue} {order.side} {order.amount} {order.market} "
            f"(client id {order.client_order_id!r}): {detail}",
            {"amount": order.amount, "filled": order.filled},
        )

    # -- cancelling and funding ---------------------------------------------------------

    async def cancel_all(self, venue: str | None = None) -> CancelResult:
        """Cancel every open order of one venue or all, journalled or not (a kill switch
        cancels hand-placed orders too); open journal orders move to their venue state.
        A cancel the venue refuses (the order filled meanwhile) is a `cancel_refused`
        event; a venue that does not answer is listed in `failed`."""
        result = CancelResult()
        names = [venue] if venue is not None else list(self.venues)
        for name in names:
            target = self._venue(name)
            try:
                for open_order in await target.open_orders():
                    answer = await self._cancel(name, target, open_order)
                    if answer is not None and answer.status in ("canceled", "expired"):
                        result.cancelled.append((name, answer))
                        details = {
                            "account": name,
                            "market": answer.market,
                            "status": answer.status,
                        }
                        self.journal.audit(
                            self.actor, "order.cancel", answer.client_order_id, details
                        )
            except VenueUnavailableError as error:
                result.failed[name] = error.message
                self.journal.record_event(
                    self.run_id, "cancel_failed", f"{name}: {error.message}", {}
                )
        return result

    async def _cancel(self, name: str, venue: Venue, open_order: VenueOrder) -> VenueOrder | None:
        try:
            answer = await venue.cancel(open_order.client_order_id, open_order.market)
        except OrderRejectedError as error:
            detail = f"{name} {open_order.client_order_id!r}: {error.message}"
            self.journal.record_event(self.run_id, "cancel_refused", detail, {})
            return None
        order = self.journal.find_order(open_order.client_order_id)
        if answer is not None and order is not None and order.venue == name and order.is_open:
            await self._settle(order, answer, {})
        return answer

    async def collect_funding(self, since: datetime) -> list[tuple[str, FundingPaid]]:
        """Store each venue's funding payments at or after `since` once; return the new."""
        collected: list[tuple[str, FundingPaid]] = []
        for name, venue in self.venues.items():
            try:
                payments = await venue.funding(since)
            except VenueUnavailableError as error:
                self.degraded[name] = error.message
                continue
            collected += [(name, paid) for paid in payments if self.journal.add_funding(name, paid)]
        return collected


def _implied_state(current: JournalOrder, answer: VenueOrder) -> OrderState:
    """The journal state of an order the venue describes as `answer`, given the fills the
    journal holds: while fills are missing the order stays open, so they are adopted later."""
    if answer.status == "rejected" and current.filled == 0.0:
        return OrderState.REJECTED
    complete = is_filled(current.filled, answer.filled)
    if is_filled(current.filled, current.amount):
        return OrderState.FILLED
    if complete and answer.status != "open":
        return OrderState.CANCELLED  # closed short of its amount: expired or cancelled
    return OrderState.PARTIALLY_FILLED if current.filled > 0.0 else OrderState.ACKNOWLEDGED
