"""Errors at the boundary: size limit, a bug's 500 with its request id, CSRF, security headers."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from basis.api.app import create_app
from basis.api.config import ServiceConfig
from basis.config.settings import Settings
from tests.api.stubs import PASSWORDS, login


def test_a_body_over_the_limit_is_a_413(client: TestClient) -> None:
    big = b'{"label": "' + b"x" * 2_000_000 + b'"}'
    response = client.post(
        "/api/v1/tokens",
        content=big,
        headers=login(client, "tom") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "REQUEST_TOO_LARGE"


def test_a_bug_is_a_500_with_the_request_id_it_was_logged_under(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.ERROR, logger="basis.api"),
    ):
        response = client.get("/api/v1/boom", headers=login(client, "vera"))
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "INTERNAL_ERROR"
    assert "internal detail" not in response.text and "Traceback" not in response.text
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert any(error["request_id"] in record.getMessage() for record in caplog.records)


def test_the_per_user_rate_limit_answers_429(settings: Settings) -> None:
    with TestClient(create_app(settings, ServiceConfig(requests_per_minute=3))) as client:
        headers = login(client, "vera")
        codes = [client.get("/api/v1/modes", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def _page_session(client: TestClient, name: str) -> None:
    response = client.post(
        "/login",
        data={"username": name, "password": PASSWORDS[name], "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_a_cookie_session_needs_the_csrf_token_for_unsafe_requests(client: TestClient) -> None:
    _page_session(client, "tom")
    assert client.get("/api/v1/modes").status_code == 200
    refused = client.post("/api/v1/tokens", json={"label": "x"})
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "csrf_token"
    page = client.get("/launch").text
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    accepted = client.post("/api/v1/tokens", json={"label": "x"}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201


def test_pages_without_a_session_answer_401_and_lead_to_the_login(client: TestClient) -> None:
    response = client.get("/runs/abc123")
    assert response.status_code == 401
    assert "url=/login?next=/runs/abc123" in response.text


def test_login_redirects_only_within_the_site(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={"username": "vera", "password": PASSWORDS["vera"], "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_responses_carry_the_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
