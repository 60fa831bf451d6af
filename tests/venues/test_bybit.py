"""Bybit through ccxt's real client against a local recorder on 127.0.0.1: the order goes
out with our `orderLinkId`, is looked up by it, and a retried id makes no second order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from basis.live.venue import OrderRequest
from basis.venues.bybit import BYBIT
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import Credentials
from basis.venues.emulator.server import serve_in_thread

PERP = "bybit:perp:BTCUSDT"
LINEAR = {
    "symbol": "BTCUSDT",
    "contractType": "LinearPerpetual",
    "status": "Trading",
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "settleCoin": "USDT",
    "launchTime": "1585526400000",
    "deliveryTime": "0",
    "priceScale": "2",
    "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
    "priceFilter": {"minPrice": "0.10", "maxPrice": "199999.80", "tickSize": "0.10"},
    "lotSizeFilter": {
        "maxOrderQty": "100.000",
        "minOrderQty": "0.001",
        "qtyStep": "0.001",
        "minNotionalValue": "5",
    },
    "fundingInterval": 480,
}


def ok(result: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"retCode": 0, "retMsg": "OK", "result": result, "time": 1704067200000})


def recorder(calls: list[dict[str, Any]], orders: dict[str, dict[str, Any]]) -> Starlette:
    async def v5(request: Request) -> JSONResponse:
        body = json.loads(await request.body() or b"{}")
        query = dict(request.query_params)
        calls.append({"path": request.url.path, "query": query, "body": body})
        path = request.url.path.removeprefix("/v5/")
        if path == "market/instruments-info":
            listed = [LINEAR] if query.get("category") == "linear" else []
            return ok({"category": query.get("category"), "list": listed, "nextPageCursor": ""})
        if path == "asset/coin/query-info":  # ccxt's currencies, asked with any credentials
            return ok({"rows": []})
        if path == "user/query-api":
            return ok({"unified": 0, "uta": 1})
        if path == "account/info":
            return ok({"unifiedMarginStatus": 5})
        if path == "order/realtime":
            found = orders.get(query.get("orderLinkId", ""))
            return ok({"list": [found] if found else [], "category": "linear"})
        if path == "order/create":
            orders[body["orderLinkId"]] = {
                "orderId": f"b-{len(orders) + 1}",
                "orderLinkId": body["orderLinkId"],
                "symbol": body["symbol"],
                "side": body["side"],
                "orderType": body["orderType"],
                "price": "0",
                "qty": body["qty"],
                "cumExecQty": body["qty"],
                "avgPrice": "42000",
                "orderStatus": "Filled",
                "timeInForce": "IOC",
                "createdTime": "1704067200000",
                "updatedTime": "1704067200000",
            }
            found = orders[body["orderLinkId"]]
            return ok({"orderId": found["orderId"], "orderLinkId": found["orderLinkId"]})
        return JSONResponse({"retCode": 10001, "retMsg": f"not recorded: {path}"})

    return Starlette(routes=[Route("/v5/{path:path}", v5, methods=["GET", "POST"])])


@pytest.fixture
def recorded() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    calls: list[dict[str, Any]] = []
    with serve_in_thread(recorder(calls, {})) as url:
        yield url, calls


def test_bybit_order_carries_order_link_id_and_a_retry_makes_no_second_order(
    recorded: tuple[str, list[dict[str, Any]]],
) -> None:
    url, calls = recorded

    async def main() -> None:
        config = CcxtVenueConfig(venue="bybit", url=url, throttle=False, retries=0)
        venue = CcxtVenue(config, BYBIT, Credentials("bybit-key", "bybit-secret"))
        try:
            placed = await venue.place(OrderRequest("basis-1-perp", PERP, "sell", 0.01))
            again = await venue.place(OrderRequest("basis-1-perp", PERP, "sell", 0.01))
        finally:
            await venue.close()
        assert (placed.client_order_id, placed.side, placed.amount) == (
            "basis-1-perp",
            "sell",
            0.01,
        )
        assert (again.venue_order_id, again.status, again.filled) == ("b-1", "closed", 0.01)

    asyncio.run(main())
    creates = [c for c in calls if c["path"] == "/v5/order/create"]
    assert len(creates) == 1
    assert creates[0]["body"]["orderLinkId"] == "basis-1-perp"
    lookups = [c for c in calls if c["path"] == "/v5/order/realtime"]
    assert [c["query"].get("orderLinkId") for c in lookups] == ["basis-1-perp", "basis-1-perp"]
