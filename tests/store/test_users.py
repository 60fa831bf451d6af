"""Users and API tokens in the store, on SQLite and (marked `postgres`) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from basis.errors import ConflictError, NotFoundError
from basis.store.users import TokenRow, UserStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[UserStore]:
    with UserStore(database_url, clock=lambda: T0) as opened:
        yield opened


def test_add_user_then_read_it_back(store: UserStore) -> None:
    store.add_user("alice", "admin", "$argon2id$hash")
    found = store.user("alice")
    assert found is not None
    assert (found.role, found.password_hash, found.disabled) == ("admin", "$argon2id$hash", False)
    assert found.created_at == T0
    assert store.count_users() == 1


def test_add_user_twice_raises_conflict_naming_the_field(store: UserStore) -> None:
    store.add_user("alice", "admin", "h")
    with pytest.raises(ConflictError) as caught:
        store.add_user("alice", "viewer", "h")
    assert caught.value.field == "name"


def test_new_password_or_disable_bumps_the_session_version(store: UserStore) -> None:
    store.add_user("bob", "viewer", "h1")
    assert store.update_user("bob", role="trader").session_version == 0
    assert store.update_user("bob", password_hash="h2").session_version == 1
    disabled = store.update_user("bob", disabled=True)
    assert (disabled.session_version, disabled.disabled) == (2, True)
    assert store.count_users() == 0
    assert store.count_users(enabled_only=False) == 1


def test_update_or_delete_unknown_user_raises_not_found(store: UserStore) -> None:
    with pytest.raises(NotFoundError):
        store.update_user("nobody", role="admin")
    with pytest.raises(NotFoundError):
        store.delete_user("nobody")


def test_failed_logins_count_and_reset(store: UserStore) -> None:
    store.add_user("carol", "viewer", "h")
    store.record_login("carol", failed=True, locked_until=None)
    store.record_login("carol", failed=True, locked_until=T0 + timedelta(seconds=2))
    found = store.user("carol")
    assert found is not None and found.failed_logins == 2 and found.locked_until is not None
    store.record_login("carol", failed=False, locked_until=None)
    found = store.user("carol")
    assert found is not None and (found.failed_logins, found.locked_until) == (0, None)


def test_tokens_are_listed_revoked_and_deleted_with_their_user(store: UserStore) -> None:
    store.add_user("dave", "trader", "h")
    row = TokenRow("0123456789abcdef", "dave", "ci", "f" * 64, T0, None, None, None)
    store.add_token(row)
    assert [token.token_id for token in store.tokens("dave")] == [row.token_id]
    assert store.revoke_token(row.token_id).revoked_at == T0
    store.delete_user("dave")
    assert store.token(row.token_id) is None
    with pytest.raises(NotFoundError):
        store.revoke_token(row.token_id)
