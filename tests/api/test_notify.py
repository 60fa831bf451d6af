"""Notifications through apprise to a local HTTP receiver: what notifies, dedupe, rate."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from basis.api.app import create_app
from basis.api.notify import Notice, Notifier, NotifyConfig, notice_of
from basis.config.settings import Settings
from tests.api.stubs import BACKTEST, FAST, add_users, login, make_settings, wait_job


class Receiver:
    """A webhook on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int) -> list[dict[str, Any]]:
        for _ in range(200):
            if len(self.received) >= count:
                break
            time.sleep(0.05)
        return self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    opened = Receiver()
    yield opened
    opened.server.shutdown()


FAILED_JOB = {
    "job_id": "j1",
    "kind": "backtest",
    "owner": "tom",
    "description": "btc_basis on real",
    "state": "failed",
    "error": {"code": "DATA_MISSING", "message": "no dataset 'real'"},
}


def test_a_failed_job_reaches_the_webhook(receiver: Receiver) -> None:
    notifier = Notifier([receiver.url])
    notifier.on_event("job", FAILED_JOB)
    notifier.on_event("job", FAILED_JOB | {"state": "running"})  # not news
    notifier.close()
    (message,) = receiver.wait(1)
    assert message["title"] == "basis: backtest failed"
    assert "[DATA_MISSING]" in message["message"] and message["type"] == "failure"


def test_a_repeated_event_is_sent_once_and_the_rate_is_capped(receiver: Receiver) -> None:
    clock = [0.0]
    notifier = Notifier(
        [receiver.url], NotifyConfig(repeat_seconds=60, per_minute=3), clock=lambda: clock[0]
    )
    alert = {"kind": "liquidation_distance", "subject": "binance", "message": "4 % away"}
    assert [notifier.notify(notice_of("alert", alert)) for _ in range(3)] == [True, False, False]  # type: ignore[arg-type]
    clock[0] = 61.0  # the window has passed: the same alert may go again
    assert notifier.notify(notice_of("alert", alert))  # type: ignore[arg-type]
    sent = [notifier.notify(Notice(f"k{k}", "t", "b")) for k in range(3)]
    notifier.close()
    assert sent == [True, True, False]  # 3 per minute, the alert of t=61 included
    assert notifier.suppressed == 3
    assert len(receiver.wait(4)) == 4


@pytest.mark.parametrize(
    ("topic", "data", "key"),
    [
        (
            "risk",
            {"account": "main", "state": "margin_critical", "changed": True},
            "risk:main:margin_critical",
        ),
        ("risk", {"account": "main", "state": "normal", "changed": False}, None),
        ("order", {"client_order_id": "c1", "state": "rejected", "venue": "okx"}, "order:c1"),
        ("order", {"client_order_id": "c1", "state": "filled"}, None),
        ("alert", {"kind": "kill_switch", "message": "killed by tom"}, "alert:kill_switch:"),
        ("equity", {"equity": 1.0}, None),
    ],
)
def test_what_notifies(topic: str, data: dict[str, Any], key: str | None) -> None:
    notice = notice_of(topic, data)
    assert (notice.key if notice is not None else None) == key


def test_the_service_notifies_a_failed_backtest(
    receiver: Receiver, tmp_path: Path, scenario_catalog: Path
) -> None:
    settings = make_settings(tmp_path / "home", scenario_catalog)
    settings = Settings(**settings.model_dump() | {"notify_urls": SecretStr(receiver.url)})
    add_users(settings)
    with TestClient(create_app(settings, FAST)) as client:
        headers = login(client, "tom")
        body = dict(BACKTEST) | {"data": "scenario:never_generated"}
        job_id = client.post("/api/v1/backtests", json=body, headers=headers).json()["job_id"]
        assert wait_job(client, job_id, headers)["state"] == "failed"
    (message,) = receiver.wait(1)
    assert "DATA_MISSING" in message["message"]
