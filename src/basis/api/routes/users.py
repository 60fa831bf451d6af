"""Users (admin only) and API tokens (each user their own; an admin sees and revokes all)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from basis.api import auth
from basis.api.deps import Caller, Ctx, require
from basis.api.schemas import (
    ERRORS,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from basis.errors import ConflictError, NotFoundError
from basis.store.users import TokenRow, UserRow

router = APIRouter(tags=["users and tokens"], responses=ERRORS)
Admin = Annotated[auth.Principal, Depends(require("admin"))]


def user_out(row: UserRow) -> UserPublic:
    return UserPublic.model_validate(row, from_attributes=True)


def token_out(row: TokenRow) -> TokenPublic:
    return TokenPublic.model_validate(row, from_attributes=True)


@router.get("/users", summary="Every user (admin)")
def list_users(caller: Admin, context: Ctx) -> list[UserPublic]:
    return [user_out(row) for row in context.store.users()]


@router.post("/users", status_code=201, summary="Add a user (admin)")
def add_user(body: UserCreate, caller: Admin, context: Ctx) -> UserPublic:
    row = auth.add_user(
        context.store, body.name, body.role, body.password, context.config, f"api:{caller.name}"
    )
    return user_out(row)


@router.patch("/users/{name}", summary="Change a user's role, password or disabled flag (admin)")
def update_user(name: str, body: UserUpdate, caller: Admin, context: Ctx) -> UserPublic:
    if name == caller.name and (body.disabled or body.role not in (None, "admin")):
        raise ConflictError("an admin cannot disable or demote themselves", field="name")
    if body.password is not None:
        auth.set_password(context.store, name, body.password, context.config, f"api:{caller.name}")
    row = auth.update_user(
        context.store, name, role=body.role, disabled=body.disabled, actor=f"api:{caller.name}"
    )
    return user_out(row)


@router.delete("/users/{name}", status_code=204, summary="Delete a user and their tokens (admin)")
def delete_user(name: str, caller: Admin, context: Ctx) -> Response:
    if name == caller.name:
        raise ConflictError("an admin cannot delete themselves", field="name")
    auth.delete_user(context.store, name, f"api:{caller.name}")
    return Response(status_code=204)


@router.get("/tokens", summary="Your API tokens (an admin: everyone's)")
def list_tokens(caller: Caller, context: Ctx) -> list[TokenPublic]:
    owner = None if caller.may("admin") else caller.name
    return [token_out(row) for row in context.store.tokens(owner)]


@router.post("/tokens", status_code=201, summary="A new API token for you, shown once")
def create_token(body: TokenCreate, caller: Caller, context: Ctx) -> TokenCreated:
    row, token = auth.create_api_token(
        context.store, caller.name, body.label, body.expires_days, f"api:{caller.name}"
    )
    return TokenCreated.model_validate(token_out(row).model_dump() | {"token": token})


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def revoke_token(token_id: str, caller: Caller, context: Ctx) -> TokenPublic:
    row = context.store.token(token_id)
    if row is None or (row.user_name != caller.name and not caller.may("admin")):
        raise NotFoundError(f"no API token {token_id!r}", field="token_id")
    return token_out(auth.revoke_token(context.store, token_id, f"api:{caller.name}"))
