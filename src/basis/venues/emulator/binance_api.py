"""Binance's dialect: the spot (`/api/v3`, `/sapi/v1`) and USDⓈ-M (`/fapi`) REST subset ccxt
calls, as JSON shaped like Binance's (numbers as strings, its field names and error codes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from basis.venues.emulator.accounts import QUOTE, EmulatorRejectedError, Market, Order, Trade
from basis.venues.emulator.exchange import Exchange, Instrument, OrderSpec

__all__ = ["ROUTES", "Call", "Route", "number"]

Json = Any


@dataclass(frozen=True)
class Call:
    """One request as the handlers see it: the exchange, the parameters and the API key."""

    exchange: Exchange
    params: dict[str, str]
    api_key: str
    weight_limit: int = 2400

    def text(self, name: str) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            raise EmulatorRejectedError(-1102, f"Mandatory parameter '{name}' was not sent.")
        return value

    def decimal(self, name: str) -> float:
        raw = self.text(name)
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not value == value or value < 0 or raw.lower() in ("inf", "infinity"):
            raise EmulatorRejectedError(
                -1100, f"Illegal characters found in parameter '{name}'; got {raw!r}."
            )
        return value

    def integer(self, name: str) -> int | None:
        raw = self.params.get(name)
        if raw is None:
            return None
        if not raw.lstrip("-").isdigit():
            raise EmulatorRejectedError(-1100, f"Illegal characters found in parameter '{name}'.")
        return int(raw)


@dataclass(frozen=True)
class Route:
    handler: Callable[[Call], Json]
    signed: bool
    weight: int = 1


def number(value: float) -> str:
    """A number as Binance writes it: a plain decimal string, no exponent."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


# ----------------------------------------------------------------------------- public
def _time(call: Call) -> Json:
    return {"serverTime": _ms(call.exchange.advance())}


def _symbol_filters(instrument: Instrument) -> list[Json]:
    step, tick = number(instrument.step), number(instrument.tick)
    notional = number(instrument.min_notional)
    filters: list[Json] = [
        {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "10000000", "tickSize": tick},
        {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "100000", "stepSize": step},
        {"filterType": "MARKET_LOT_SIZE", "minQty": step, "maxQty": "100000", "stepSize": step},
    ]
    if instrument.market == "spot":
        filters.append({"filterType": "NOTIONAL", "minNotional": notional})
    else:
        filters.append({"filterType": "MIN_NOTIONAL", "notional": notional})
    return filters


def _decimals(step: float) -> int:
    text = number(step)
    return len(text.split(".")[1]) if "." in text else 0


