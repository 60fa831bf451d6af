"""Every route of the app answers 401 without credentials, except the few that must not."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount
from starlette.websockets import WebSocketDisconnect

try:  # FastAPI ≥ 0.16x includes routers lazily; this walks them with their full paths.
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI keeps a flat list
    iter_route_contexts = None

# The routes a stranger may reach: liveness, signing in, the login page and its assets.
PUBLIC = {
    ("GET", "/health"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/openapi.json"),
    ("GET", "/static/plotly.min.js"),
}


def routes(app: Any) -> list[tuple[str, set[str], BaseRoute]]:
    """Every (full path, methods, route) of `app`, through included routers."""
    assert isinstance(app, FastAPI)
    if iter_route_contexts is None:
        return [(r.path, getattr(r, "methods", None) or set(), r) for r in app.routes]
    return [
        (str(c.path), set(c.methods or ()), c.original_route)
        for c in iter_route_contexts(app.routes)
    ]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "abcdef123456", path)


def test_every_route_without_credentials_answers_401(client: TestClient) -> None:
    checked = 0
    for path, methods, route in routes(client.app):
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(methods - {"HEAD"}):
            if (method, path) in PUBLIC:
                continue
            response = client.request(method, _concrete(path))
            assert response.status_code == 401, (method, path, response.text)
            checked += 1
    assert checked >= 30


def test_routes_outside_the_public_set_exist_and_public_ones_answer(client: TestClient) -> None:
    paths = {(method, path) for path, methods, _ in routes(client.app) for method in methods}
    assert paths >= PUBLIC
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/static/htmx.min.js").status_code == 200
    assert client.get("/static/plotly.min.js").status_code == 200


def test_the_static_mount_serves_files_only(client: TestClient) -> None:
    mounts = [path for path, _, route in routes(client.app) if isinstance(route, Mount)]
    assert mounts == ["/static"]
    assert client.get("/static/../app.py").status_code == 404


def test_the_websocket_without_credentials_is_closed_with_4401(client: TestClient) -> None:
    sockets = [path for path, _, r in routes(client.app) if isinstance(r, APIWebSocketRoute)]
    assert sockets == ["/api/v1/ws"]
    with client.websocket_connect("/api/v1/ws") as socket:
        socket.send_json({"type": "auth", "token": "nonsense"})
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == 4401
