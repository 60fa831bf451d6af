"""`/api/v1/ws`: job progress and live events over one authenticated WebSocket.

Authenticate with `Authorization: Bearer <token>` on the handshake, or the pages' session
cookie from the same origin, or else by sending `{"type": "auth", "token": "…"}` first,
within `AUTH_SECONDS`. `?topics=job,alert` narrows what is sent (default: every topic).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Final
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from basis.api.auth import Principal, decode_token, principal_from_claims
from basis.api.deps import SESSION_COOKIE, Context, bearer
from basis.api.hub import TOPICS, Client
from basis.errors import AuthRequiredError, BasisError

router = APIRouter()
AUTH_SECONDS: Final = 5.0
CLOSE_AUTH: Final = 4401  # the handshake's 401
CLOSE_BAD_REQUEST: Final = 4400
CLOSE_TOO_SLOW: Final = 1013  # try again later


@router.websocket("/ws")
async def events(websocket: WebSocket) -> None:
    context: Context = websocket.app.state.context
    try:
        topics = _topics(websocket.query_params.get("topics"))
    except ValueError as error:
        await websocket.close(CLOSE_BAD_REQUEST, str(error)[:120])
        return
    await websocket.accept()
    try:
        caller = await _authenticate(websocket, context)
    except (BasisError, WebSocketDisconnect, TimeoutError, ValueError) as error:
        reason = error.message if isinstance(error, BasisError) else "authentication required"
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(CLOSE_AUTH, reason[:120])
        return
    client = context.hub.connect(topics)
    try:
        data = {"user": caller.name, "role": caller.role, "topics": sorted(topics)}
        await websocket.send_text(json.dumps({"type": "hello", "data": data}))
        await _serve(websocket, client)
    finally:
        context.hub.disconnect(client)
    if client.dropped.is_set():
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(CLOSE_TOO_SLOW, "too slow: messages were dropping")


def _topics(raw: str | None) -> frozenset[str]:
    if not raw:
        return TOPICS
    chosen = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = chosen - TOPICS
    if unknown:
        raise ValueError(f"unknown topics {sorted(unknown)}")
    return chosen


async def _authenticate(websocket: WebSocket, context: Context) -> Principal:
    header = websocket.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthRequiredError("expected 'Authorization: Bearer <token>'")
        return bearer(context, token.strip())
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if cookie and _same_origin(websocket):
        claims = decode_token(cookie, "session", context.key)
        return principal_from_claims(context.store, claims, "cookie")[0]
    first = await asyncio.wait_for(websocket.receive_json(), AUTH_SECONDS)
    if not isinstance(first, dict) or first.get("type") != "auth":
        raise AuthRequiredError('send {"type": "auth", "token": "<token>"} first')
    return bearer(context, str(first.get("token", "")))


def _same_origin(websocket: WebSocket) -> bool:
    """A cookie counts only from the app's own pages (no cross-site WebSocket hijacking)."""
    origin = websocket.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == websocket.headers.get("host")


async def _serve(websocket: WebSocket, client: Client) -> None:
    """Send the client's queue until it disconnects or the hub drops it."""

    async def send() -> None:
        while True:
            await websocket.send_text(await client.queue.get())

    async def receive() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [
        asyncio.create_task(send()),
        asyncio.create_task(receive()),
        asyncio.create_task(client.dropped.wait()),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        error = task.exception()
        if error is not None and not isinstance(error, WebSocketDisconnect | RuntimeError):
            raise error
