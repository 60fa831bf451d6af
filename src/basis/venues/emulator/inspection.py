"""The `/_emulator` views: orders, fills, funding and accounts as plain JSON for tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from basis.venues.emulator.accounts import QUOTE, Account, Income, Market, Order, Trade
from basis.venues.emulator.exchange import Exchange

__all__ = [
    "account_view",
    "executions",
    "fill_view",
    "income_view",
    "instrument_name",
    "order_view",
]

STATUS = {
    "NEW": "open",
    "PARTIALLY_FILLED": "open",
    "FILLED": "closed",
    "CANCELED": "canceled",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
}
"""Binance order status → the unified status of `basis.live.venue.OrderStatus`."""


def instrument_name(venue: str, market: Market, symbol: str) -> str:
    """The book's name of a venue symbol: `binance:perp:BTCUSDT`, `binance:spot:BTC`."""
    if market == "futures":
        return f"{venue}:perp:{symbol}"
    return f"{venue}:spot:{symbol.removesuffix(QUOTE)}"


def executions(exchange: Exchange) -> list[Trade]:
    """Each execution once, oldest first: a cross between two accounts is booked for both
    under one trade id and is shown from the taker's side."""
    trades = list(exchange.trades)
    chosen = {t.trade_id: t for t in trades if t.is_maker}
    chosen |= {t.trade_id: t for t in trades if not t.is_maker}
    return sorted(chosen.values(), key=lambda t: t.trade_id)


def fill_view(exchange: Exchange, trade: Trade) -> dict[str, Any]:
    return {
        "trade_id": trade.trade_id,
        "order_id": trade.order_id,
        "client_order_id": trade.client_order_id,
        "account": trade.account,
        "maker_account": trade.maker_account,
        "taker_account": trade.taker_account,
        "market": trade.market,
        "symbol": trade.symbol,
        "instrument": instrument_name(exchange.replay.venue, trade.market, trade.symbol),
        "side": trade.side.lower(),
        "amount": trade.amount,
        "price": trade.price,
        "fee": trade.fee,
        "fee_asset": trade.fee_asset,
        "realized_pnl": trade.realized_pnl,
        "time": _iso(trade.time_ms),
    }


def order_view(exchange: Exchange, order: Order) -> dict[str, Any]:
    trades = {t.trade_id: t for t in exchange.trades if t.order_id == order.order_id}
    return {
        "client_order_id": order.client_order_id,
        "order_id": order.order_id,
        "account": order.account,
        "market": order.market,
        "symbol": order.symbol,
        "instrument": instrument_name(exchange.replay.venue, order.market, order.symbol),
        "side": order.side.lower(),
        "type": order.type.lower(),
        "amount": order.amount,
        "price": order.price,
        "reduce_only": order.reduce_only,
        "filled": order.filled,
        "average": order.average if order.filled else None,
        "status": STATUS[order.status],
        "venue_status": order.status,
        "time": _iso(order.time_ms),
        "fills": [fill_view(exchange, trades[i]) for i in order.fills],
    }


def income_view(income: Income) -> dict[str, Any]:
    return {
        "tran_id": income.tran_id,
        "account": income.account,
        "symbol": income.symbol,
        "income_type": income.income_type,
        "amount": income.amount,
        "asset": income.asset,
        "rate": income.rate,
        "mark": income.mark,
        "size": income.size,
        "time": _iso(income.time_ms),
    }


def account_view(exchange: Exchange, account: Account, now: dt.datetime) -> dict[str, Any]:
    return {
        "account": account.name,
        "spot": {
            asset: {"free": account.free.get(asset, 0.0), "locked": account.locked.get(asset, 0.0)}
            for asset in sorted(set(account.free) | set(account.locked))
        },
        "futures_wallet": account.wallet,
        "unrealized_pnl": exchange.unrealized(account, now),
        "positions": {
            symbol: {"size": p.size, "entry": p.entry}
            for symbol, p in sorted(account.positions.items())
            if p.size
        },
    }


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()
