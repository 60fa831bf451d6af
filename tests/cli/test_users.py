"""`basis users` and `basis serve`'s refusals: no default user, no prod without secrets."""

from __future__ import annotations

import io
import sys

import pytest

from basis.store.users import UserStore
from tests.cli.runner import run


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_users_add_reads_the_password_from_piped_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "a-long-enough-password\n")
    result = run(monkeypatch, "users", "add", "alice", "--role", "admin")
    assert result.exit_code == 0, result.stderr
    assert "added user alice (admin)" in result.stdout
    with UserStore() as store:
        user = store.user("alice")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert "a-long-enough-password" not in user.password_hash
    listed = run(monkeypatch, "users", "list")
    assert "alice" in listed.stdout and "argon2" not in listed.stdout


@pytest.mark.parametrize(
    ("stdin", "args", "expected"),
    [
        ("short\n", ("bob", "--role", "viewer"), "at least 12 characters"),
        ("\n", ("bob", "--role", "viewer"), "no password on stdin"),
        ("a-long-enough-password\n", ("bob", "--role", "root"), "role 'root'"),
        ("a-long-enough-password\n", ("Bob!", "--role", "viewer"), "user name 'Bob!'"),
    ],
)
def test_users_add_refuses_bad_input_with_user_invalid(
    monkeypatch: pytest.MonkeyPatch, stdin: str, args: tuple[str, ...], expected: str
) -> None:
    _stdin(monkeypatch, stdin)
    result = run(monkeypatch, "users", "add", *args)
    assert result.exit_code == 2
    assert "USER_INVALID" in result.stderr and expected in result.stderr


def test_serve_with_no_user_refuses_and_says_how_to_add_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run(monkeypatch, "serve")
    assert result.exit_code == 2
    assert "basis users add NAME --role admin" in result.stderr


def test_serve_in_prod_without_secrets_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASIS_ENV", "prod")
    monkeypatch.delenv("BASIS_SECRET_KEY", raising=False)
    monkeypatch.delenv("BASIS_DB_URL", raising=False)
    result = run(monkeypatch, "serve")
    assert result.exit_code == 2
    assert "CONFIG_MISSING_SECRET" in result.stderr


def test_passwd_and_disable_change_the_stored_user(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "a-long-enough-password\n")
    run(monkeypatch, "users", "add", "carol", "--role", "trader")
    with UserStore() as store:
        before = store.user("carol")
    _stdin(monkeypatch, "another-long-password\n")
    assert run(monkeypatch, "users", "passwd", "carol").exit_code == 0
    assert run(monkeypatch, "users", "disable", "carol").exit_code == 0
    with UserStore() as store:
        after = store.user("carol")
    assert before is not None and after is not None
    assert after.password_hash != before.password_hash and after.disabled
    assert after.session_version == before.session_version + 2


def test_users_token_prints_a_working_token_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from basis.api.auth import principal_from_api_token

    _stdin(monkeypatch, "a-long-enough-password\n")
    run(monkeypatch, "users", "add", "ci", "--role", "trader")
    result = run(monkeypatch, "users", "token", "ci", "--label", "nightly", "--days", "30")
    assert result.exit_code == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("basis_") and token not in result.stderr
    with UserStore() as store:
        assert principal_from_api_token(store, token).name == "ci"
        assert token.split("_")[-1] not in str(store.tokens("ci"))
    unknown = run(monkeypatch, "users", "token", "nobody", "--label", "x")
    assert unknown.exit_code == 2 and "NOT_FOUND" in unknown.stderr
