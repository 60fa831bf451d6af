"""Service logs: JSON lines, and never a password, token or hash in them."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from basis.api.logs import JsonFormatter, log_config
from tests.api.stubs import PASSWORDS


def test_a_record_is_one_json_object_with_its_extras() -> None:
    record = logging.makeLogRecord(
        {"name": "basis.api", "levelname": "ERROR", "msg": "job %s failed", "args": ("j1",)}
    )
    record.request_id = "abc"
    line = JsonFormatter().format(record)
    document = json.loads(line)
    assert document | {"time": ""} == {
        "time": "",
        "level": "error",
        "logger": "basis.api",
        "message": "job j1 failed",
        "request_id": "abc",
    }
    assert "\n" not in line


def test_the_log_config_covers_uvicorn_and_basis() -> None:
    config = log_config()
    assert set(config["loggers"]) == {"uvicorn", "uvicorn.error", "uvicorn.access", "basis"}
    assert config["formatters"]["json"]["()"] is JsonFormatter
    # (not applied here: dictConfig would rewire the test process's loggers)


def test_logins_and_tokens_leave_no_secret_in_the_logs(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post("/api/v1/auth/login", json={"username": "tom", "password": "wrong-secret-1"})
        pair = client.post(
            "/api/v1/auth/login", json={"username": "tom", "password": PASSWORDS["tom"]}
        ).json()
        headers = {"Authorization": f"Bearer {pair['access_token']}"}
        token = client.post("/api/v1/tokens", json={"label": "x"}, headers=headers).json()
        client.get("/api/v1/modes", headers={"Authorization": f"Bearer {token['token']}"})
    text = caplog.text
    for secret in ("wrong-secret-1", PASSWORDS["tom"], pair["access_token"], token["token"]):
        assert secret not in text
    assert "$argon2" not in text
