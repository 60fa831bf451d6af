"""Binance's order endpoints: create, query, cancel, open orders, executions and income."""

from __future__ import annotations

from collections.abc import Callable

from basis.venues.emulator.accounts import EmulatorRejectedError, Market, Order, Trade
from basis.venues.emulator.binance_wire import Call, Json, number
from basis.venues.emulator.exchange import OrderSpec

__all__ = ["cancel_order", "get_order", "income", "my_trades", "new_order", "open_orders"]


def _order_json(order: Order, trades: list[Trade] | None = None) -> Json:
    common = {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "clientOrderId": order.client_order_id,
        "price": number(order.price or 0.0),
        "origQty": number(order.amount),
        "executedQty": number(order.filled),
        "status": order.status,
        "timeInForce": "GTC",
        "type": order.type,
        "side": order.side,
        "updateTime": order.update_ms,
    }
    if order.market == "spot":
        body = common | {
            "orderListId": -1,
            "cummulativeQuoteQty": number(order.cost),
            "transactTime": order.time_ms,
            "time": order.time_ms,
            "workingTime": order.time_ms,
            "isWorking": order.is_open,
            "origQuoteOrderQty": "0",
            "selfTradePreventionMode": "NONE",
        }
        if trades is not None:
            body["fills"] = [
                {
                    "price": number(t.price),
                    "qty": number(t.amount),
                    "commission": number(t.fee),
                    "commissionAsset": t.fee_asset,
                    "tradeId": t.trade_id,
                }
                for t in trades
            ]
        return body
    return common | {
        "avgPrice": number(order.average),
        "cumQty": number(order.filled),
        "cumQuote": number(order.cost),
        "reduceOnly": order.reduce_only,
        "closePosition": False,
        "positionSide": "BOTH",
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": order.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "NONE",
        "goodTillDate": 0,
        "time": order.time_ms,
    }


def new_order(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        side, kind = call.text("side"), call.text("type")
        if side not in ("BUY", "SELL"):
            raise EmulatorRejectedError(
                -1100, f"Illegal characters found in parameter 'side'; got {side!r}."
            )
        if kind not in ("MARKET", "LIMIT"):
            raise EmulatorRejectedError(-1116, "Invalid orderType.")
        if kind == "LIMIT" and market == "spot":
            call.text("timeInForce")
        client_id = call.params.get("newClientOrderId") or f"emu-{len(call.exchange.orders) + 1}"
        if not _valid_client_id(client_id):
            raise EmulatorRejectedError(-4015, "Client order id is not valid.")
        spec = OrderSpec(
            market=market,
            symbol=call.text("symbol"),
            side=side,  # type: ignore[arg-type]
            type=kind,  # type: ignore[arg-type]
            amount=call.decimal("quantity"),
            client_order_id=client_id,
            price=call.decimal("price") if kind == "LIMIT" else None,
            reduce_only=call.params.get("reduceOnly", "false").lower() == "true",
            time_in_force=call.params.get("timeInForce", "GTC"),
        )
        order = call.exchange.place(call.api_key, spec)
        trades = [t for t in call.exchange.trades if t.order_id == order.order_id]
        full = market == "spot" and call.params.get("newOrderRespType", "FULL") == "FULL"
        return _order_json(order, trades if full else None)

    return handler


def _valid_client_id(client_id: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:/_-")
    return 0 < len(client_id) <= 36 and set(client_id) <= allowed


def _order_ref(call: Call) -> str | int:
    client_id = call.params.get("origClientOrderId")
    if client_id:
        return client_id
    order_id = call.integer("orderId")
    if order_id is None:
        raise EmulatorRejectedError(
            -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty."
        )
    return order_id


def get_order(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        order = call.exchange.find(call.api_key, market, call.text("symbol"), _order_ref(call))
        return _order_json(order)

    return handler


def cancel_order(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        order = call.exchange.cancel(call.api_key, market, call.text("symbol"), _order_ref(call))
        return _order_json(order)

    return handler


def open_orders(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        symbol = call.params.get("symbol")
        if symbol is not None:
            call.exchange.instrument(market, symbol)
        orders = call.exchange.open_orders(call.api_key, market, symbol)
        return [_order_json(o) for o in orders]

    return handler


def _window(call: Call) -> tuple[int, int, int]:
    start = call.integer("startTime") or 0
    end = call.integer("endTime") or 2**62
    limit = min(call.integer("limit") or 500, 1000)
    return start, end, limit


def my_trades(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        symbol = call.text("symbol")
        call.exchange.instrument(market, symbol)
        call.exchange.advance()
        start, end, limit = _window(call)
        name = call.exchange.account(call.api_key).name
        trades = [
            t
            for t in call.exchange.trades
            if (t.account, t.market, t.symbol) == (name, market, symbol)
            and start <= t.time_ms <= end
        ][:limit]
        if market == "spot":
            return [
                {
                    "symbol": t.symbol,
                    "id": t.trade_id,
                    "orderId": t.order_id,
                    "orderListId": -1,
                    "price": number(t.price),
                    "qty": number(t.amount),
                    "quoteQty": number(t.amount * t.price),
                    "commission": number(t.fee),
                    "commissionAsset": t.fee_asset,
                    "time": t.time_ms,
                    "isBuyer": t.side == "BUY",
                    "isMaker": t.is_maker,
                    "isBestMatch": True,
                }
                for t in trades
            ]
        return [
            {
                "buyer": t.side == "BUY",
                "commission": number(t.fee),
                "commissionAsset": t.fee_asset,
                "id": t.trade_id,
                "maker": t.is_maker,
                "orderId": t.order_id,
                "price": number(t.price),
                "qty": number(t.amount),
                "quoteQty": number(t.amount * t.price),
                "realizedPnl": number(t.realized_pnl),
                "side": t.side,
                "positionSide": "BOTH",
                "symbol": t.symbol,
                "time": t.time_ms,
            }
            for t in trades
        ]

    return handler


def income(call: Call) -> Json:
    call.exchange.advance()
    start, end, limit = _window(call)
    kind = call.params.get("incomeType")
    symbol = call.params.get("symbol")
    name = call.exchange.account(call.api_key).name
    rows = [
        {
            "symbol": i.symbol,
            "incomeType": i.income_type,
            "income": number(i.amount),
            "asset": i.asset,
            "info": i.income_type,
            "time": i.time_ms,
            "tranId": str(i.tran_id),
            "tradeId": "",
        }
        for i in call.exchange.incomes
        if i.account == name
        and (kind is None or i.income_type == kind)
        and (symbol is None or i.symbol == symbol)
        and start <= i.time_ms <= end
    ]
    return rows[:limit]


def _ping(call: Call) -> Json:
    return {}
