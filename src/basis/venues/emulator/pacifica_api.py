"""Pacifica's REST dialect of the emulator (`basis venue serve --dialect pacifica`).

The same matching engine, accounts and fill log as the Binance dialect (`Exchange`), spoken
as Pacifica speaks: paths under `/api/v1`, symbols by base asset (`BTC`), sides `bid` and
`ask`, decimals as strings, answers in `{"success", "data", "error", "code"}`. Signed
operations are checked as Pacifica checks them (docs/pacifica.md): the ed25519 signature of
the canonical JSON of `{type, timestamp, expiry_window, data}` by the `agent_wallet` (bound
to the account) or else the `account`, and the expiry (`timestamp + expiry_window` not
past). Accounts are keyed by their public key and registered through `/_emulator/accounts`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from basis.venues.emulator.accounts import (
    Account,
    EmulatorRejectedError,
    Income,
    Order,
    Trade,
    account_name,
)
from basis.venues.emulator.exchange import Exchange, OrderSpec
from basis.venues.emulator.guards import RateLimiter
from basis.venues.pacifica.signing import verify

__all__ = ["CASH", "Answer", "PacificaDialect"]

CASH: Final = "USDC"
PAGE: Final = 100

Answer = tuple[int, dict[str, Any], dict[str, str]]  # status, body, headers

# Binance-style codes the exchange raises -> Pacifica's business codes (422 answers).
_CODES: Final = {
    -1: 1,  # account not found
    -2010: 5,  # insufficient balance
    -2019: 5,  # margin is insufficient
    -2011: 6,  # unknown order (cancel)
    -2013: 6,  # order does not exist
    -1013: 7,  # amount below the lot or the minimum order value
    -4164: 7,
    -4116: 36,  # duplicate client order id
    -2022: 23,  # reduce-only without a position to reduce
    -1121: 3,  # no such book
    -1102: 20,  # invalid order (a limit order without a price)
}
_SIGNED: Final = {
    "/api/v1/orders/create_market": "create_market_order",
    "/api/v1/orders/create": "create_order",
    "/api/v1/orders/cancel": "cancel_order",
}
_BATCH_KINDS: Final = {"Create": "create_order", "Cancel": "cancel_order"}
_HEAVY: Final = frozenset({"/api/v1/orders/history", "/api/v1/trades/history"})
_PAGED: Final = frozenset({"/api/v1/trades/history", "/api/v1/funding/history"})


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data, "error": None, "code": None}


def refusal(status: int, message: str, code: int, error_id: str | None = None) -> Answer:
    body: dict[str, Any] = {"success": False, "data": None, "error": message, "code": code}
    if error_id is not None:
        body["error_id"] = error_id
    return status, body, {}


def _num(value: float) -> str:
    """A decimal string that reads back as exactly `value` (Python's shortest repr)."""
    return repr(float(value))


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass
class PacificaDialect:
    """Pacifica's answers over one `Exchange`; `agents` binds API agent keys to accounts."""

    exchange: Exchange
    limiter: RateLimiter
    wall_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    accounts: set[str] = field(default_factory=set)  # registered public keys
    agents: dict[str, set[str]] = field(default_factory=dict)  # account -> agent keys

    def register(self, account: str, agent: str | None, opening: Any) -> str:
        """Open `account` (its public key) with `opening` balances; bind `agent` to it."""
        self.accounts.add(account)
        if agent:
            self.agents.setdefault(account, set()).add(agent)
        return self.exchange.account(account, opening).name

    # ----------------------------------------------------------------------------- dispatch
    def answer(self, method: str, path: str, query: Mapping[str, str], body: bytes) -> Answer:
        """One request: rate credits, signature and expiry, then the operation."""
        reads: dict[str, Callable[[Mapping[str, str]], Any]] = {
            "/api/v1/info": self._info,
            "/api/v1/info/prices": self.prices,
            "/api/v1/account": self._account_info,
            "/api/v1/positions": self._positions,
            "/api/v1/orders": self._open_orders,
            "/api/v1/orders/history": self._order_history,
            "/api/v1/trades/history": self._trades,
            "/api/v1/funding/history": self._funding,
        }
        try:
            if method == "GET" and path in reads:
                client = query.get("account", "public")
                self.limiter.take(client, 3 if path in _HEAVY else 1)
                result = reads[path](query)
                if path in _PAGED:  # Pacifica puts the cursor beside `data`
                    paged = ok(result["rows"])
                    paged |= {"next_cursor": result["next_cursor"], "has_more": result["has_more"]}
                    return 200, paged, {}
                return 200, ok(result), {}
            if method == "POST" and (path in _SIGNED or path == "/api/v1/orders/batch"):
                document = _json(body)
                client = str(document.get("account", "public"))
                self.limiter.take(client, 1)
                if path == "/api/v1/orders/batch":
                    return 200, ok(self._batch(document)), {}
                refused = self._check(_SIGNED[path], document)
                if refused is not None:
                    return refused
                return 200, ok(self._operate(_SIGNED[path], document)), {}
        except EmulatorRejectedError as error:
            if error.status == 429:
                headers = {"Retry-After": str(error.retry_after or 1)}
                return 429, refusal(429, "Rate limit exceeded", 429)[1], headers
            code = _CODES.get(error.venue_code, 0)
            return refusal(422, error.message, code)
        return refusal(404, f"the emulator does not implement {method} {path}", 404)

    def _check(self, kind: str, body: Mapping[str, Any]) -> Answer | None:
        """Why a signed body is refused, as Pacifica answers; None when it is good."""
        account = str(body.get("account", ""))
        agent = body.get("agent_wallet")
        if not verify(kind, body):
            return refusal(
                400,
                "Verification failed: signature does not match signer and canonical payload.",
                400,
                "signature_verification_failed",
            )
        try:
            expires = int(body["timestamp"]) + int(body["expiry_window"])
        except (KeyError, TypeError, ValueError):
            return refusal(400, "timestamp and expiry_window are required", 400, "invalid_request")
        if expires < self.wall_ms():
            return refusal(
                400,
                "Signature expired: timestamp + expiry_window has passed",
                400,
                "signature_expired",
            )
        if account not in self.accounts:
            return refusal(422, f"Account not found: {account}", 1)
        if agent is not None and agent not in self.agents.get(account, set()):
            return refusal(400, "Agent not authorized for account", 400, "agent_not_authorized")
        return None

    # ----------------------------------------------------------------------------- writes
    def _operate(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        account = str(body["account"])
        symbol = self._symbol(str(body.get("symbol", "")))
        if kind == "cancel_order":
            ref: str | int = (
                int(body["order_id"]) if body.get("order_id") is not None
                else str(body.get("client_order_id", ""))
            )  # fmt: skip
            order = self.exchange.cancel(account, "futures", symbol, ref)
            return {"order_id": order.order_id}
        side: Literal["BUY", "SELL"] = "BUY" if body.get("side") == "bid" else "SELL"
        amount = _float(body, "amount")
        client_id = str(body.get("client_order_id") or f"emu-{len(self.exchange.orders) + 1}")
        if kind == "create_market_order":
            spec = OrderSpec("futures", symbol, side, "MARKET", amount, client_id,
                             reduce_only=bool(body.get("reduce_only", False)))  # fmt: skip
        else:
            tif = "IOC" if body.get("tif") == "IOC" else "GTC"
            spec = OrderSpec("futures", symbol, side, "LIMIT", amount, client_id,
                             price=_float(body, "price"),
                             reduce_only=bool(body.get("reduce_only", False)),
                             time_in_force=tif)  # fmt: skip
        order = self.exchange.place(account, spec)
        return {"order_id": order.order_id}

    def _batch(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Each action checked and carried out on its own, in order (as Pacifica does)."""
        actions = document.get("actions")
        if not isinstance(actions, list):
            raise EmulatorRejectedError(-1102, "actions: expected a list")
        results = []
        for action in actions:
            kind = _BATCH_KINDS.get(str(action.get("type")))
            data = action.get("data") if isinstance(action, dict) else None
            if kind is None or not isinstance(data, dict):
                results.append({"success": False, "order_id": None, "error": "invalid action"})
                continue
            refused = self._check(kind, data)
            if refused is not None:
                results.append({"success": False, "order_id": None, "error": refused[1]["error"]})
                continue
            try:
                done = self._operate(kind, data)
            except EmulatorRejectedError as error:
                results.append({"success": False, "order_id": None, "error": error.message})
                continue
            results.append({"success": True, "order_id": done["order_id"], "error": None})
        return {"results": results}

    # ----------------------------------------------------------------------------- reads
    def _info(self, _: Mapping[str, str]) -> list[dict[str, Any]]:
        now = self.exchange.advance()
        return [
            {
                "symbol": self._base(i.symbol),
                "tick_size": _num(i.tick),
                "lot_size": _num(i.step),
                "min_order_size": _num(i.min_notional),
                "max_leverage": round(1.0 / self.exchange.config.margin.initial),
                "isolated_only": False,
                "funding_rate": _num(self._rate(i.symbol, now)),
                "next_funding_rate": _num(self._rate(i.symbol, now)),
            }
            for (market, _s), i in sorted(self.exchange.instruments.items())
            if market == "futures"
        ]

    def prices(self, _: Mapping[str, str]) -> list[dict[str, Any]]:
        """The rows of `GET /api/v1/info/prices` (also the WebSocket's `prices` channel)."""
        now = self.exchange.advance()
        replay = self.exchange.replay
        rows = []
        for symbol in sorted(replay.perp):
            mark = replay.mark(symbol, now)
            rate = self._rate(symbol, now)
            rows.append(
                {
                    "symbol": self._base(symbol),
                    "mark": _num(mark),
                    "mid": _num(mark),
                    "oracle": _num(replay.index(symbol, now)),
                    "funding": _num(rate),
                    "next_funding": _num(rate),
                    "open_interest": "0",
                    "volume_24h": "0",
                    "yesterday_price": _num(mark),
                    "timestamp": _ms(now),
                }
            )
        return rows

    def _account_info(self, query: Mapping[str, str]) -> dict[str, Any]:
        account = self._known(query)
        now = self.exchange.advance()
        replay = self.exchange.replay
        used = sum(
            abs(p.size) * replay.mark(s, now) * self.exchange.config.margin.initial
            for s, p in account.positions.items()
            if p.size
        )
        equity = account.wallet + self.exchange.unrealized(account, now)
        fees = self.exchange.config.perp_fees
        return {
            "balance": _num(account.wallet),
            "fee_level": 0,
            "maker_fee": _num(fees.maker if fees else 0.0),
            "taker_fee": _num(fees.taker if fees else 0.0),
            "account_equity": _num(equity),
            "available_to_spend": _num(equity - used),
            "available_to_withdraw": _num(max(equity - used, 0.0)),
            "pending_balance": "0",
            "total_margin_used": _num(used),
            "positions_count": sum(1 for p in account.positions.values() if p.size),
            "orders_count": len(self._orders_of(account, resting=True)),
            "updated_at": _ms(now),
        }

    def _positions(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        account = self._known(query)
        now = _ms(self.exchange.advance())
        funding: dict[str, float] = {}
        for income in self._incomes_of(account):
            funding[income.symbol] = funding.get(income.symbol, 0.0) + income.amount
        return [
            {
                "symbol": self._base(symbol),
                "side": "bid" if p.size > 0 else "ask",
                "amount": _num(abs(p.size)),
                "entry_price": _num(p.entry),
                "margin": "0",
                "funding": _num(funding.get(symbol, 0.0)),
                "isolated": False,
                "created_at": now,
                "updated_at": now,
            }
            for symbol, p in sorted(account.positions.items())
            if p.size
        ]

    def _open_orders(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        account = self._known(query)
        self.exchange.advance()
        return [self._order_view(o) for o in self._orders_of(account, resting=True)]

    def _order_history(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        account = self._known(query)
        self.exchange.advance()
        orders = sorted(self._orders_of(account), key=lambda o: -o.order_id)
        return [self._order_view(o) for o in orders[: _limit(query)]]

    def _trades(self, query: Mapping[str, str]) -> dict[str, Any]:
        account = self._known(query)
        self.exchange.advance()
        symbol = query.get("symbol")
        start, end = int(query.get("start_time", 0)), int(query.get("end_time", 2**62))
        rows = [
            t
            for t in list(self.exchange.trades)
            if t.account == account.name
            and (symbol is None or self._base(t.symbol) == symbol)
            and start <= t.time_ms <= end
        ]
        return _page([self._trade_view(t) for t in rows], query)

    def _funding(self, query: Mapping[str, str]) -> dict[str, Any]:
        account = self._known(query)
        self.exchange.advance()
        return _page([self._income_view(i) for i in self._incomes_of(account)], query)

    # ----------------------------------------------------------------------------- views
    def _order_view(self, order: Order) -> dict[str, Any]:
        status = {
            "NEW": "open",
            "PARTIALLY_FILLED": "partially_filled",
            "FILLED": "filled",
            "CANCELED": "cancelled",
            "EXPIRED": "cancelled",
        }.get(order.status, "rejected")
        cancelled = order.remaining if status == "cancelled" else 0.0
        return {
            "order_id": order.order_id,
            "client_order_id": order.client_order_id,
            "symbol": self._base(order.symbol),
            "side": "bid" if order.side == "BUY" else "ask",
            "price": _num(order.price if order.price is not None else order.average),
            "average_filled_price": _num(order.average),
            "initial_amount": _num(order.amount),
            "filled_amount": _num(order.filled),
            "cancelled_amount": _num(cancelled),
            "stop_price": None,
            "order_type": "market" if order.type == "MARKET" else "limit",
            "order_status": status,
            "stop_parent_order_id": None,
            "reduce_only": order.reduce_only,
            "created_at": order.time_ms,
            "updated_at": order.update_ms,
        }

    def _trade_view(self, trade: Trade) -> dict[str, Any]:
        closing = trade.realized_pnl != 0.0
        if trade.side == "BUY":
            side = "close_short" if closing else "open_long"
        else:
            side = "close_long" if closing else "open_short"
        return {
            "history_id": trade.trade_id,
            "order_id": trade.order_id,
            "client_order_id": trade.client_order_id,
            "symbol": self._base(trade.symbol),
            "amount": _num(trade.amount),
            "price": _num(trade.price),
            "entry_price": _num(trade.price),
            "fee": _num(trade.fee),
            "pnl": _num(trade.realized_pnl),
            "event_type": "fulfill_maker" if trade.is_maker else "fulfill_taker",
            "side": side,
            "created_at": trade.time_ms,
            "cause": "normal",
        }

    def _income_view(self, income: Income) -> dict[str, Any]:
        return {
            "history_id": income.tran_id,
            "symbol": self._base(income.symbol),
            "side": "bid" if income.size > 0 else "ask",
            "amount": _num(abs(income.size)),
            "payout": _num(income.amount),
            "rate": _num(income.rate),
            "created_at": income.time_ms,
        }

    # ----------------------------------------------------------------------------- helpers
    def _known(self, query: Mapping[str, str]) -> Account:
        key = query.get("account", "")
        found = self.exchange.accounts.get(account_name(key)) if key in self.accounts else None
        if found is None:
            raise EmulatorRejectedError(-1, f"Account not found: {key}")
        return found

    def _orders_of(self, account: Account, resting: bool = False) -> list[Order]:
        return [
            o
            for o in list(self.exchange.orders)
            if o.account == account.name and (not resting or o.is_open)
        ]

    def _incomes_of(self, account: Account) -> list[Income]:
        return [i for i in list(self.exchange.incomes) if i.account == account.name]

    def _symbol(self, base: str) -> str:
        return f"{base}{CASH}"

    @staticmethod
    def _base(symbol: str) -> str:
        return symbol.removesuffix(CASH)

    def _rate(self, symbol: str, now: dt.datetime) -> float:
        rate = self.exchange.replay.last_rate(symbol, now)
        return rate if math.isfinite(rate) else 0.0


def _json(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        raise EmulatorRejectedError(-1102, "the body is not JSON") from None
    if not isinstance(document, dict):
        raise EmulatorRejectedError(-1102, "the body must be a JSON object")
    return document


def _float(body: Mapping[str, Any], name: str) -> float:
    try:
        value = float(body[name])
    except (KeyError, TypeError, ValueError):
        raise EmulatorRejectedError(-1102, f"{name}: expected a decimal string") from None
    if not math.isfinite(value):
        raise EmulatorRejectedError(-1102, f"{name}: expected a finite number")
    return value


def _limit(query: Mapping[str, str]) -> int:
    try:
        return max(1, min(int(query.get("limit", PAGE)), 1000))
    except ValueError:
        return PAGE


def _page(rows: list[dict[str, Any]], query: Mapping[str, str]) -> dict[str, Any]:
    """Oldest first, `limit` rows from the `cursor` (an offset), with the next cursor."""
    start = int(query.get("cursor", 0) or 0)
    limit = _limit(query)
    chunk = rows[start : start + limit]
    more = start + limit < len(rows)
    return {"rows": chunk, "next_cursor": str(start + limit) if more else None, "has_more": more}
