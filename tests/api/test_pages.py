"""The pages through the test client: forms, roles and the launch form's validation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from basis.api.forms import form_date, form_number, form_overrides
from basis.errors import ConfigError
from tests.api.stubs import PASSWORDS


def _session(client: TestClient, name: str) -> str:
    """Sign in through the login form; return the page's CSRF token."""
    client.post("/login", data={"username": name, "password": PASSWORDS[name], "next": "/"})
    page = client.get("/launch").text
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_a_wrong_password_shows_the_login_again_with_the_code(client: TestClient) -> None:
    response = client.post("/login", data={"username": "tom", "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert "AUTH_INVALID" in response.text and 'name="password"' in response.text


def test_launch_form_errors_come_back_on_the_form(client: TestClient) -> None:
    token = _session(client, "tom")
    form = {"csrf_token": token, "mode": "btc_basis", "data": "scenario:default"}
    response = client.post("/launch", data=form | {"capital": "-3"})
    assert response.status_code == 422
    assert "capital" in response.text and "launch-error" in response.text
    launched = client.post("/launch", data=form, follow_redirects=False)
    assert launched.status_code == 303 and launched.headers["location"].startswith("/jobs/")


def test_launch_without_the_csrf_token_is_refused(client: TestClient) -> None:
    _session(client, "tom")
    response = client.post("/launch", data={"mode": "btc_basis", "data": "scenario:default"})
    assert response.status_code == 403


def test_a_viewer_may_not_launch_nor_see_users(client: TestClient) -> None:
    token = _session(client, "vera")
    form = {"csrf_token": token, "mode": "btc_basis", "data": "scenario:default"}
    assert client.post("/launch", data=form).status_code == 403
    assert client.get("/users").status_code == 403
    assert 'id="kill-switch"' not in client.get("/live").text


def test_logout_ends_the_page_session_even_for_a_copied_cookie(client: TestClient) -> None:
    token = _session(client, "vera")
    copied = client.cookies["basis_session"]
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 401
    client.cookies.set("basis_session", copied)
    replayed = client.get("/api/v1/modes")
    assert replayed.status_code == 401 and "ended" in replayed.json()["error"]["message"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: form_date("June", "start"), "start"),
        (lambda: form_number("0", "capital"), "capital"),
        (lambda: form_number("inf", "capital"), "capital"),
        (lambda: form_overrides("target_ltv 0.8"), "overrides"),
    ],
)
def test_form_fields_name_themselves_when_wrong(call: object, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.field == field


def test_form_overrides_skip_blanks_and_comments() -> None:
    assert form_overrides("# tuned\n\nrebalance_threshold = 0.05\n") == {
        "rebalance_threshold": "0.05"
    }


def test_an_admin_adds_and_disables_users_from_the_page(client: TestClient) -> None:
    token = _session(client, "alice")
    form = {"csrf_token": token, "name": "zoe", "role": "viewer"}
    short = client.post("/users", data=form | {"password": "short"})
    assert short.status_code == 422 and "USER_INVALID" in short.text
    added = client.post("/users", data=form | {"password": "zoe-viewer-password"})
    assert added.status_code == 200 and "zoe" in added.text  # followed the redirect
    taken = client.post("/users", data=form | {"password": "zoe-viewer-password"})
    assert taken.status_code == 409
    client.post("/users/zoe/disabled", data={"csrf_token": token, "disabled": "true"})
    refused = client.post(
        "/api/v1/auth/login", json={"username": "zoe", "password": "zoe-viewer-password"}
    )
    assert refused.status_code == 401
