"""OKX through ccxt's real client against a local recorder on 127.0.0.1: simulated trading
sends its header, swap quotes take the mark from the mark-price endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.emulator.server import serve_in_thread
from basis.venues.okx import OKX

PERP = "okx:perp:BTCUSDT"
SWAP = {
    "instType": "SWAP",
    "instId": "BTC-USDT-SWAP",
    "uly": "BTC-USDT",
    "instFamily": "BTC-USDT",
    "baseCcy": "",
    "quoteCcy": "",
    "settleCcy": "USDT",
    "ctValCcy": "BTC",
    "ctVal": "0.01",
    "ctMult": "1",
    "ctType": "linear",
    "lotSz": "0.01",
    "tickSz": "0.1",
    "minSz": "0.01",
    "lever": "100",
    "state": "live",
    "listTime": "1606468572000",
    "expTime": "",
}


def recorder(requests: list[dict[str, Any]]) -> Starlette:
    async def public(request: Request) -> JSONResponse:
        requests.append({"path": request.url.path, "headers": dict(request.headers)})
        kind = request.url.path.rsplit("/", 1)[-1]
        data: list[dict[str, Any]] = []
        if kind == "instruments" and request.query_params.get("instType") == "SWAP":
            data = [SWAP]
        elif kind == "funding-rate":
            data = [
                {
                    "instType": "SWAP",
                    "instId": "BTC-USDT-SWAP",
                    "fundingRate": "0.0001",
                    "fundingTime": "1704096000000",
                    "nextFundingTime": "1704124800000",
                    "ts": "1704067200000",
                }
            ]
        elif kind == "mark-price":
            data = [
                {
                    "instType": "SWAP",
                    "instId": "BTC-USDT-SWAP",
                    "markPx": "42010.5",
                    "ts": "1704067200000",
                }
            ]
        return JSONResponse({"code": "0", "msg": "", "data": data})

    return Starlette(routes=[Route("/api/v5/public/{name}", public, methods=["GET"])])


@pytest.fixture
def recorded() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    requests: list[dict[str, Any]] = []
    with serve_in_thread(recorder(requests)) as url:
        yield url, requests


def test_okx_simulated_trading_quotes_take_mark_from_mark_price(
    recorded: tuple[str, list[dict[str, Any]]],
) -> None:
    url, requests = recorded

    async def main() -> None:
        config = CcxtVenueConfig(venue="okx", url=url, testnet=True, throttle=False, retries=0)
        venue = CcxtVenue(config, OKX, None)
        try:
            quote = (await venue.quotes([PERP]))[PERP]
        finally:
            await venue.close()
        assert (quote.mark, quote.funding_rate) == (42_010.5, 0.0001)

    asyncio.run(main())
    assert requests and all(r["headers"].get("x-simulated-trading") == "1" for r in requests)
    assert any(r["path"].endswith("/mark-price") for r in requests)
