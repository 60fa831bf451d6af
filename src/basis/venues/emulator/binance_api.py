"""Binance's dialect: the spot (`/api/v3`, `/sapi/v1`) and USDⓈ-M (`/fapi`) REST subset ccxt
calls, as JSON shaped like Binance's (numbers as strings, its field names and error codes)."""

from __future__ import annotations

from collections.abc import Callable

from basis.venues.emulator.accounts import Market
from basis.venues.emulator.binance_market import (
    exchange_info,
    funding_rate_history,
    futures_account,
    futures_balance,
    leverage_bracket,
    position_rows,
    premium_index,
    server_time,
    spot_account,
    ticker,
    wallet_transfer,
)
from basis.venues.emulator.binance_orders import (
    cancel_order,
    get_order,
    income,
    my_trades,
    new_order,
    open_orders,
)
from basis.venues.emulator.binance_wire import Call, Json, Route

__all__ = ["ROUTES"]


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
    ("GET", "/api/v3/time"): Route(server_time, False),
    ("GET", "/fapi/v1/time"): Route(server_time, False),
    ("GET", "/api/v3/exchangeInfo"): Route(exchange_info("spot"), False, 20),
    ("GET", "/fapi/v1/exchangeInfo"): Route(exchange_info("futures"), False, 1),
    ("GET", "/api/v3/ticker/24hr"): Route(ticker("spot"), False, 2),
    ("GET", "/fapi/v1/ticker/24hr"): Route(ticker("futures"), False, 1),
    ("GET", "/fapi/v1/premiumIndex"): Route(premium_index, False, 1),
    ("GET", "/fapi/v1/fundingRate"): Route(funding_rate_history, False, 1),
    ("GET", "/api/v3/account"): Route(spot_account, True, 20),
    ("GET", "/fapi/v2/account"): Route(futures_account, True, 5),
    ("GET", "/fapi/v3/account"): Route(futures_account, True, 5),
    ("GET", "/fapi/v2/balance"): Route(futures_balance, True, 5),
    ("GET", "/fapi/v3/balance"): Route(futures_balance, True, 5),
    ("GET", "/fapi/v2/positionRisk"): Route(position_rows, True, 5),
    ("GET", "/fapi/v3/positionRisk"): Route(position_rows, True, 5),
    ("GET", "/fapi/v1/leverageBracket"): Route(leverage_bracket, True, 1),
    ("GET", "/fapi/v1/income"): Route(income, True, 30),
    ("POST", "/sapi/v1/asset/transfer"): Route(wallet_transfer, True, 900),
    **_both("POST", "/api/v3/order", "/fapi/v1/order", new_order, 1),
    **_both("GET", "/api/v3/order", "/fapi/v1/order", get_order, 4),
    **_both("DELETE", "/api/v3/order", "/fapi/v1/order", cancel_order, 1),
    **_both("GET", "/api/v3/openOrders", "/fapi/v1/openOrders", open_orders, 6),
    **_both("GET", "/api/v3/myTrades", "/fapi/v1/userTrades", my_trades, 20),
}
"""(method, path) → handler; `signed` routes need the API key header and a valid signature."""
