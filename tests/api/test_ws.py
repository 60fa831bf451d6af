"""The WebSocket on a real uvicorn server, with the real `websockets` client."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from basis.api.app import create_app
from basis.api.config import ServiceConfig
from basis.config.settings import Settings
from tests.api.stubs import BACKTEST, login, serving


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[str, Any]]:
    app = create_app(settings, ServiceConfig(ws_queue=8))
    with serving(app) as url:
        yield url, app.state.context.hub


def _receive(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(socket.recv(timeout=30))
    return message


def test_job_progress_arrives_until_the_job_is_done(server: tuple[str, Any]) -> None:
    url, _ = server
    with httpx.Client(base_url=url) as client:
        headers = login(client, "tom")
        ws_url = url.replace("http", "ws") + "/api/v1/ws?topics=job"
        with connect(ws_url, additional_headers=headers) as socket:
            hello = _receive(socket)
            assert hello["type"] == "hello" and hello["data"]["user"] == "tom"
            job_id = client.post("/api/v1/backtests", json=dict(BACKTEST), headers=headers).json()
            states = []
            while not states or states[-1]["state"] not in ("done", "failed"):
                message = _receive(socket)
                assert message["type"] == "job" and message["seq"] >= 1
                states.append(message["data"])
    assert {m["job_id"] for m in states} == {job_id["job_id"]}
    assert states[-1]["state"] == "done" and states[-1]["run_id"]
    progress = [m["progress"] for m in states]
    assert progress == sorted(progress) and len(progress) > 2


def test_the_token_may_come_as_the_first_message(server: tuple[str, Any]) -> None:
    url, _ = server
    with httpx.Client(base_url=url) as client:
        token = login(client, "vera")["Authorization"].removeprefix("Bearer ")
    with connect(url.replace("http", "ws") + "/api/v1/ws") as socket:
        socket.send(json.dumps({"type": "auth", "token": token}))
        assert _receive(socket)["data"]["role"] == "viewer"


def test_a_cross_site_cookie_is_not_enough(server: tuple[str, Any]) -> None:
    url, _ = server
    with httpx.Client(base_url=url) as client:
        client.post("/login", data={"username": "vera", "password": "vera-viewer-password"})
        cookie = f"basis_session={client.cookies['basis_session']}"
    headers = {"Cookie": cookie, "Origin": "http://evil.example"}
    with connect(url.replace("http", "ws") + "/api/v1/ws", additional_headers=headers) as socket:
        socket.send(json.dumps({"type": "hello"}))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_a_slow_client_is_dropped_and_the_others_get_everything(
    server: tuple[str, Any],
) -> None:
    url, hub = server
    with httpx.Client(base_url=url) as client:
        headers = login(client, "vera")
    ws_url = url.replace("http", "ws") + "/api/v1/ws?topics=alert"
    payload = {"text": "x" * 64_000}
    with (
        _stalled(ws_url, headers) as slow,
        connect(ws_url, additional_headers=headers) as fast,
    ):
        _receive(fast)
        sent = 0
        # The slow reader stops reading; once the socket buffers are full its queue fills
        # and the hub drops it, while the fast one reads every message in order.
        while hub.clients == 2 and sent < 5_000:
            hub.publish("alert", payload | {"k": sent})
            assert _receive(fast)["data"]["k"] == sent
            sent += 1
        assert hub.clients == 1, "the slow client was never dropped"
        hub.publish("alert", payload | {"k": sent})
        assert _receive(fast)["data"]["k"] == sent
        slow.settimeout(30)
        tail = b""
        while chunk := slow.recv(1 << 20):  # read what was buffered up to the close frame
            tail = (tail + chunk)[-64:]
            if b"too slow" in tail:
                break
        assert b"too slow" in tail  # the close reason of code 1013


@contextlib.contextmanager
def _stalled(url: str, headers: dict[str, str]) -> Iterator[socket.socket]:
    """A WebSocket client that completes the handshake and then never reads."""
    parts = urlsplit(url)
    raw = socket.create_connection((parts.hostname, parts.port))
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {parts.path}?{parts.query} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    raw.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert raw.recv(4096).startswith(b"HTTP/1.1 101")
    try:
        yield raw
    finally:
        raw.close()
