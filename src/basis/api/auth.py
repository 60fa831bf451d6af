"""Who is calling: argon2id passwords, signed access/refresh/session tokens, hashed API tokens.

The CLI (`basis users`) and the API share these functions; the store keeps only hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from basis import audit
from basis.api.config import ServiceConfig
from basis.errors import (
    AuthInvalidError,
    AuthRequiredError,
    NotFoundError,
    RateLimitedError,
    UserError,
)
from basis.store.users import ROLES, TokenRow, UserRow, UserStore

__all__ = [
    "API_TOKEN_PREFIX",
    "Principal",
    "TokenKind",
    "add_user",
    "authenticate",
    "check_password",
    "create_api_token",
    "decode_token",
    "delete_user",
    "issue_token",
    "principal_from_api_token",
    "principal_from_claims",
    "revoke_token",
    "set_password",
    "trail",
    "update_user",
]

API_TOKEN_PREFIX: Final = "basis_"
ALGORITHM: Final = "HS256"
NAME: Final = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
TokenKind = Literal["access", "refresh", "session"]
UNKNOWN_KEPT: Final = 10_000

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_HASHER: Final = PasswordHasher()
# Checked against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH: Final = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request: a user, their role, and how they proved it."""

    name: str
    role: str
    via: Literal["bearer", "api_token", "cookie"]
    session: str | None = None  # the session id of a cookie (binds the CSRF token)

    def may(self, role: str) -> bool:
        """True when this caller's role is `role` or above (admin > trader > viewer)."""
        return ROLES.index(self.role) <= ROLES.index(role)


def check_password(password: str, config: ServiceConfig) -> None:
    """Raise UserError when `password` is too short or blank."""
    if len(password) < config.min_password_length or not password.strip():
        raise UserError(
            f"the password must have at least {config.min_password_length} characters",
            field="password",
        )


def trail(
    store: UserStore, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
) -> None:
    """An audit entry for a user, token or login action (never a password or token)."""
    audit.record(store.engine, actor, action, subject, details or {})


def add_user(
    store: UserStore,
    name: str,
    role: str,
    password: str,
    config: ServiceConfig,
    actor: str = "operator",
) -> UserRow:
    """Store a new user with the argon2id hash of `password`.

    Raises UserError for a bad name, role or password; ConflictError when the name is taken.
    """
    if not NAME.match(name):
        raise UserError(
            f"user name {name!r}: 2–64 characters, lower-case letters, digits, '_', '.', '-', "
            "starting with a letter",
            field="name",
        )
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}", field="role")
    check_password(password, config)
    row = store.add_user(name, role, _HASHER.hash(password))
    trail(store, actor, "user.add", name, {"role": role})
    return row


def set_password(
    store: UserStore, name: str, password: str, config: ServiceConfig, actor: str = "operator"
) -> UserRow:
    """Replace a user's password (ending their sessions); raises UserError / NotFoundError."""
    check_password(password, config)
    row = store.update_user(name, password_hash=_HASHER.hash(password))
    trail(store, actor, "user.password", name)
    return row


def update_user(
    store: UserStore,
    name: str,
    *,
    role: str | None = None,
    disabled: bool | None = None,
    actor: str = "operator",
) -> UserRow:
    """Change a user's role or disabled flag, audited; raises NotFoundError."""
    row = store.update_user(name, role=role, disabled=disabled)
    changes = {k: v for k, v in (("role", role), ("disabled", disabled)) if v is not None}
    if changes:
        trail(store, actor, "user.update", name, changes)
    return row


def delete_user(store: UserStore, name: str, actor: str = "operator") -> None:
    """Delete a user and their tokens, audited; raises NotFoundError."""
    store.delete_user(name)
    trail(store, actor, "user.delete", name)


def revoke_token(store: UserStore, token_id: str, actor: str = "operator") -> TokenRow:
    """Revoke an API token, audited; raises NotFoundError."""
    row = store.revoke_token(token_id)
    trail(store, actor, "token.revoke", token_id, {"user": row.user_name})
    return row


