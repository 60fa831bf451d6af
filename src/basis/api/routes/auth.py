"""`/api/v1/auth`: log in for a token pair, refresh it, and say who is signed in."""

from __future__ import annotations

from fastapi import APIRouter, Request

from basis.api import auth
from basis.api.deps import Caller, Context, Ctx
from basis.api.schemas import ERRORS, Login, Me, Refresh, TokenPair
from basis.errors import AuthRequiredError
from basis.store.users import UserRow

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERRORS)


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: uvicorn's
    --forwarded-allow-ips decides whether X-Forwarded-For is trusted)."""
    return request.client.host if request.client is not None else "unknown"


def token_pair(context: Context, user: UserRow) -> TokenPair:
    now = context.store.now()
    return TokenPair(
        access_token=auth.issue_token(user, "access", context.key, context.config, now),
        refresh_token=auth.issue_token(user, "refresh", context.key, context.config, now),
        expires_in=round(context.config.access_minutes * 60),
    )


@router.post("/login", summary="Log in: a short-lived access token and a refresh token")
def login(body: Login, request: Request, context: Ctx) -> TokenPair:
    context.login_limit.hit(client_address(request), "login attempts from this address")
    user = auth.authenticate(
        context.store, body.username, body.password, context.config, context.unknown_logins
    )
    return token_pair(context, user)


@router.post(
    "/refresh", summary="A new token pair for a valid refresh token (each is good for one use)"
)
def refresh(body: Refresh, request: Request, context: Ctx) -> TokenPair:
    context.login_limit.hit(client_address(request), "token refreshes from this address")
    claims = auth.decode_token(body.refresh_token, "refresh", context.key)
    if claims.get("jti") in context.ended:
        raise AuthRequiredError("this refresh token was already used; sign in again")
    _, user = auth.principal_from_claims(context.store, claims, "bearer")
    context.ended.end(str(claims.get("jti")), float(claims["exp"]))  # single use
    auth.trail(context.store, f"user:{user.name}", "login.refresh", user.name)
    return token_pair(context, user)


@router.get("/me", summary="Who is signed in")
def me(caller: Caller) -> Me:
    return Me(name=caller.name, role=caller.role)
