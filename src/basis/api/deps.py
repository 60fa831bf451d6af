"""What a handler needs, as typed dependencies: the app's context, the caller, their role.

Every route but `/health`, the login and refresh routes, the login page, the static
assets and `/openapi.json` depends on `principal`; `tests/api/test_routes_auth.py`
enumerates the app's routes to prove it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Final, Protocol

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from basis.api.auth import (
    API_TOKEN_PREFIX,
    Principal,
    decode_token,
    principal_from_api_token,
    principal_from_claims,
)
from basis.api.config import ServiceConfig
from basis.api.hub import Hub
from basis.api.jobs import JobManager
from basis.api.limits import EndedSessions, RateLimiter
from basis.config.settings import Settings
from basis.errors import AuthRequiredError, PermissionDeniedError
from basis.store.users import UserStore

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Caller",
    "Context",
    "Ctx",
    "LiveRunner",
    "bearer",
    "csrf_token",
    "get_context",
    "principal",
    "require",
]

SESSION_COOKIE: Final = "basis_session"
CSRF_HEADER: Final = "X-CSRF-Token"
CSRF_FIELD: Final = "csrf_token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


class LiveRunner(Protocol):
    """What the live runtime gives the service (`create_app(..., live_runner=...)`).

    Until one is attached the app holds None and the live routes say "no live runner".
    Reads return JSON-ready documents; controls name the user for the audit trail and
    raise a `BasisError` when refused.
    """

    def status(self) -> Mapping[str, Any]: ...
    def positions(self) -> Sequence[Mapping[str, Any]]: ...
    def orders(self) -> Sequence[Mapping[str, Any]]: ...
    def risk(self) -> Mapping[str, Any]: ...
    def start(self, by: str) -> None: ...
    def stop(self, by: str) -> None: ...
    def kill(self, by: str) -> None: ...


@dataclass
class Context:
    """Everything the app shares across requests, built once by `create_app`."""

    settings: Settings
    config: ServiceConfig
    key: bytes
    store: UserStore
    jobs: JobManager
    hub: Hub
    templates: Jinja2Templates
    login_limit: RateLimiter
    user_limit: RateLimiter
    ended: EndedSessions
    live: LiveRunner | None = None
    # failed logins of names that are not users (they back off like users: no enumeration)
    unknown_logins: dict[str, tuple[int, datetime]] = field(default_factory=dict)


def get_context(request: Request) -> Context:
    """The app's context (set by `create_app`)."""
    context: Context = request.app.state.context
    return context


Ctx = Annotated[Context, Depends(get_context)]


def csrf_token(key: bytes, session: str) -> str:
    """The CSRF token of a page session: an HMAC of its id, so it cannot be forged or reused
    across sessions (pages echo it in a header or a form field on every unsafe request)."""
    return hmac.new(key, f"csrf:{session}".encode(), hashlib.sha256).hexdigest()


def bearer(context: Context, token: str) -> Principal:
    """The caller of a bearer access token or API token; raises AuthRequiredError."""
    if token.startswith(API_TOKEN_PREFIX):
        return principal_from_api_token(context.store, token)
    claims = decode_token(token, "access", context.key)
    return principal_from_claims(context.store, claims, "bearer")[0]


async def principal(request: Request, context: Ctx) -> Principal:
    """The caller: a bearer access token, an API token, or a page session cookie (whose
    unsafe requests must carry the CSRF token). Raises AuthRequiredError otherwise, and
    RateLimitedError past the per-user request rate."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthRequiredError("expected the header 'Authorization: Bearer <token>'")
        caller = bearer(context, token)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise AuthRequiredError(
                "sign in: send 'Authorization: Bearer <token>' (POST /api/v1/auth/login "
                "returns one) or use the pages' session"
            )
        claims = decode_token(cookie, "session", context.key)
        if claims.get("jti") in context.ended:
            raise AuthRequiredError("this session has ended; sign in again")
        caller, _ = principal_from_claims(context.store, claims, "cookie")
        request.state.session_expires = claims.get("exp")
        if request.method not in SAFE_METHODS:
            await _check_csrf(request, context.key, caller)
    context.user_limit.hit(caller.name, "requests")
    request.state.principal = caller
    return caller


async def _check_csrf(request: Request, key: bytes, caller: Principal) -> None:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    expected = csrf_token(key, caller.session or "")
    if given is None or not hmac.compare_digest(given, expected):
        raise PermissionDeniedError(
            "missing or wrong CSRF token; reload the page", field=CSRF_FIELD
        )


Caller = Annotated[Principal, Depends(principal)]


def require(role: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that admits callers of `role` or above and refuses others with 403."""

    async def check(caller: Caller) -> Principal:
        if not caller.may(role):
            raise PermissionDeniedError(f"this needs the {role} role; you are {caller.role}")
        return caller

    return check