def authenticate(
    store: UserStore,
    name: str,
    password: str,
    config: ServiceConfig,
    unknown: dict[str, tuple[int, datetime]] | None = None,
) -> UserRow:
    """The user `name` when `password` is theirs.

    Raises AuthInvalidError for an unknown user, a wrong password or a disabled user (one
    message for all three), and RateLimitedError while the name's back-off runs: after
    `lock_after` consecutive failures each further one doubles the wait. Names that are
    not users back off alike (counted in `unknown`, the caller's memory), so the answers
    never tell which names exist.
    """
    now = store.now()
    user = store.user(name)
    failures, locked_until = (
        (user.failed_logins, user.locked_until)
        if user is not None
        else (unknown or {}).get(name, (0, None))
    )
    if locked_until is not None and locked_until > now:
        wait = (locked_until - now).total_seconds()
        trail(store, "anonymous", "login.locked", name, {"retry_after": round(wait)})
        raise RateLimitedError(
            f"too many failed logins; try again in {wait:.0f} s", retry_after=wait
        )
    if not _verify(user.password_hash if user is not None else _DUMMY_HASH, password):
        lock = _lock(failures + 1, now, config)
        if user is not None:
            store.record_login(name, failed=True, locked_until=lock)
        elif unknown is not None:
            _forget_old(unknown, now, config)
            unknown[name] = (failures + 1, lock or now)
        trail(store, "anonymous", "login.failed", name, {"reason": "wrong password or user"})
        raise AuthInvalidError("wrong user name or password")
    if user is None or user.disabled:
        trail(store, "anonymous", "login.failed", name, {"reason": "disabled user"})
        raise AuthInvalidError("wrong user name or password")
    if user.failed_logins:
        store.record_login(name, failed=False, locked_until=None)
    trail(store, f"user:{name}", "login.success", name)
    return user


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _forget_old(
    unknown: dict[str, tuple[int, datetime]], now: datetime, config: ServiceConfig
) -> None:
    """Keep the memory of unknown names bounded: past `UNKNOWN_KEPT` entries, forget those
    whose last failure or back-off is older than the longest back-off."""
    if len(unknown) < UNKNOWN_KEPT:
        return
    horizon = now - timedelta(seconds=config.lock_max_seconds)
    for key in [key for key, (_, at) in unknown.items() if at < horizon]:
        del unknown[key]


def _lock(failures: int, now: datetime, config: ServiceConfig) -> datetime | None:
    """When the back-off after `failures` consecutive failures ends (None: no back-off)."""
    if failures < config.lock_after:
        return None
    seconds = config.lock_base_seconds * 2 ** (failures - config.lock_after)
    return now + timedelta(seconds=min(seconds, config.lock_max_seconds))


def issue_token(
    user: UserRow, kind: TokenKind, key: bytes, config: ServiceConfig, now: datetime
) -> str:
    """A signed token of `kind` for `user`, valid for the configured lifetime.

    It carries the user's session version: a password change or disable voids it.
    """
    lifetime = {
        "access": timedelta(minutes=config.access_minutes),
        "refresh": timedelta(hours=config.refresh_hours),
        "session": timedelta(hours=config.session_hours),
    }[kind]
    claims = {
        "sub": user.name,
        "typ": kind,
        "ver": user.session_version,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(token: str, kind: TokenKind, key: bytes) -> dict[str, Any]:
    """The claims of a valid, unexpired token of `kind`; raises AuthRequiredError otherwise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "typ"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthRequiredError(f"the {kind} token has expired; sign in again") from None
    except jwt.PyJWTError:
        raise AuthRequiredError(f"not a valid {kind} token") from None
    if claims.get("typ") != kind:
        raise AuthRequiredError(f"not a valid {kind} token")
    return claims


def principal_from_claims(
    store: UserStore, claims: dict[str, Any], via: Literal["bearer", "cookie"]
) -> tuple[Principal, UserRow]:
    """The caller named by verified claims; raises AuthRequiredError when the user is gone,
    disabled, or changed password since the token was issued."""
    user = store.user(str(claims["sub"]))
    if user is None or user.disabled or user.session_version != claims.get("ver"):
        raise AuthRequiredError("the token is no longer valid; sign in again")
    session = str(claims.get("jti")) if via == "cookie" else None
    return Principal(user.name, user.role, via, session), user


def create_api_token(
    store: UserStore,
    user_name: str,
    label: str,
    expires_days: float | None,
    actor: str = "operator",
) -> tuple[TokenRow, str]:
    """A new API token for `user_name`: its row and the token itself, shown once.

    The token is `basis_<id>_<secret>`; only sha256(secret) is stored (the secret has 256
    bits of entropy, so a slow hash adds nothing).
    """
    if store.user(user_name) is None:
        raise NotFoundError(f"no user {user_name!r}", field="user")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = store.now()
    row = TokenRow(
        token_id=token_id,
        user_name=user_name,
        label=label,
        secret_hash=_sha256(secret),
        created_at=now,
        expires_at=None if expires_days is None else now + timedelta(days=expires_days),
        revoked_at=None,
        last_used_at=None,
    )
    store.add_token(row)
    expires = None if row.expires_at is None else row.expires_at.isoformat()
    details = {"user": user_name, "label": label, "expires_at": expires}
    trail(store, actor, "token.create", token_id, details)
    return row, f"{API_TOKEN_PREFIX}{token_id}_{secret}"


def principal_from_api_token(store: UserStore, token: str) -> Principal:
    """The owner of a live API token; raises AuthRequiredError for any other token."""
    invalid = AuthRequiredError("not a valid API token")
    token_id, _, secret = token.removeprefix(API_TOKEN_PREFIX).partition("_")
    row = store.token(token_id) if token_id and secret else None
    if row is None or not hmac.compare_digest(row.secret_hash, _sha256(secret)):
        raise invalid
    now = store.now()
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise AuthRequiredError("the API token is revoked or expired")
    user = store.user(row.user_name)
    if user is None or user.disabled:
        raise invalid
    store.touch_token(token_id)
    return Principal(user.name, user.role, "api_token")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
