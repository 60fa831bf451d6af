"""Builder fees off: ccxt's real hyperliquid client, through CcxtVenue, against a local
recorder of its requests on 127.0.0.1; no order carries a builder, none is approved."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from basis.live.venue import OrderRequest
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import Credentials
from basis.venues.emulator.server import serve_in_thread
from basis.venues.hyperliquid import HYPERLIQUID

PERP = "hyperliquid:perp:BTCUSDC"
BTC_CONTEXT = {
    "funding": "0.0000125",
    "openInterest": "10",
    "prevDayPx": "40000",
    "dayNtlVlm": "1000",
    "premium": "0",
    "oraclePx": "40000",
    "markPx": "40000",
    "midPx": "40000",
    "impactPxs": ["39999", "40001"],
    "dayBaseVlm": "1",
}


CLEARINGHOUSE = {
    "marginSummary": {"accountValue": "10150.0", "totalMarginUsed": "400.0"},
    "withdrawable": "9750.0",
    "assetPositions": [
        {
            "type": "oneWay",
            "position": {
                "coin": "BTC",
                "szi": "-0.1",
                "entryPx": "41500.0",
                "unrealizedPnl": "150.0",
            },
        }
    ],
}


def recorder(bodies: list[dict[str, Any]]) -> Starlette:
    """Hyperliquid's `/info` and `/exchange`, just enough for markets and one order."""

    async def info(request: Request) -> JSONResponse:
        body = await request.json()
        bodies.append({"path": "/info", **body})
        kind = body.get("type")
        if kind == "metaAndAssetCtxs":
            universe = [{"name": "BTC", "szDecimals": 5, "maxLeverage": 40}]
            return JSONResponse([{"universe": universe}, [BTC_CONTEXT]])
        if kind == "spotMeta":
            return JSONResponse({"tokens": [], "universe": []})
        if kind == "orderStatus":
            return JSONResponse({"status": "unknownOid"})
        if kind == "clearinghouseState":
            return JSONResponse(CLEARINGHOUSE)
        return JSONResponse(None)

    async def exchange(request: Request) -> JSONResponse:
        body = await request.json()
        bodies.append({"path": "/exchange", **body})
        if body["action"]["type"] == "order":
            statuses = [{"resting": {"oid": 77}}]
            return JSONResponse(
                {"status": "ok", "response": {"type": "order", "data": {"statuses": statuses}}}
            )
        return JSONResponse({"status": "ok", "response": {"type": "default"}})

    return Starlette(
        routes=[
            Route("/info", info, methods=["POST"]),
            Route("/exchange", exchange, methods=["POST"]),
        ]
    )


@pytest.fixture
def recorded() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []
    with serve_in_thread(recorder(bodies)) as url:
        yield url, bodies


def test_hyperliquid_order_carries_no_builder_and_none_is_approved(
    recorded: tuple[str, list[dict[str, Any]]],
) -> None:
    url, bodies = recorded
    wallet = "0x" + secrets.token_hex(20)  # throwaway: nothing on any chain
    private_key = "0x" + secrets.token_hex(32)
    cloid = "0x" + secrets.token_hex(16)  # Hyperliquid's client id: 0x + 32 hex digits

    async def main() -> None:
        config = CcxtVenueConfig(venue="hyperliquid", url=url, throttle=False, retries=0)
        venue = CcxtVenue(config, HYPERLIQUID, Credentials(wallet, private_key))
        try:
            placed = await venue.place(
                OrderRequest(cloid, PERP, "buy", 0.001, type="limit", price=40_000.0)
            )
            assert (placed.venue_order_id, placed.status) == ("77", "open")
            await venue.place(OrderRequest("0x" + secrets.token_hex(16), PERP, "sell", 0.001))
        finally:
            await venue.close()

    asyncio.run(main())
    actions = [b["action"] for b in bodies if b["path"] == "/exchange"]
    orders = [a for a in actions if a["type"] == "order"]
    assert len(orders) == 2
    assert orders[0]["orders"][0]["c"] == cloid
    assert all("builder" not in order for order in orders)
    assert [a["type"] for a in actions] == ["order", "order"]  # no approveBuilderFee, no referrer
    assert private_key not in str(bodies)


def test_hyperliquid_holdings_exclude_unrealised_pnl(
    recorded: tuple[str, list[dict[str, Any]]],
) -> None:
    url, _ = recorded

    async def main() -> None:
        config = CcxtVenueConfig(venue="hyperliquid", url=url, throttle=False, retries=0)
        wallet, key = "0x" + secrets.token_hex(20), "0x" + secrets.token_hex(32)
        venue = CcxtVenue(config, HYPERLIQUID, Credentials(wallet, key))
        try:
            held = await venue.holdings()
            quotes = await venue.quotes([PERP])
        finally:
            await venue.close()
        # account value 10,150 includes +150 unrealised: the wallet holds 10,000 USDC
        assert held.balances == {"USDC": 10_000.0}
        assert held.positions[PERP].size == -0.1 and held.positions[PERP].entry == 41_500.0
        assert quotes[PERP].mark == 40_000.0 and quotes[PERP].funding_rate == 0.0000125

    asyncio.run(main())