def _exchange_info(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        now = call.exchange.advance()
        symbols = []
        for instrument in call.exchange.instruments.values():
            if instrument.market != market:
                continue
            entry: dict[str, Json] = {
                "symbol": instrument.symbol,
                "status": "TRADING",
                "baseAsset": instrument.base,
                "quoteAsset": instrument.quote,
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "filters": _symbol_filters(instrument),
            }
            if market == "spot":
                entry |= {
                    "quoteAssetPrecision": 8,
                    "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
                    "isSpotTradingAllowed": True,
                    "isMarginTradingAllowed": False,
                    "permissions": ["SPOT"],
                }
            else:
                entry |= {
                    "pair": instrument.symbol,
                    "contractType": "PERPETUAL",
                    "deliveryDate": 4133404800000,
                    "onboardDate": _ms(call.exchange.replay.start),
                    "contractStatus": "TRADING",
                    "marginAsset": QUOTE,
                    "pricePrecision": _decimals(instrument.tick),
                    "quantityPrecision": _decimals(instrument.step),
                    "underlyingType": "COIN",
                    "orderTypes": ["LIMIT", "MARKET"],
                    "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
                }
            symbols.append(entry)
        limit = {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1}
        return {
            "timezone": "UTC",
            "serverTime": _ms(now),
            "rateLimits": [limit | {"limit": call.weight_limit}],
            "exchangeFilters": [],
            "symbols": symbols,
        }

    return handler


def _requested_symbols(call: Call, market: Market) -> list[str]:
    if "symbol" in call.params:
        return [call.exchange.instrument(market, call.text("symbol")).symbol]
    if "symbols" in call.params:
        try:
            names = json.loads(call.params["symbols"])
        except ValueError:
            raise EmulatorRejectedError(
                -1100, "Illegal characters in parameter 'symbols'."
            ) from None
        return [call.exchange.instrument(market, str(n)).symbol for n in names]
    return [s for (m, s) in call.exchange.instruments if m == market]


def _ticker(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        now = call.exchange.advance()
        rows = []
        for symbol in _requested_symbols(call, market):
            last = call.exchange.reference(market, symbol, now)
            opened = call.exchange.reference(market, symbol, now - dt.timedelta(days=1))
            price = number(last)
            rows.append(
                {
                    "symbol": symbol,
                    "priceChange": number(last - opened)
                    if last >= opened
                    else "-" + number(opened - last),
                    "priceChangePercent": f"{(last / opened - 1) * 100:.3f}",
                    "weightedAvgPrice": price,
                    "lastPrice": price,
                    "lastQty": "0",
                    "bidPrice": price,
                    "bidQty": "0",
                    "askPrice": price,
                    "askQty": "0",
                    "openPrice": number(opened),
                    "highPrice": number(max(last, opened)),
                    "lowPrice": number(min(last, opened)),
                    "volume": "0",
                    "quoteVolume": "0",
                    "openTime": _ms(now) - 86_400_000,
                    "closeTime": _ms(now),
                    "count": 0,
                }
            )
        return rows[0] if "symbol" in call.params else rows

    return handler


def _premium_index(call: Call) -> Json:
    exchange = call.exchange
    now = exchange.advance()
    rows = [
        {
            "symbol": symbol,
            "markPrice": number(exchange.replay.mark(symbol, now)),
            "indexPrice": number(exchange.replay.index(symbol, now)),
            "estimatedSettlePrice": number(exchange.replay.index(symbol, now)),
            "lastFundingRate": f"{exchange.replay.last_rate(symbol, now):.8f}",
            "interestRate": "0.00010000",
            "nextFundingTime": _ms(exchange.replay.next_settlement(now)),
            "time": _ms(now),
        }
        for symbol in _requested_symbols(call, "futures")
    ]
    return rows[0] if "symbol" in call.params else rows


# ----------------------------------------------------------------------------- accounts
def _spot_account(call: Call) -> Json:
    exchange = call.exchange
    now = exchange.advance()
    account = exchange.account(call.api_key)
    assets = sorted(set(account.free) | set(account.locked))
    return {
        "makerCommission": round(exchange.config.spot_fees.maker * 10_000)
        if exchange.config.spot_fees
        else 0,
        "takerCommission": round(exchange.config.spot_fees.taker * 10_000)
        if exchange.config.spot_fees
        else 0,
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "updateTime": _ms(now),
        "accountType": "SPOT",
        "balances": [
            {
                "asset": a,
                "free": number(account.free.get(a, 0.0)),
                "locked": number(account.locked.get(a, 0.0)),
            }
            for a in assets
        ],
        "permissions": ["SPOT"],
    }


def _position_rows(call: Call) -> list[Json]:
    exchange = call.exchange
    now = exchange.advance()
    account = exchange.account(call.api_key)
    rows = []
    for symbol, position in sorted(account.positions.items()):
        if "symbol" in call.params and call.params["symbol"] != symbol:
            continue
        mark = exchange.replay.mark(symbol, now)
        notional = position.size * mark
        initial = abs(notional) * exchange.config.margin.initial
        rows.append(
            {
                "symbol": symbol,
                "positionSide": "BOTH",
                "positionAmt": number(position.size),
                "entryPrice": number(position.entry),
                "breakEvenPrice": number(position.entry),
                "markPrice": number(mark),
                "unRealizedProfit": number(position.size * (mark - position.entry)),
                "liquidationPrice": "0",
                "isolatedMargin": "0",
                "notional": number(notional),
                "marginAsset": QUOTE,
                "isolatedWallet": "0",
                "initialMargin": number(initial),
                "maintMargin": number(abs(notional) * exchange.config.margin.maintenance),
                "positionInitialMargin": number(initial),
                "openOrderInitialMargin": "0",
                "adl": 0,
                "bidNotional": "0",
                "askNotional": "0",
                "leverage": str(round(1 / exchange.config.margin.initial)),
                "marginType": "cross",
                "updateTime": _ms(now),
            }
        )
    return rows


def _futures_account(call: Call) -> Json:
    exchange = call.exchange
    now = exchange.advance()
    account = exchange.account(call.api_key)
    unrealised = exchange.unrealized(account, now)
    positions = _position_rows(call)
    initial = sum(float(p["initialMargin"]) for p in positions)
    maintenance = sum(float(p["maintMargin"]) for p in positions)
    available = account.wallet + unrealised - initial
    asset = {
        "asset": QUOTE,
        "walletBalance": number(account.wallet),
        "unrealizedProfit": number(unrealised),
        "marginBalance": number(account.wallet + unrealised),
        "maintMargin": number(maintenance),
        "initialMargin": number(initial),
        "positionInitialMargin": number(initial),
        "openOrderInitialMargin": "0",
        "crossWalletBalance": number(account.wallet),
        "crossUnPnl": number(unrealised),
        "availableBalance": number(available),
        "maxWithdrawAmount": number(max(available, 0.0)),
        "updateTime": _ms(now),
    }
    return {
        "totalInitialMargin": asset["initialMargin"],
        "totalMaintMargin": asset["maintMargin"],
        "totalWalletBalance": asset["walletBalance"],
        "totalUnrealizedProfit": asset["unrealizedProfit"],
        "totalMarginBalance": asset["marginBalance"],
        "totalPositionInitialMargin": asset["initialMargin"],
        "totalOpenOrderInitialMargin": "0",
        "totalCrossWalletBalance": asset["walletBalance"],
        "totalCrossUnPnl": asset["unrealizedProfit"],
        "availableBalance": asset["availableBalance"],
        "maxWithdrawAmount": asset["maxWithdrawAmount"],
        "assets": [asset],
        "positions": positions,
    }


def _futures_balance(call: Call) -> Json:
    asset = _futures_account(call)["assets"][0]
    return [
        {
            "accountAlias": "emulator",
            "asset": QUOTE,
            "balance": asset["walletBalance"],
            "crossWalletBalance": asset["crossWalletBalance"],
            "crossUnPnl": asset["crossUnPnl"],
            "availableBalance": asset["availableBalance"],
            "maxWithdrawAmount": asset["maxWithdrawAmount"],
            "marginAvailable": True,
            "updateTime": asset["updateTime"],
        }
    ]


def _leverage_bracket(call: Call) -> Json:
    margin = call.exchange.config.margin
    return [
        {
            "symbol": symbol,
            "brackets": [
                {
                    "bracket": 1,
                    "initialLeverage": round(1 / margin.initial),
                    "notionalCap": 1_000_000_000,
                    "notionalFloor": 0,
                    "maintMarginRatio": margin.maintenance,
                    "cum": 0.0,
                }
            ],
        }
        for symbol in _requested_symbols(call, "futures")
    ]


def _transfer(call: Call) -> Json:
    kind = call.text("type")
    if kind not in ("MAIN_UMFUTURE", "UMFUTURE_MAIN"):
        raise EmulatorRejectedError(
            -1100, f"the emulator supports MAIN_UMFUTURE and UMFUTURE_MAIN, got {kind!r}"
        )
    tran_id = call.exchange.transfer(
        call.api_key, call.text("asset"), call.decimal("amount"), kind == "MAIN_UMFUTURE"
    )
    return {"tranId": tran_id}


# ----------------------------------------------------------------------------- orders
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


def _new_order(market: Market) -> Callable[[Call], Json]:
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
        trades = [t for t in call.exchange.trades if t.trade_id in order.fills]
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


def _get_order(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        order = call.exchange.find(call.api_key, market, call.text("symbol"), _order_ref(call))
        return _order_json(order)

    return handler


def _cancel_order(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        order = call.exchange.cancel(call.api_key, market, call.text("symbol"), _order_ref(call))
        return _order_json(order)

    return handler


def _open_orders(market: Market) -> Callable[[Call], Json]:
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


def _my_trades(market: Market) -> Callable[[Call], Json]:
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


def _income(call: Call) -> Json:
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


def _both(
    method: str,
    spot: str,
    futures: str,
    make: Callable[[Market], Callable[[Call], Json]],
    weight: int,
) -> dict[tuple[str, str], Route]:
    return {
        (method, spot): Route(make("spot"), True, weight),
        (method, futures): Route(make("futures"), True, weight),
    }


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v3/ping"): Route(_ping, False),
    ("GET", "/fapi/v1/ping"): Route(_ping, False),
    ("GET", "/api/v3/time"): Route(_time, False),
    ("GET", "/fapi/v1/time"): Route(_time, False),
    ("GET", "/api/v3/exchangeInfo"): Route(_exchange_info("spot"), False, 20),
    ("GET", "/fapi/v1/exchangeInfo"): Route(_exchange_info("futures"), False, 1),
    ("GET", "/api/v3/ticker/24hr"): Route(_ticker("spot"), False, 2),
    ("GET", "/fapi/v1/ticker/24hr"): Route(_ticker("futures"), False, 1),
    ("GET", "/fapi/v1/premiumIndex"): Route(_premium_index, False, 1),
    ("GET", "/api/v3/account"): Route(_spot_account, True, 20),
    ("GET", "/fapi/v2/account"): Route(_futures_account, True, 5),
    ("GET", "/fapi/v3/account"): Route(_futures_account, True, 5),
    ("GET", "/fapi/v2/balance"): Route(_futures_balance, True, 5),
    ("GET", "/fapi/v3/balance"): Route(_futures_balance, True, 5),
    ("GET", "/fapi/v2/positionRisk"): Route(lambda c: _position_rows(c), True, 5),
    ("GET", "/fapi/v3/positionRisk"): Route(lambda c: _position_rows(c), True, 5),
    ("GET", "/fapi/v1/leverageBracket"): Route(_leverage_bracket, True, 1),
    ("GET", "/fapi/v1/income"): Route(_income, True, 30),
    ("POST", "/sapi/v1/asset/transfer"): Route(_transfer, True, 900),
    **_both("POST", "/api/v3/order", "/fapi/v1/order", _new_order, 1),
    **_both("GET", "/api/v3/order", "/fapi/v1/order", _get_order, 4),
    **_both("DELETE", "/api/v3/order", "/fapi/v1/order", _cancel_order, 1),
    **_both("GET", "/api/v3/openOrders", "/fapi/v1/openOrders", _open_orders, 6),
    **_both("GET", "/api/v3/myTrades", "/fapi/v1/userTrades", _my_trades, 20),
}
"""(method, path) → handler; `signed` routes need the API key header and a valid signature."""
