"""The emulator as an HTTP server on 127.0.0.1: Binance's REST dialect plus `/_emulator` endpoints.

`build_emulator` loads the replay and opens the venue; `create_app` wraps it in a Starlette
app (faults, rate limit, signatures, then the dialect's handler); `running_emulator` serves
it from a background thread for tests and benchmarks; `serve` blocks for the CLI.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl

import uvicorn
from pydantic import Field, ValidationError, model_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as HttpRoute
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from basis.config.base import FrozenModel
from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from basis.errors import ConfigError
from basis.venues.emulator.accounts import EmulatorRejectedError, parse_balances
from basis.venues.emulator.binance_api import ROUTES
from basis.venues.emulator.binance_wire import Call
from basis.venues.emulator.exchange import Exchange
from basis.venues.emulator.faults import FaultPlan, FaultSpec
from basis.venues.emulator.guards import KeyStore, RateLimiter, signed_params
from basis.venues.emulator.inspection import (
    account_view,
    executions,
    fill_view,
    income_view,
    order_view,
)
from basis.venues.emulator.pacifica_api import PacificaDialect
from basis.venues.emulator.replay import EmulatorClock, load_replay

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "RunningEmulator",
    "build_emulator",
    "create_app",
    "running_emulator",
    "serve",
    "serve_in_thread",
]

HOST = "127.0.0.1"
INTERNAL_ERROR = {"code": -1001, "msg": "Internal error; unable to process your request."}


class EmulatorConfig(FrozenModel):
    """What `basis venue serve` starts: which data, how fast, and what each account holds."""

    dataset: str = "scenario:default"
    venue: str = "binance"
    dialect: Literal["binance", "pacifica"] = "binance"
    speed: float = Field(default=1.0, gt=0.0, le=1_000_000.0)
    start: dt.datetime | None = None
    balances: tuple[str, ...] = ("USDT=1000000",)
    weight_per_minute: int = Field(default=2400, ge=1)
    port: int = Field(default=0, ge=0, le=65535)

    @model_validator(mode="after")
    def _balances_parse(self) -> EmulatorConfig:
        parse_balances(self.balances)  # ConfigError naming the bad item, before any work
        return self


@dataclass
class Emulator:
    """One running venue: its exchange, known keys, pending faults and rate limiter."""

    exchange: Exchange
    keys: KeyStore
    faults: FaultPlan
    limiter: RateLimiter
    config: EmulatorConfig
    pacifica: PacificaDialect | None = None  # the Pacifica dialect's state (--dialect pacifica)


def build_emulator(
    config: EmulatorConfig,
    catalog: Catalog,
    configs_path: Path,
    wall: Callable[[], float] = time.time,
) -> Emulator:
    """Load the replay of `config.dataset` and open the venue at `config.start` (default: the
    data's first hour). Raises DataMissingError / ConfigError naming what is wrong."""
    if config.dialect == "pacifica" and config.venue == "binance":
        config = config.model_copy(update={"venue": "pacifica"})
    if config.venue != config.dialect:
        raise ConfigError(
            f"the {config.dialect} dialect serves venue {config.dialect}, got {config.venue!r}"
        )
    venue = load_market(configs_path).venue(config.venue)
    replay = load_replay(catalog, config.dataset, config.venue, venue.funding.interval_hours)
    start = config.start or replay.start
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    if not replay.start <= start < replay.end:
        raise ConfigError(
            f"--start {start.isoformat()} is outside the data of {config.dataset!r}: "
            f"{replay.start.isoformat()} → {replay.end.isoformat()}"
        )
    clock = EmulatorClock(start, config.speed, wall)
    exchange = Exchange(replay, clock, venue, parse_balances(config.balances))
    limiter = RateLimiter(config.weight_per_minute)
    pacifica = PacificaDialect(exchange, limiter) if config.dialect == "pacifica" else None
    return Emulator(exchange, KeyStore(), FaultPlan(), limiter, config, pacifica)


def create_app(emulator: Emulator) -> Starlette:
    """The ASGI app of `emulator`: venue routes behind faults, rate limit and signatures."""

    async def venue(request: Request) -> Response:
        method, path = request.method, request.url.path
        fault = emulator.faults.take(method, path)
        if fault is not None:
            early = await _early_fault(request, fault)
            if early is not None:
                return early
        response = _dispatch(emulator, request, await request.body())
        if fault is not None and fault.kind == "accept_then_timeout":
            await asyncio.sleep(fault.seconds)
        return response

    async def orders(request: Request) -> Response:
        exchange = emulator.exchange
        exchange.advance()
        return JSONResponse([order_view(exchange, o) for o in list(exchange.orders)])

    async def fills(request: Request) -> Response:
        exchange = emulator.exchange
        exchange.advance()
        return JSONResponse([fill_view(exchange, t) for t in executions(exchange)])

    async def funding(request: Request) -> Response:
        exchange = emulator.exchange
        exchange.advance()
        return JSONResponse([income_view(i) for i in list(exchange.incomes)])

    async def accounts(request: Request) -> Response:
        exchange = emulator.exchange
        if request.method == "POST":
            body = await _json(request)
            balances = body.get("balances")
            try:
                if balances is not None and not isinstance(balances, list):
                    raise ConfigError("balances: expected a list of ASSET=AMOUNT items")
                opening = None if balances is None else parse_balances([str(b) for b in balances])
                if emulator.pacifica is not None:  # keyed by public key; signatures, no secret
                    agent = body.get("agent_wallet")
                    name = emulator.pacifica.register(
                        str(body["api_key"]), None if agent is None else str(agent), opening
                    )
                    return JSONResponse({"account": name})
                emulator.keys.register(str(body.get("api_key", "")), str(body.get("secret", "")))
            except (EmulatorRejectedError, ConfigError) as error:
                return JSONResponse({"error": error.message}, status_code=400)
            opened = exchange.account(str(body["api_key"]), opening)
            return JSONResponse({"account": opened.name})
        now = exchange.advance()
        return JSONResponse(
            [account_view(exchange, a, now) for a in list(exchange.accounts.values())]
        )

    async def clock(request: Request) -> Response:
        exchange = emulator.exchange
        now = exchange.advance()
        return JSONResponse(
            {
                "now": now.isoformat(),
                "now_ms": int(now.timestamp() * 1000),
                "speed": exchange.clock.speed,
                "data_start": exchange.replay.start.isoformat(),
                "data_end": exchange.replay.end.isoformat(),
                "ended": now >= exchange.replay.end,  # past the data: prices frozen
            }
        )

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                emulator.faults.add(FaultSpec.model_validate(await _json(request)))
            except ValidationError as error:
                return JSONResponse({"error": str(error)}, status_code=400)
        elif request.method == "DELETE":
            emulator.faults.clear()
        return JSONResponse({"pending": emulator.faults.pending()})

    async def prices_stream(socket: WebSocket) -> None:
        await stream_prices(emulator, socket)

    routes = [
        WebSocketRoute("/ws", prices_stream),
        HttpRoute("/_emulator/orders", orders, methods=["GET"]),
        HttpRoute("/_emulator/fills", fills, methods=["GET"]),
        HttpRoute("/_emulator/funding", funding, methods=["GET"]),
        HttpRoute("/_emulator/accounts", accounts, methods=["GET", "POST"]),
        HttpRoute("/_emulator/clock", clock, methods=["GET"]),
        HttpRoute("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        HttpRoute("/{path:path}", venue, methods=["GET", "POST", "DELETE", "PUT"]),
    ]
    return Starlette(routes=routes)


async def _json(request: Request) -> dict[str, object]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _early_fault(request: Request, fault: FaultSpec) -> Response | None:
    """Apply a fault that acts before the request is done; None lets the request go on."""
    if fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
        return None
    if fault.kind == "error":
        return JSONResponse(INTERNAL_ERROR, status_code=fault.status)
    if fault.kind == "rate_limit":
        return JSONResponse(
            {"code": -1003, "msg": "Too many requests; injected by the emulator."},
            status_code=429,
            headers={"Retry-After": str(fault.retry_after)},
        )
    if fault.kind == "drop":
        cycle = getattr(request.receive, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is not None:
            transport.abort()  # the client sees the connection reset, no answer
        return Response(status_code=500)
    return None


def _dispatch(emulator: Emulator, request: Request, body: bytes) -> Response:
    """Run one venue request through rate limit, key and signature checks and its handler."""
    method, path = request.method, request.url.path
    if emulator.pacifica is not None:
        status, document, headers = emulator.pacifica.answer(
            method, path, dict(parse_qsl(request.url.query)), body
        )
        return JSONResponse(document, status_code=status, headers=headers)
    route = ROUTES.get((method, path))
    if route is None:
        return JSONResponse(
            {"code": -1000, "msg": f"the emulator does not implement {method} {path}"},
            status_code=404,
        )
    api_key = request.headers.get("X-MBX-APIKEY")
    client = api_key or (request.client.host if request.client else HOST)
    try:
        used = emulator.limiter.take(client, route.weight)
        query, text = request.url.query, body.decode("utf-8", errors="replace")
        if route.signed:
            params = signed_params(query, text, api_key, emulator.keys, int(time.time() * 1000))
        else:
            params = dict(parse_qsl(query))
        call = Call(emulator.exchange, params, api_key or "", emulator.limiter.limit)
        result = route.handler(call)
    except EmulatorRejectedError as error:
        headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
        return JSONResponse(
            {"code": error.venue_code, "msg": error.message},
            status_code=error.status,
            headers=headers,
        )
    return JSONResponse(result, headers={"X-MBX-USED-WEIGHT-1M": str(used)})


@dataclass
class RunningEmulator:
    """An emulator served from a background thread; `url` is its base address."""

    emulator: Emulator
    url: str


@contextmanager
def serve_in_thread(app: Starlette, port: int = 0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port when 0) from a daemon thread until the block
    ends; yield its base URL. Raises ConfigError when it cannot listen."""
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,  # a held (faulted) answer must not hold up the stop
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="venue-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigError(f"cannot listen on {HOST}:{port}")
        time.sleep(0.01)
    bound = int(server.servers[0].sockets[0].getsockname()[1])
    try:
        yield f"http://{HOST}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_emulator(emulator: Emulator, port: int = 0) -> Iterator[RunningEmulator]:
    """Serve `emulator` on 127.0.0.1 (a free port when 0) until the block ends."""
    with serve_in_thread(create_app(emulator), port) as url:
        yield RunningEmulator(emulator, url)


def serve(
    config: EmulatorConfig,
    catalog: Catalog,
    configs_path: Path,
    credentials: Sequence[tuple[str, str]] = (),
    announce: Callable[[str], None] = print,
) -> None:
    """`basis venue serve`: generate the scenario when the catalog lacks it, register the
    given key/secret pairs, and serve on 127.0.0.1:`config.port` until SIGINT / SIGTERM."""
    if config.dataset.startswith("scenario:") and config.dataset not in catalog.datasets():
        name = config.dataset.removeprefix("scenario:")
        announce(f"generating {config.dataset} into {catalog.root}")
        write_scenario(catalog, load_scenario(name, configs_path), load_market(configs_path))
    emulator = build_emulator(config, catalog, configs_path)
    for api_key, secret in credentials:
        if emulator.pacifica is not None:
            from basis.venues.pacifica.signing import Signer

            emulator.pacifica.register(api_key, Signer(api_key, secret).agent_wallet, None)
            continue
        emulator.keys.register(api_key, secret)
    exchange = emulator.exchange
    announce(
        f"{emulator.config.venue} emulator ({config.dialect} dialect) on "
        f"http://{HOST}:{config.port}: {config.dataset} from "
        f"{exchange.clock.now().isoformat()} at {config.speed:g}x "
        f"(data {exchange.replay.start.isoformat()} → {exchange.replay.end.isoformat()}); "
        f"{len(credentials)} key(s) registered, more with POST /_emulator/accounts"
    )
    uvicorn.run(
        create_app(emulator), host=HOST, port=config.port, log_level="warning", lifespan="off"
    )


PRICES_EVERY = 0.5  # seconds between price messages on the WebSocket


async def stream_prices(emulator: Emulator, socket: WebSocket) -> None:
    """Pacifica's WebSocket (`/ws`): after `{"method": "subscribe", "params": {"source":
    "prices"}}`, a `{"channel": "prices", "data": [...]}` message every half second (the
    rows of `GET /api/v1/info/prices`). Other dialects close it (code 1008)."""
    await socket.accept()
    if emulator.pacifica is None:
        await socket.close(code=1008)
        return
    try:
        request = await socket.receive_json()
        params = request.get("params") if isinstance(request, dict) else None
        if not (isinstance(params, dict) and params.get("source") == "prices"):
            await socket.send_json({"channel": "error", "data": "subscribe to source prices"})
            await socket.close(code=1008)
            return
        while True:
            await socket.send_json({"channel": "prices", "data": emulator.pacifica.prices({})})
            await asyncio.sleep(PRICES_EVERY)
    except WebSocketDisconnect:
        return
