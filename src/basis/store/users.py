"""Service users and API tokens in the store: hashes only, never a password or a token.

Hashing and checking belong to the service (`basis.api.auth`); this module keeps rows.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from basis.errors import ConflictError, NotFoundError
from basis.store.results import ResultStore
from basis.store.schema import api_tokens, users

__all__ = ["ROLES", "TokenRow", "UserRow", "UserStore"]

ROLES: Final = ("admin", "trader", "viewer")
"""Roles, most powerful first: admin manages users; trader and admin start and stop work."""


@dataclass(frozen=True, slots=True)
class UserRow:
    """A stored user. `password_hash` never leaves the service: public schemas omit it."""

    name: str
    role: str
    password_hash: str
    created_at: datetime
    disabled: bool
    session_version: int
    failed_logins: int
    locked_until: datetime | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A stored API token: its public id and the sha256 of its secret part."""

    token_id: str
    user_name: str
    label: str
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class UserStore(ResultStore):
    """The store with the service's users and API tokens."""

    def add_user(self, name: str, role: str, password_hash: str) -> UserRow:
        """Store a new user; raises ConflictError when the name is taken."""
        row = UserRow(name, role, password_hash, self._clock(), False, 0, 0, None)
        try:
            with self._engine.begin() as connection:
                connection.execute(sa.insert(users), _user_values(row))
        except IntegrityError:
            raise ConflictError(f"user {name!r} already exists", field="name") from None
        return row

    def user(self, name: str) -> UserRow | None:
        """The user `name`, or None."""
        with self._engine.connect() as connection:
            found = connection.execute(sa.select(users).where(users.c.name == name)).mappings()
            row = found.first()
        return None if row is None else UserRow(**row)

    def users(self) -> builtins.list[UserRow]:
        """Every user, by name."""
        with self._engine.connect() as connection:
            found = connection.execute(sa.select(users).order_by(users.c.name)).mappings()
            return [UserRow(**row) for row in found]

    def count_users(self, *, enabled_only: bool = True) -> int:
        """How many users (that may sign in, by default) the store has."""
        query = sa.select(sa.func.count()).select_from(users)
        if enabled_only:
            query = query.where(users.c.disabled.is_(False))
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def update_user(
        self,
        name: str,
        *,
        role: str | None = None,
        password_hash: str | None = None,
        disabled: bool | None = None,
    ) -> UserRow:
        """Change a user; a new password or a change of `disabled` ends every session.

        Raises NotFoundError when there is no such user.
        """
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = role
        if password_hash is not None:
            values["password_hash"] = password_hash
            values["failed_logins"] = 0
            values["locked_until"] = None
        if disabled is not None:
            values["disabled"] = disabled
        if password_hash is not None or disabled is not None:
            values["session_version"] = users.c.session_version + 1
        if values:
            with self._engine.begin() as connection:
                done = connection.execute(
                    sa.update(users).where(users.c.name == name).values(**values)
                )
            if done.rowcount == 0:
                raise _no_user(name)
        found = self.user(name)
        if found is None:
            raise _no_user(name)
        return found

    def delete_user(self, name: str) -> None:
        """Delete a user and their tokens; raises NotFoundError when there is none."""
        with self._engine.begin() as connection:
            done = connection.execute(sa.delete(users).where(users.c.name == name))
        if done.rowcount == 0:
            raise _no_user(name)

    def record_login(self, name: str, *, failed: bool, locked_until: datetime | None) -> None:
        """Count a failed login (and set the back-off), or reset the count after a success."""
        values: dict[str, Any] = (
            {"failed_logins": users.c.failed_logins + 1, "locked_until": locked_until}
            if failed
            else {"failed_logins": 0, "locked_until": None}
        )
        with self._engine.begin() as connection:
            connection.execute(sa.update(users).where(users.c.name == name).values(**values))

    def add_token(self, row: TokenRow) -> None:
        """Store a new API token row (its secret already hashed)."""
        with self._engine.begin() as connection:
            connection.execute(sa.insert(api_tokens), _token_values(row))

    def token(self, token_id: str) -> TokenRow | None:
        """The token `token_id`, revoked or not, or None."""
        with self._engine.connect() as connection:
            query = sa.select(api_tokens).where(api_tokens.c.token_id == token_id)
            row = connection.execute(query).mappings().first()
        return None if row is None else TokenRow(**row)

    def tokens(self, user_name: str | None = None) -> builtins.list[TokenRow]:
        """The tokens of one user (or of all), newest first."""
        query = sa.select(api_tokens).order_by(
            api_tokens.c.created_at.desc(), api_tokens.c.token_id
        )
        if user_name is not None:
            query = query.where(api_tokens.c.user_name == user_name)
        with self._engine.connect() as connection:
            return [TokenRow(**row) for row in connection.execute(query).mappings()]

    def revoke_token(self, token_id: str) -> TokenRow:
        """Revoke a token (idempotent); raises NotFoundError when there is none."""
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(api_tokens)
                .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )
        found = self.token(token_id)
        if found is None:
            raise NotFoundError(f"no API token {token_id!r}", field="token_id")
        return found

    def touch_token(self, token_id: str) -> None:
        """Stamp the token's last use."""
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(api_tokens)
                .where(api_tokens.c.token_id == token_id)
                .values(last_used_at=self._clock())
            )

    def now(self) -> datetime:
        """The store's clock (UTC), so the service and the rows agree on time."""
        return self._clock()


def _no_user(name: str) -> NotFoundError:
    return NotFoundError(f"no user {name!r}", field="name")


def _user_values(row: UserRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in UserRow.__slots__}


def _token_values(row: TokenRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in TokenRow.__slots__}
