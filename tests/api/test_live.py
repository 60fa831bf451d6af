"""The live routes: "no live runner" until one is attached, then reads and controls by role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from basis.api.app import create_app
from basis.config.settings import Settings
from tests.api.stubs import FAST, login


class FakeRunner:
    """A live runner that records the controls it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def status(self) -> Mapping[str, Any]:
        return {"mode": "paper", "killed": ("kill", "tom") in self.calls}

    def positions(self) -> Sequence[Mapping[str, Any]]:
        return [{"account": "main", "instrument": "binance:perp:ETHUSDT", "size": -5.0}]

    def orders(self) -> Sequence[Mapping[str, Any]]:
        return []

    def risk(self) -> Mapping[str, Any]:
        return {"state": "normal", "min_health_factor": 1.07}

    def start(self, by: str) -> None:
        self.calls.append(("start", by))

    def stop(self, by: str) -> None:
        self.calls.append(("stop", by))

    def kill(self, by: str) -> None:
        self.calls.append(("kill", by))


def test_without_a_runner_reads_say_so_and_controls_conflict(client: TestClient) -> None:
    headers = login(client, "tom")
    assert client.get("/api/v1/live/status", headers=headers).json() == {
        "running": False,
        "detail": "no live runner: this server runs backtests only",
        "state": None,
    }
    for method, path in [("GET", "positions"), ("GET", "orders"), ("POST", "kill")]:
        response = client.request(method, f"/api/v1/live/{path}", headers=headers)
        assert response.status_code == 409 and response.json()["error"]["code"] == "CONFLICT"


def test_with_a_runner_traders_control_it_and_viewers_only_read(settings: Settings) -> None:
    runner = FakeRunner()
    with TestClient(create_app(settings, FAST, live_runner=runner)) as client:
        viewer, trader = login(client, "vera"), login(client, "tom")
        assert client.get("/api/v1/live/positions", headers=viewer).json()[0]["size"] == -5.0
        assert client.get("/api/v1/live/risk", headers=viewer).json()["state"] == "normal"
        assert client.post("/api/v1/live/kill", headers=viewer).status_code == 403
        client.post("/login", data={"username": "vera", "password": "vera-viewer-password"})
        page = client.get("/live").text
        killed = client.post("/api/v1/live/kill", headers=trader)
        client.post("/api/v1/live/stop", headers=trader)
    assert killed.status_code == 200 and killed.json()["state"]["killed"] is True
    assert runner.calls == [("kill", "tom"), ("stop", "tom")]
    assert "binance:perp:ETHUSDT" in page and 'id="kill-switch"' not in page


def test_attached_live_runs_a_paper_replay_shows_it_and_kills_it(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live runtime behind the routes: a trader starts the server's paper run, the
    status comes from the journal, a viewer reads it, the kill switch stops its trading."""
    import time

    from basis.data.catalog import Catalog
    from basis.trading.attached import AttachedLive
    from basis.trading.launch import LiveRequest

    for venue in ("BINANCE", "BYBIT", "OKX", "HYPERLIQUID"):
        monkeypatch.delenv(f"BASIS_{venue}_API_KEY", raising=False)
    journal = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    request = LiveRequest("btc_basis", paper=True, replay="scenario:default", tick=0.2)
    live = AttachedLive(request, journal, settings.configs_path, Catalog(settings.catalog_path))
    with TestClient(create_app(settings, FAST, live_runner=live)) as client:
        viewer, trader = login(client, "vera"), login(client, "tom")
        assert client.post("/api/v1/live/start", headers=viewer).status_code == 403
        started = client.post("/api/v1/live/start", headers=trader)
        assert started.status_code == 200, started.text
        deadline = time.monotonic() + 30
        state = None
        while time.monotonic() < deadline and not (state and (state["ticks"] or 0) >= 3):
            time.sleep(0.1)
            state = client.get("/api/v1/live/status", headers=viewer).json()["state"]
        assert state is not None and state["ticks"] >= 3 and state["paper"] is True
        held = client.get("/api/v1/live/positions", headers=viewer).json()
        assert any(p["instrument"] == "binance:perp:BTCUSDT" for p in held)
        assert client.post("/api/v1/live/stop", headers=trader).status_code == 200
        assert client.post("/api/v1/live/kill", headers=trader).status_code == 200
        status = client.get("/api/v1/live/status", headers=viewer).json()["state"]
        assert status["kill_switch"] == "kill by tom"
        assert status["server_running"] is False
        risk = client.get("/api/v1/live/risk", headers=viewer).json()
        assert set(risk) >= {"alerts", "margin_ratio:binance"}
