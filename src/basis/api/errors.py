"""Errors at the HTTP boundary: one JSON shape with the CLI's codes, a request id, no traceback.

`{"error": {"code", "message", "field", "request_id"}}`: a `BasisError` keeps its code
(config and data errors are 422, a missing run 404, the service's own errors carry their
status); a bug is a 500 `INTERNAL_ERROR` logged with the request id the client is shown.
"""

from __future__ import annotations

import logging
import secrets
from html import escape
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from basis.errors import (
    AuthRequiredError,
    BasisError,
    ConfigError,
    DataError,
    DataMissingError,
    RateLimitedError,
    RunNotFoundError,
    ServiceError,
)

__all__ = ["BodyLimit", "RequestId", "install", "request_id", "status_of"]

log = logging.getLogger("basis.api")
HEADER: Final = "X-Request-ID"
HTTP_CODES: Final = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "REQUEST_TOO_LARGE"}


def status_of(error: BasisError) -> int:
    """The HTTP status of a `BasisError`: bad input is 4xx, never 5xx."""
    if isinstance(error, ServiceError):
        return error.status
    if isinstance(error, RunNotFoundError | DataMissingError):
        return 404
    if isinstance(error, ConfigError | DataError):
        return 422
    return 409  # mechanics: a valid request the market state refuses


def request_id(request: Request) -> str:
    """This request's id (set by `RequestId`), shown to the client and written in the log."""
    return str(getattr(request.state, "request_id", "-"))


def body(code: str, message: str, field: str | None, request: Request) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "field": field,
            "request_id": request_id(request),
        }
    }


def _respond(request: Request, status: int, content: dict[str, Any], **headers: str) -> Response:
    headers[HEADER] = request_id(request)
    if request.url.path.startswith("/api/") or request.url.path == "/health":
        return JSONResponse(content, status_code=status, headers=headers)
    return _page(request, status, content["error"], headers)


def _page(
    request: Request, status: int, error: dict[str, Any], headers: dict[str, str]
) -> Response:
    """Pages answer with HTML; a page that needs a session sends the browser to the login."""
    refresh = ""
    if status == 401:
        target = escape(request.url.path, quote=True)
        refresh = f'<meta http-equiv="refresh" content="0; url=/login?next={target}">'
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{refresh}'
        f"<title>basis · {status}</title>"
        '<link rel="stylesheet" href="/static/app.css"></head><body><main class="narrow">'
        f"<h1>{status}</h1><p class=error>[{escape(error['code'])}] {escape(error['message'])}</p>"
        f"<p class=muted>request {escape(error['request_id'])}</p>"
        '<p><a href="/">runs</a> · <a href="/login">sign in</a></p></main></body></html>'
    )
    return HTMLResponse(html, status_code=status, headers=headers)


async def _basis_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, BasisError):
        raise error
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, RateLimitedError):
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    if isinstance(error, AuthRequiredError):
        headers["WWW-Authenticate"] = "Bearer"
    return _respond(
        request, status, body(error.code, error.message, error.field, request), **headers
    )


async def _validation_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, RequestValidationError):
        raise error
    details = [
        {"field": _field(item["loc"]), "message": str(item["msg"])} for item in error.errors()
    ]
    first = details[0] if details else {"field": None, "message": "invalid request"}
    content = body(
        "REQUEST_INVALID", f"{first['field']}: {first['message']}", first["field"], request
    )
    content["error"]["details"] = details
    return _respond(request, 422, content)


async def _http_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, HTTPException):
        raise error
    code = HTTP_CODES.get(error.status_code, "HTTP_ERROR")
    message = str(error.detail) if error.detail else code.lower().replace("_", " ")
    return _respond(request, error.status_code, body(code, message, None, request))


async def _bug(request: Request, error: Exception) -> Response:
    log.error(
        "request %s %s %s failed",
        request_id(request),
        request.method,
        request.url.path,
        exc_info=error,
    )
    message = f"internal error; quote request id {request_id(request)} when reporting it"
    return _respond(request, 500, body("INTERNAL_ERROR", message, None, request))


def _field(location: Any) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers: every error leaves as the one JSON shape (or an HTML page)."""
    app.add_exception_handler(BasisError, _basis_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _bug)


class RequestId:
    """Give every HTTP request an id (`X-Request-ID` on the response) for logs and errors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        identifier = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = identifier

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", identifier.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, f"request body over {self.limit:,} bytes")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        content = body(
            "REQUEST_TOO_LARGE", f"request body over {self.limit:,} bytes", None, request
        )
        await JSONResponse(content, status_code=413)(scope, receive, send)
