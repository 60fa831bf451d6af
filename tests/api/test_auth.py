"""Login, refresh, back-off, rate limits, API tokens and the secrets they must never leak."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from basis.api.app import create_app
from basis.api.config import ServiceConfig
from basis.api.services import database_url
from basis.config.settings import Settings
from tests.api.stubs import PASSWORDS, login

LOGIN = "/api/v1/auth/login"


def test_login_returns_the_contract_token_pair(client: TestClient) -> None:
    response = client.post(LOGIN, json={"username": "vera", "password": PASSWORDS["vera"]})
    assert response.status_code == 200
    body = response.json()
    assert {"access_token", "refresh_token", "token_type"} <= set(body)
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"name": "vera", "role": "viewer"}


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient) -> None:
    wrong = client.post(LOGIN, json={"username": "vera", "password": "not-her-password"})
    unknown = client.post(LOGIN, json={"username": "nobody", "password": "whatever-it-is"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "AUTH_INVALID"
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_repeated_failed_logins_back_off_even_for_the_right_password(client: TestClient) -> None:
    for _ in range(3):
        client.post(LOGIN, json={"username": "tom", "password": "guess-guess-guess"})
    locked = client.post(LOGIN, json={"username": "tom", "password": PASSWORDS["tom"]})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "RATE_LIMITED"
    assert int(locked.headers["Retry-After"]) >= 1


def test_unknown_names_back_off_like_users_so_answers_tell_nothing(client: TestClient) -> None:
    codes = {
        name: [
            client.post(LOGIN, json={"username": name, "password": "guess-guess-guess"}).status_code
            for _ in range(4)
        ]
        for name in ("tom", "nobody")
    }
    assert codes["tom"] == codes["nobody"] == [401, 401, 401, 429]


def test_login_rate_per_address_is_limited(settings: Settings) -> None:
    config = ServiceConfig(login_per_minute=3)
    with TestClient(create_app(settings, config), raise_server_exceptions=False) as client:
        codes = [
            client.post(LOGIN, json={"username": "x", "password": "y"}).status_code
            for _ in range(4)
        ]
    assert codes == [401, 401, 401, 429]


def test_refresh_gives_a_new_pair_and_refuses_an_access_token(client: TestClient) -> None:
    pair = client.post(LOGIN, json={"username": "tom", "password": PASSWORDS["tom"]}).json()
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200 and renewed.json()["token_type"] == "bearer"
    wrong = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["access_token"]})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "AUTH_REQUIRED"
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401 and "already used" in again.json()["error"]["message"]
    chained = renewed.json()["refresh_token"]
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": chained}).status_code == 200


def test_a_refresh_token_is_not_an_access_token(client: TestClient) -> None:
    pair = client.post(LOGIN, json={"username": "tom", "password": PASSWORDS["tom"]}).json()
    headers = {"Authorization": f"Bearer {pair['refresh_token']}"}
    assert client.get("/api/v1/modes", headers=headers).status_code == 401


def test_a_password_change_ends_existing_tokens(client: TestClient) -> None:
    viewer = login(client, "vera")
    admin = login(client, "alice")
    changed = client.patch(
        "/api/v1/users/vera", json={"password": "a-brand-new-password"}, headers=admin
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/modes", headers=viewer).status_code == 401


def test_api_token_works_until_revoked_and_only_its_hash_is_stored(
    client: TestClient, settings: Settings
) -> None:
    headers = login(client, "tom")
    created = client.post("/api/v1/tokens", json={"label": "ci"}, headers=headers)
    assert created.status_code == 201
    token = created.json()["token"]
    script = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/modes", headers=script).status_code == 200
    listed = client.get("/api/v1/tokens", headers=headers).json()
    assert [row["label"] for row in listed] == ["ci"] and "token" not in listed[0]
    engine = sa.create_engine(database_url(settings))
    with engine.connect() as connection:
        dump = str(connection.execute(sa.text("SELECT * FROM basis_api_tokens")).all())
        users = str(connection.execute(sa.text("SELECT * FROM basis_users")).all())
    engine.dispose()
    assert token.split("_")[-1] not in dump
    assert all(password not in users for password in PASSWORDS.values())
    assert "$argon2id$" in users
    revoked = client.delete(f"/api/v1/tokens/{created.json()['token_id']}", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/modes", headers=script).status_code == 401


def test_a_forged_or_garbled_token_is_refused(client: TestClient) -> None:
    for value in ("Bearer basis_0000_x", "Bearer a.b.c", "Basic abc", "Bearer "):
        response = client.get("/api/v1/modes", headers={"Authorization": value})
        assert response.status_code == 401, value


def test_users_are_admin_only_and_never_show_a_hash(client: TestClient) -> None:
    assert client.get("/api/v1/users", headers=login(client, "tom")).status_code == 403
    admin = login(client, "alice")
    listed = client.get("/api/v1/users", headers=admin)
    assert [user["name"] for user in listed.json()] == ["alice", "tom", "vera"]
    assert "hash" not in listed.text and "argon2" not in listed.text
    added = client.post(
        "/api/v1/users",
        json={"name": "zoe", "role": "viewer", "password": "short"},
        headers=admin,
    )
    assert added.status_code == 422
    assert added.json()["error"] == added.json()["error"] | {
        "code": "USER_INVALID",
        "field": "password",
    }


def test_an_app_with_no_user_refuses_to_start(tmp_path: object) -> None:
    import pytest

    from basis.errors import UserError
    from tests.api.stubs import make_settings

    settings = make_settings(tmp_path / "home", tmp_path / "catalog")  # type: ignore[operator]
    with pytest.raises(UserError, match="basis users add"):
        create_app(settings)
