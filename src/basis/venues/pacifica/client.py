"""A Pacifica account as a live `Venue`: our own thin async client (httpx, websockets).

Markets are named as the book names them (`pacifica:perp:BTCUSDC`, USDC-margined linear
perps); Pacifica names them by base asset (`BTC`) with sides `bid` and `ask`. Reads are
public GETs by account; orders and cancels are signed (`signing.Signer`), with an API agent
key (`agent_wallet`) or the account's own key. Every request first spends rate credits from
the account's token bucket (Pacifica counts credits per 60 s: 1 a request, 0.5 a cancel,
3 a heavy history read), then honours a 429's `Retry-After`; reads also retry 5xx and
network errors with exponential backoff, while an order whose answer was lost is left to
reconciliation by its client id (its fate is unknown, never guessed). No builder code is
ever sent or approved.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from basis.errors import InstrumentError
from basis.live.venue import (
    FundingPaid,
    Holdings,
    OrderRejectedError,
    OrderRequest,
    OrderStatus,
    PerpHolding,
    Quote,
    Side,
    VenueError,
    VenueFill,
    VenueOrder,
    VenueUnavailableError,
)
from basis.venues.credentials import Credentials
from basis.venues.pacifica.signing import Signer
from basis.venues.rate_limit import TokenBucket

__all__ = ["MAINNET", "TESTNET", "PacificaConfig", "PacificaRefusedError", "PacificaVenue"]

MAINNET: Final = "https://api.pacifica.fi"
TESTNET: Final = "https://test-api.pacifica.fi"
NAME: Final = "pacifica"
CASH: Final = "USDC"
ORDER_NOT_FOUND: Final = 6
CREDITS_PER_MINUTE: Final = 125.0  # without an API config key (300 with one)
_STATUS: Final[dict[str, OrderStatus]] = {
    "open": "open",
    "partially_filled": "open",
    "filled": "closed",
    "cancelled": "canceled",
    "rejected": "rejected",
}


class PacificaRefusedError(OrderRejectedError):
    """Pacifica refused a signed operation; `venue_code` is its business code (6: no such
    order, 5: insufficient balance, 36: duplicate client order id; docs/pacifica.md)."""

    def __init__(self, message: str, venue_code: int | None) -> None:
        super().__init__(message)
        self.venue_code = venue_code


@dataclass(frozen=True)
class PacificaConfig:
    """Where and how to reach Pacifica. `url` overrides the network (the emulator)."""

    testnet: bool = False
    url: str | None = None
    timeout_seconds: float = 10.0
    expiry_window_ms: int = 5_000
    slippage_percent: float = 0.5  # the market-order price protection sent with each order
    credits_per_minute: float = CREDITS_PER_MINUTE
    throttle: bool = True  # our token bucket; off against the local emulator
    retries: int = 4
    backoff_seconds: float = 0.25
    max_backoff_seconds: float = 5.0
    max_retry_after_seconds: float = 30.0

    @property
    def base_url(self) -> str:
        return self.url or (TESTNET if self.testnet else MAINNET)


class PacificaVenue:
    """One Pacifica account. `credentials.api_key` is the account's public key, `secret`
    the base58 keypair that signs for it (an API agent key, or the account's own)."""

    name = NAME

    def __init__(
        self,
        config: PacificaConfig,
        credentials: Credentials | None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._account = credentials.api_key if credentials is not None else ""
        self._signer = (
            Signer(credentials.api_key, credentials.secret)
            if credentials is not None and credentials.secret
            else None
        )
        self._sleep, self._clock = sleep, clock
        self._http = httpx.AsyncClient(base_url=config.base_url, timeout=config.timeout_seconds)
        self._bucket = TokenBucket.per_window(config.credits_per_minute, 60.0)
        self._markets: dict[str, dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"PacificaVenue({self.config.base_url})"

    # ----------------------------------------------------------------------------- names
    def symbol(self, market: str) -> str:
        """`pacifica:perp:BTCUSDC` → `BTC`; InstrumentError for anything else."""
        venue, kind, name = [*market.split(":"), "", ""][:3]
        if venue != NAME or kind != "perp" or not name.endswith(CASH) or name == CASH:
            raise InstrumentError(f"{market!r}: expected {NAME}:perp:<BASE>{CASH}")
        return name.removesuffix(CASH)

    @staticmethod
    def market_name(symbol: str) -> str:
        return f"{NAME}:perp:{symbol}{CASH}"

    # ----------------------------------------------------------------------------- reads
    async def quotes(self, markets: Sequence[str]) -> dict[str, Quote]:
        rows = {r["symbol"]: r for r in await self._get("/api/v1/info/prices")}
        found = {}
        for market in markets:
            row = rows.get(self.symbol(market))
            if row is None:
                raise VenueError(f"{NAME}: no price for {market}")
            found[market] = Quote(
                market=market,
                mark=_float(row, "mark"),
                time=_time(row.get("timestamp")),
                index=_float(row, "oracle"),
                funding_rate=_float(row, "next_funding"),
            )
        return found

    async def holdings(self) -> Holdings:
        account = await self._get("/api/v1/account", {"account": self._account})
        positions = await self._get("/api/v1/positions", {"account": self._account})
        held = {
            self.market_name(p["symbol"]): PerpHolding(
                size=_float(p, "amount") * (1.0 if p["side"] == "bid" else -1.0),
                entry=_float(p, "entry_price"),
            )
            for p in positions
        }
        return Holdings({CASH: _float(account, "balance")}, held)

    async def order(self, client_order_id: str, market: str) -> VenueOrder | None:
        symbol = self.symbol(market)
        for row in await self._get("/api/v1/orders", {"account": self._account}):
            if row.get("client_order_id") == client_order_id and row.get("symbol") == symbol:
                return self._order(row)
        history = await self._get(
            "/api/v1/orders/history", {"account": self._account, "limit": "1000"}, cost=3.0
        )
        for row in history:  # newest first
            if row.get("client_order_id") == client_order_id and row.get("symbol") == symbol:
                return self._order(row)
        return None

    async def open_orders(self) -> list[VenueOrder]:
        rows = await self._get("/api/v1/orders", {"account": self._account})
        return [self._order(row) for row in rows]

    async def precise(self, market: str, amount: float) -> float:
        info = (await self._market_info()).get(self.symbol(market))
        if info is None:
            raise OrderRejectedError(f"{NAME}: {market} is not listed")
        lot = _float(info, "lot_size")
        rounded = math.floor(amount / lot + 1e-9) * lot
        rounded = float(f"{rounded:.12g}")
        if rounded <= 0.0:
            raise OrderRejectedError(f"{NAME}: {amount:g} {market} is below the lot size {lot:g}")
        return rounded

    async def fills(self, market: str, since: datetime) -> list[VenueFill]:
        params = {
            "account": self._account,
            "symbol": self.symbol(market),
            "start_time": str(int(since.timestamp() * 1000)),
        }
        rows = await self._pages("/api/v1/trades/history", params, cost=3.0)
        fills = [
            VenueFill(
                trade_id=str(r["history_id"]),
                venue_order_id=str(r["order_id"]),
                client_order_id=r.get("client_order_id"),
                market=market,
                side="buy" if r["side"] in ("open_long", "close_short") else "sell",
                amount=_float(r, "amount"),
                price=_float(r, "price"),
                fee=_float(r, "fee"),
                fee_asset=CASH,
                time=_time(r["created_at"]),
            )
            for r in rows
        ]
        return sorted(fills, key=lambda f: (f.time, f.trade_id))

    async def funding(self, since: datetime) -> list[FundingPaid]:
        rows = await self._pages("/api/v1/funding/history", {"account": self._account})
        paid = [
            FundingPaid(
                funding_id=str(r["history_id"]),
                market=self.market_name(r["symbol"]),
                amount=_float(r, "payout"),
                time=_time(r["created_at"]),
            )
            for r in rows
        ]
        return sorted((p for p in paid if p.time >= since), key=lambda p: (p.time, p.funding_id))

    async def stream_prices(self) -> AsyncIterator[dict[str, Quote]]:
        """Quotes of every market as Pacifica's WebSocket (`/ws`, source `prices`) pushes them."""
        import websockets

        url = self.config.base_url.replace("http", "ws", 1) + "/ws"
        async with websockets.connect(url) as socket:
            await socket.send(json.dumps({"method": "subscribe", "params": {"source": "prices"}}))
            async for text in socket:
                message = _loads(text)
                if message.get("channel") != "prices":
                    continue
                yield {
                    self.market_name(r["symbol"]): Quote(
                        market=self.market_name(r["symbol"]),
                        mark=_float(r, "mark"),
                        time=_time(r.get("timestamp")),
                        index=_float(r, "oracle"),
                        funding_rate=_float(r, "next_funding"),
                    )
                    for r in message.get("data", [])
                }

    # ----------------------------------------------------------------------------- orders
    async def place(self, request: OrderRequest) -> VenueOrder:
        existing = await self.order(request.client_order_id, request.market)
        if existing is not None:
            return existing  # a retry of an order the venue already has
        kind, payload = self._create(request)
        await self._post(f"/api/v1/orders/{_PATHS[kind]}", kind, payload)
        placed = await self.order(request.client_order_id, request.market)
        if placed is None:
            raise VenueUnavailableError(
                f"{NAME}: order {request.client_order_id} accepted but not found"
            )
        return placed

    async def place_batch(self, requests: Sequence[OrderRequest]) -> list[VenueOrder | str]:
        """Limit orders in one request (`POST /orders/batch`), each signed on its own; per
        order its state, or the venue's reason for refusing it. Pacifica batches limit
        orders only."""
        actions = []
        for request in requests:
            kind, payload = self._create(request)
            if kind != "create_order":
                raise OrderRejectedError(f"{NAME}: a batch holds limit orders only")
            actions.append({"type": "Create", "data": self._signed(kind, payload)})
        data = await self._request("POST", "/api/v1/orders/batch", body={"actions": actions})
        results: list[VenueOrder | str] = []
        for request, result in zip(requests, data["results"], strict=True):
            if not result.get("success"):
                results.append(str(result.get("error")))
                continue
            found = await self.order(request.client_order_id, request.market)
            results.append(found if found is not None else "accepted but not found")
        return results

    async def cancel(self, client_order_id: str, market: str) -> VenueOrder | None:
        payload = {"symbol": self.symbol(market), "client_order_id": client_order_id}
        try:
            await self._post("/api/v1/orders/cancel", "cancel_order", payload, cost=0.5)
        except PacificaRefusedError as refusal:
            if refusal.venue_code != ORDER_NOT_FOUND:
                raise
        return await self.order(client_order_id, market)

    async def close(self) -> None:
        await self._http.aclose()

    def _create(self, request: OrderRequest) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {
            "symbol": self.symbol(request.market),
            "amount": _decimal(request.amount),
            "side": "bid" if request.side == "buy" else "ask",
            "reduce_only": request.reduce_only,
            "client_order_id": request.client_order_id,
        }
        if request.type == "market":
            return "create_market_order", payload | {
                "slippage_percent": _decimal(self.config.slippage_percent)
            }
        if request.price is None:
            raise OrderRejectedError(f"{NAME}: a limit order needs a price")
        return "create_order", payload | {"price": _decimal(request.price), "tif": "GTC"}

    # ----------------------------------------------------------------------------- wire
    def _signed(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        if self._signer is None:
            raise VenueError(f"{NAME}: no signing key: orders need the account's credentials")
        now = int(self._clock() * 1000)
        return self._signer.sign(kind, payload, now, self.config.expiry_window_ms)

    async def _post(
        self, path: str, kind: str, payload: Mapping[str, Any], cost: float = 1.0
    ) -> Any:
        # signed afresh on every attempt: a 429's wait may outlast the expiry window
        return await self._request("POST", path, sign=(kind, payload), cost=cost)

    async def _get(
        self, path: str, params: Mapping[str, str] | None = None, cost: float = 1.0
    ) -> Any:
        return await self._request("GET", path, params=params, cost=cost)

    async def _pages(
        self, path: str, params: Mapping[str, str], cost: float = 1.0
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = dict(params) | ({"cursor": cursor} if cursor else {})
            answer = await self._request("GET", path, params=query, cost=cost, whole=True)
            rows += answer["data"]
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return rows

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        sign: tuple[str, Mapping[str, Any]] | None = None,
        cost: float = 1.0,
        whole: bool = False,
    ) -> Any:
        """Send with rate credits; retry a 429 (any request: it was not processed) and, for
        reads, 5xx and network errors. Raises OrderRejectedError for a definite refusal of
        a write, VenueUnavailableError when no definite answer came."""
        idempotent = method == "GET"
        for attempt in range(self.config.retries + 1):
            if self.config.throttle:
                await self._bucket.acquire(cost, self._sleep)
            content = self._signed(*sign) if sign is not None else body
            try:
                response = await self._http.request(method, path, params=params, json=content)
            except httpx.HTTPError as error:
                if idempotent and attempt < self.config.retries:
                    await self._sleep(self._delay(attempt))
                    continue
                raise VenueUnavailableError(
                    f"{NAME}: {method} {path}: {type(error).__name__}"
                ) from None
            if response.status_code == 429 and attempt < self.config.retries:
                await self._sleep(self._retry_after(response, attempt, path))
                continue
            if response.status_code >= 500 or response.status_code == 429:
                if idempotent and response.status_code != 429 and attempt < self.config.retries:
                    await self._sleep(self._delay(attempt))
                    continue
                raise VenueUnavailableError(f"{NAME}: {method} {path}: HTTP {response.status_code}")
            document = _loads(response.text)
            if response.status_code >= 400 or not document.get("success", False):
                code = document.get("code")
                message = f"{NAME}: {method} {path}: {document.get('error')} (code {code})"
                if idempotent:
                    raise VenueError(message)
                raise PacificaRefusedError(message, code if isinstance(code, int) else None)
            return document if whole else document.get("data")
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int) -> float:
        return float(min(self.config.backoff_seconds * 2**attempt, self.config.max_backoff_seconds))

    def _retry_after(self, response: httpx.Response, attempt: int, path: str) -> float:
        header = response.headers.get("Retry-After")
        try:
            wait = float(header) if header is not None else self._delay(attempt)
        except ValueError:
            wait = self._delay(attempt)
        if wait > self.config.max_retry_after_seconds:
            raise VenueUnavailableError(
                f"{NAME}: {path}: rate limited for {wait:g} s, longer than the "
                f"{self.config.max_retry_after_seconds:g} s the client waits"
            )
        return max(wait, self._delay(attempt))

    async def _market_info(self) -> dict[str, dict[str, Any]]:
        if self._markets is None:
            self._markets = {row["symbol"]: row for row in await self._get("/api/v1/info")}
        return self._markets

    def _order(self, row: Mapping[str, Any]) -> VenueOrder:
        filled = _float(row, "filled_amount")
        average = row.get("average_filled_price")
        side: Side = "buy" if row["side"] == "bid" else "sell"
        return VenueOrder(
            client_order_id=str(row.get("client_order_id") or ""),
            venue_order_id=str(row["order_id"]),
            market=self.market_name(row["symbol"]),
            side=side,
            amount=_float(row, "initial_amount"),
            filled=filled,
            status=_STATUS.get(str(row.get("order_status", "open")), "open"),
            average=float(average) if average is not None and filled else None,
            time=_time(row.get("created_at")),
        )


_PATHS: Final = {"create_market_order": "create_market", "create_order": "create"}


def _float(row: Mapping[str, Any], name: str) -> float:
    try:
        value = float(row[name])
    except (KeyError, TypeError, ValueError):
        raise VenueError(f"{NAME}: expected a number in {name!r}, got {row.get(name)!r}") from None
    if not math.isfinite(value):
        raise VenueError(f"{NAME}: {name!r} is not finite")
    return value


def _decimal(value: float) -> str:
    return f"{value:.12g}"


def _time(ms: Any) -> datetime:
    if ms is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


def _loads(text: str | bytes) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        raise VenueError(f"{NAME}: the answer is not JSON") from None
    if not isinstance(document, dict):
        raise VenueError(f"{NAME}: the answer is not a JSON object")
    return document
