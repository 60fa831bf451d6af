"""Logins, user and token changes, and live start/stop are audit entries: actor, action,
subject, and never a password or a token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from basis import audit
from basis.api.services import database_url
from basis.config.settings import Settings
from basis.store.users import UserStore
from tests.api.stubs import PASSWORDS, login


def _entries(settings: Settings) -> list[audit.AuditEntry]:
    with UserStore(database_url(settings)) as store:
        return audit.verify(store.engine)  # the chain is intact as well


def test_logins_and_user_and_token_changes_are_audited_without_secrets(
    client: TestClient, settings: Settings
) -> None:
    bad = client.post("/api/v1/auth/login", json={"username": "tom", "password": "nope-nope"})
    assert bad.status_code == 401
    client.post("/api/v1/auth/login", json={"username": "ghost", "password": "whatever1"})
    response = client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]}
    )
    pair = response.json()
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200
    admin = login(client, "alice")
    added = client.post(
        "/api/v1/users",
        json={"name": "zoe", "role": "viewer", "password": "zoe-secret-password"},
        headers=admin,
    )
    assert added.status_code == 201
    changed = client.patch(
        "/api/v1/users/zoe",
        json={"role": "trader", "password": "zoe-new-secret-pass"},
        headers=admin,
    )
    assert changed.status_code == 200
    token = client.post("/api/v1/tokens", json={"label": "ci"}, headers=admin).json()
    assert client.delete(f"/api/v1/tokens/{token['token_id']}", headers=admin).status_code == 200
    assert client.delete("/api/v1/users/zoe", headers=admin).status_code == 204

    entries = _entries(settings)
    seen = [(e.actor, e.action, e.subject) for e in entries]
    assert ("anonymous", "login.failed", "tom") in seen
    assert ("anonymous", "login.failed", "ghost") in seen
    assert ("user:alice", "login.success", "alice") in seen
    assert ("user:alice", "login.refresh", "alice") in seen
    assert ("api:alice", "user.add", "zoe") in seen
    assert ("api:alice", "user.password", "zoe") in seen
    assert ("api:alice", "user.update", "zoe") in seen
    assert ("api:alice", "token.create", token["token_id"]) in seen
    assert ("api:alice", "token.revoke", token["token_id"]) in seen
    assert ("api:alice", "user.delete", "zoe") in seen
    update = next(e for e in entries if e.action == "user.update")
    assert update.details_dict() == {"role": "trader"}
    text = "".join(e.details + e.subject + e.actor for e in entries)
    secrets = [*PASSWORDS.values(), "zoe-secret-password", "zoe-new-secret-pass", "nope-nope"]
    secrets += [token["token"], pair["access_token"], pair["refresh_token"]]
    assert not [s for s in secrets if s in text]
